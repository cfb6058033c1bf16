"""The demo's grant rounds, written with the ORM.

The rounds' services are being built alongside this demo, so the rows are written directly, in
the states the services would leave them: submitted applications have the time they were
submitted and an event for it, screened ones the officer's reason, assignments the time their
scores were submitted. Dates follow today's date (``pcc_commissioning.clock``), not the
2019/20 demo year, so the closed round is always just closed and the open one always open.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.contrib.auth import get_user_model

from grants.models import FundingStream
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning import clock
from pcc_commissioning.periods import FinancialYear
from providers.models import Organisation
from rounds.models import (
    ApplicantOrganisation,
    Application,
    ApplicationEvent,
    ApplicationQuestion,
    ApplicationStatus,
    Assignment,
    AssignmentStatus,
    BudgetLine,
    Criterion,
    Eligibility,
    EligibilityQuestion,
    PanelMember,
    Round,
    RoundKind,
    RoundStatus,
    Score,
)

from ..grants.streams import POLICE_GRANT, PRECEPT
from ..users import DEMO_APPLICANT, DEMO_PROVIDER, demo_applicant_organisation
from .definitions import (
    APPLICATION_QUESTIONS,
    CSF_APPLICATIONS,
    MEMBER_VARIATION,
    SCORE_COMMENTS,
    DemoApplication,
    criteria,
    eligibility_questions,
)

CSF_NAME = "Community Safety Fund"
PPP_NAME = "Protecting People and Places Fund - tranche 2"
COMMUNITY_SAFETY = "Community safety and prevention"
# (label, share of the amount) of each application's budget table; the last takes the rest.
BUDGET_SHARES = (("Sessional workers and volunteers' expenses", 55), ("Venue hire", 20), ("Materials and equipment", 0))


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return clock.start_of(day) + datetime.timedelta(hours=hour)


def _first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


def _define(round: Round, *, income_limit: int, weights: tuple[int, int, int]) -> None:
    for position, spec in enumerate(eligibility_questions(income_limit)):
        EligibilityQuestion.objects.create(round=round, position=position, **spec)
    for position, spec in enumerate(APPLICATION_QUESTIONS):
        ApplicationQuestion.objects.create(round=round, position=position, **spec)
    for position, spec in enumerate(criteria(weights)):
        Criterion.objects.create(round=round, position=position, max_score=5, **spec)


def _budget_lines(application: Application, amount: int) -> None:
    left = Decimal(amount)
    for position, (item, share) in enumerate(BUDGET_SHARES):
        cost = (Decimal(amount) * share / 100).quantize(Decimal("1")) if share else left
        left -= cost
        BudgetLine.objects.create(
            application=application, question_key="budget", item=item, amount=cost, position=position
        )


def _organisation(spec: DemoApplication) -> ApplicantOrganisation:
    if spec.organisation == DEMO_APPLICANT:
        return demo_applicant_organisation()
    organisation, _created = ApplicantOrganisation.objects.get_or_create(
        name=spec.organisation,
        defaults={"kind": "voluntary_sector", "charity_number": spec.charity_number, "postcode": spec.postcode},
    )
    return organisation


def _csf_round(officer, today: datetime.date) -> Round:
    panel_date = today + datetime.timedelta(days=14)
    award_start = _first_of_next_month(panel_date + datetime.timedelta(days=14))
    fy = FinancialYear.of(award_start).start_year
    round = Round.objects.create(
        reference=f"CSF-{fy}",
        name=f"{CSF_NAME} {FinancialYear(fy).label}",
        kind=RoundKind.OPEN_CALL,
        status=RoundStatus.PUBLISHED,
        summary="Small grants for community groups preventing crime and anti-social behaviour where they live.",
        who_can_apply="Constituted community and voluntary groups in County Durham and Darlington with an "
        "annual income of £1 million or less.",
        how_to_apply="Register your organisation, answer the eligibility questions, then complete the form.",
        priority=CommissioningPriority.objects.get(name=COMMUNITY_SAFETY),
        funding_stream=FundingStream.objects.get(name=PRECEPT),
        fy=fy,
        # With 10% over-allocation the limit is £33,550: the walk down the ranking reaches
        # £30,600 after eight, passes over the ninth (£4,200 would make £34,800) and recommends
        # the tenth (£2,900 makes £33,500), so the demo shows "pass over and go on".
        budget=Decimal("30500"),
        overallocation_percent=Decimal("10"),
        min_amount=Decimal("1000"),
        max_amount=Decimal("5000"),
        opens_at=_at(today - datetime.timedelta(days=70), 9),
        closes_at=_at(today - datetime.timedelta(days=28), 12),
        panel_date=panel_date,
        pass_mark=Decimal("60"),
        award_start=award_start,
        award_end=award_start.replace(year=award_start.year + 1) - datetime.timedelta(days=1),
        created_by=officer,
    )
    round.kpqs.set(KPQ.objects.filter(number__in=(1, 2)))
    _define(round, income_limit=1_000_000, weights=(40, 35, 25))
    return round


def _csf_application(round: Round, index: int, spec: DemoApplication, screener) -> Application:
    eligible = spec.income <= 1_000_000
    submitted_at = round.opens_at + datetime.timedelta(days=3 * index + 2, hours=index)
    applicant = _user("applicant") if spec.organisation == DEMO_APPLICANT else None
    application = Application.objects.create(
        round=round,
        reference=f"{round.reference}-{index + 1:04d}",
        organisation=_organisation(spec),
        title=spec.title,
        amount_requested=Decimal(spec.amount),
        contact_email=f"grants@{re.sub(r'[^a-z]', '', spec.organisation.lower())[:30]}.org.uk",
        status=ApplicationStatus.SUBMITTED,
        eligibility_answers={"constituted": True, "safeguarding": True, "accounts": True, "income": str(spec.income)},
        answers={"need": spec.need, "outcomes": spec.outcomes, "start_date": round.award_start.isoformat()},
        answers_eligible=eligible,
        created_by=applicant,
        submitted_at=submitted_at,
        submitted_by=applicant,
        eligibility=Eligibility.ELIGIBLE if eligible else Eligibility.INELIGIBLE,
        screening_reason="Meets every eligibility requirement; accounts checked."
        if eligible
        else f"Annual income of £{spec.income:,} is over the round's £1,000,000 limit.",
        screened_by=screener,
        screened_at=round.closes_at + datetime.timedelta(days=2, hours=index),
    )
    _budget_lines(application, spec.amount)
    ApplicationEvent.objects.create(
        application=application,
        from_status=ApplicationStatus.DRAFT,
        to_status=ApplicationStatus.SUBMITTED,
        at=submitted_at,
        by=applicant,
    )
    return application


def _score(base: int, step: int) -> int:
    return max(1, min(5, base + step))


def _panel(round: Round, officer, scored: list[tuple[Application, DemoApplication]]) -> None:
    """The officer, the board member and the assessor each score every eligible application."""
    criteria_rows = list(round.criteria.order_by("position"))
    for order, username in enumerate(MEMBER_VARIATION):
        member = PanelMember.objects.create(
            round=round, user=_user(username), added_by=officer, added_at=round.closes_at + datetime.timedelta(days=1)
        )
        steps = MEMBER_VARIATION[username]
        for index, (application, spec) in enumerate(scored):
            assignment = Assignment.objects.create(
                member=member,
                application=application,
                status=AssignmentStatus.SUBMITTED,
                declared_at=round.closes_at + datetime.timedelta(days=5, hours=order),
                submitted_at=round.closes_at + datetime.timedelta(days=10 + order * 3, hours=index),
            )
            for criterion, base, step in zip(criteria_rows, spec.scores, steps[index % len(steps)], strict=True):
                value = _score(base, step)
                Score.objects.create(
                    assignment=assignment, criterion=criterion, score=value, comment=SCORE_COMMENTS[value]
                )


def _seed_csf(today: datetime.date) -> int:
    """The Community Safety Fund: closed four weeks ago, screened and scored, ready for the panel."""
    officer = _user("officer")
    round = _csf_round(officer, today)
    scored = []
    for index, spec in enumerate(CSF_APPLICATIONS):
        application = _csf_application(round, index, spec, officer)
        if application.eligibility == Eligibility.ELIGIBLE:
            scored.append((application, spec))
    _panel(round, officer, scored)
    return 1 + len(CSF_APPLICATIONS)


def _seed_ppp(today: datetime.date) -> int:
    """Protecting People and Places, tranche 2: open since a week ago for three more weeks, with
    two applications being written (the demo applicant's and the demo provider's)."""
    officer = _user("officer")
    closes = today + datetime.timedelta(days=21)
    award_start = _first_of_next_month(closes + datetime.timedelta(days=31))
    fy = FinancialYear.of(award_start).start_year
    round = Round.objects.create(
        reference=f"PPP-{fy}-T2",
        name=PPP_NAME,
        kind=RoundKind.OPEN_CALL,
        status=RoundStatus.PUBLISHED,
        summary="Grants for projects that protect vulnerable people and make public places safer: "
        "town centres at night, parks, transport hubs.",
        who_can_apply="Voluntary and community organisations and social enterprises in the force area "
        "with an annual income of £2 million or less.",
        how_to_apply="Register, check you are eligible, then complete the form before the closing date.",
        priority=CommissioningPriority.objects.get(name=COMMUNITY_SAFETY),
        funding_stream=FundingStream.objects.get(name=POLICE_GRANT),
        fy=fy,
        budget=Decimal("150000"),
        min_amount=Decimal("5000"),
        max_amount=Decimal("25000"),
        opens_at=_at(today - datetime.timedelta(days=7), 9),
        closes_at=_at(closes, 12),
        panel_date=closes + datetime.timedelta(days=28),
        pass_mark=Decimal("50"),
        award_start=award_start,
        award_end=award_start.replace(year=award_start.year + 1) - datetime.timedelta(days=1),
        created_by=officer,
    )
    round.kpqs.set(KPQ.objects.filter(number__in=(1, 4)))
    _define(round, income_limit=2_000_000, weights=(40, 30, 30))
    mine = Application.objects.create(
        round=round,
        reference=f"{round.reference}-0001",
        organisation=demo_applicant_organisation(),
        title="Safer streets for Easington's older residents",
        amount_requested=Decimal("12500"),
        contact_email="applicant@example.org",
        eligibility_answers={"constituted": True, "safeguarding": True, "accounts": True, "income": "118000"},
        answers={"need": "Older residents on the colliery streets tell us they no longer go out after dark."},
        answers_eligible=True,
        created_by=_user("applicant"),
    )
    _budget_lines(mine, 12500)
    harbour, _created = ApplicantOrganisation.objects.get_or_create(
        provider=Organisation.objects.get(name__iexact=DEMO_PROVIDER),
        defaults={"name": DEMO_PROVIDER, "kind": "voluntary_sector"},
    )
    Application.objects.create(
        round=round,
        reference=f"{round.reference}-0002",
        organisation=harbour,
        title="Domestic abuse outreach in the east Durham villages",
        contact_email="provider@example.org",
        eligibility_answers={"constituted": True, "safeguarding": True},
        created_by=_user("provider"),
    )
    return 3


def rounds_seed() -> int:
    """Create the demo's two rounds unless they exist; returns how many rounds and applications."""
    today = clock.today()
    created = 0
    if not Round.objects.filter(name__startswith=CSF_NAME).exists():
        created += _seed_csf(today)
    if not Round.objects.filter(name=PPP_NAME).exists():
        created += _seed_ppp(today)
    return created
