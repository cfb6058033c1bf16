"""The national dataset's grant rounds: at full size 200 rounds with 20,000 applications, their
panels and about 57,000 scores.

Each round belongs to one force, falls in one of the five years and closed before ``AS_OF``; it
is published, screened and scored (ready for its panel): no round is decided here, as deciding
makes awards and the awards are the dataset's own. Rounds differ in size (from about 15 to 180
applications), and one, the Metropolitan Police area's first, is a big open call of about 1,400:
the test of the applications list, the ranking and the results export. Of the applications,
about 95% were submitted and screened eligible, 3% screened not eligible and 2% withdrawn before
submitting. Each round has a panel of three assessors (its
force's); each eligible application is assigned to one of them in turn, who submitted a score on
each of the round's three criteria: so scores are about 3 x 95% of the applications.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from outcomes.models import CommissioningPriority
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import Role
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

from ..rounds.definitions import APPLICATION_QUESTIONS, eligibility_questions
from ..rounds.definitions import criteria as criteria_of
from .common import AS_OF, FYS, REFERENCE_PREFIX, _add_months, _aware, _bulk, _Context, _Force, _round_up, _split_count
from .organisations import PLACES

FULL_ROUNDS = 200
FULL_APPLICATIONS = 20000
PANEL_SIZE = 3
FUNDS = (
    "Community Safety Fund",
    "Safer Streets Fund",
    "Victims' Small Grants",
    "Youth Diversion Fund",
    "Rural Crime Fund",
    "Violence Against Women and Girls Fund",
    "Night-time Economy Fund",
)
REQUEST_RANGES = ((1000, 5000), (1000, 10000), (5000, 25000), (10000, 50000))
GROUPS = (
    "Youth Project",
    "Community Association",
    "Street Pastors",
    "Women's Centre",
    "Boxing Club",
    "Neighbourhood Watch",
    "Men's Shed",
    "Good Neighbours",
    "Community Hub",
    "Mediation Service",
    "Carers' Group",
    "Food Bank",
)
PROJECTS = (
    "Friday night youth sessions",
    "Detached youth outreach",
    "Street pastors at weekends",
    "Drop-in support for survivors of domestic abuse",
    "Scam awareness for older residents",
    "Mentoring for young people at risk of exploitation",
    "Neighbour dispute mediation",
    "Property marking events",
    "Safe spaces in the town centre",
    "Sport and mentoring in the school holidays",
)
NEED = (
    "Calls about anti-social behaviour in our area have risen, and the people affected told us "
    "what would help. Local partners refer people to us we cannot yet support."
)
OUTCOMES = "People supported counted each month; fewer repeat calls to the police from the places we work."
# The questions and criteria are the demo rounds' (``demo.rounds.definitions``), with this limit
# and these weights.
WEIGHTS = (40, 35, 25)
INCOME_LIMIT = 1_000_000


def _round_dates(rng: random.Random, fy: int) -> tuple[datetime.date, datetime.date]:
    """Open for four to eight weeks in the first five months of the year, closed by two weeks
    before ``AS_OF``."""
    opens = _add_months(FinancialYear(fy).start, rng.randint(0, 4)) + datetime.timedelta(days=rng.randint(0, 20))
    closes = opens + datetime.timedelta(days=rng.randint(28, 56))
    latest = AS_OF - datetime.timedelta(days=14)
    if closes > latest:
        opens, closes = opens - (closes - latest), latest
    return opens, closes


def _plan_rounds(ctx: _Context, priorities: list[CommissioningPriority]) -> list[tuple[Round, _Force, int]]:
    """The rounds (not saved), with their force and how many applications each receives."""
    rng = ctx.rng
    total = max(1, round(FULL_ROUNDS * ctx.scale_factor))
    per_force = _split_count(total, [force.weight for force in ctx.forces])
    weights = [rng.randint(20, 250) for _ in range(total)]
    # The largest force's first round is a big open call (about 1,400 applications at full size),
    # the stress case for a round's applications list, ranking and results export.
    largest = max(range(len(ctx.forces)), key=lambda index: ctx.forces[index].weight)
    if per_force[largest]:
        weights[sum(per_force[:largest])] = 2000
    sizes = _split_count(round(FULL_APPLICATIONS * ctx.scale_factor), weights)
    plans: list[tuple[Round, _Force]] = []
    for force, count in zip(ctx.forces, per_force, strict=True):
        numbers: dict[int, int] = defaultdict(int)
        for _ in range(count):
            fy = rng.choice(FYS)
            numbers[fy] += 1
            opens, closes = _round_dates(rng, fy)
            low, high = rng.choice(REQUEST_RANGES)
            award_start = _add_months(closes.replace(day=1), 3)
            fund = rng.choice(FUNDS)
            plans.append(
                (
                    Round(
                        reference=f"{REFERENCE_PREFIX}{force.code}-R{fy}-{numbers[fy]:02d}",
                        name=f"{force.area} {fund} {FinancialYear(fy).label}",
                        kind=RoundKind.OPEN_CALL,
                        status=RoundStatus.PUBLISHED,
                        summary=f"{fund}: grants for community groups in {force.area}.",
                        priority=rng.choice(priorities),
                        funding_stream=force.streams[rng.choice(("precept", "police_grant"))],
                        fy=fy,
                        budget=Decimal(0),  # set from the requests once drawn
                        overallocation_percent=Decimal(rng.choice((0, 5, 10))),
                        min_amount=Decimal(low),
                        max_amount=Decimal(high),
                        opens_at=_aware(opens, 9),
                        closes_at=_aware(closes, 12),
                        panel_date=closes + datetime.timedelta(days=35),
                        pass_mark=Decimal(rng.choice((50, 55, 60))),
                        award_start=award_start,
                        award_end=_add_months(award_start, 12) - datetime.timedelta(days=1),
                    ),
                    force,
                )
            )
    return [(plan, force, size) for (plan, force), size in zip(plans, sizes, strict=True)]


def _definitions(rounds: list[Round]) -> list[Criterion]:
    """Each round's four eligibility questions, four questions and three criteria."""
    eligibility, questions, criteria = [], [], []
    for round in rounds:
        for position, spec in enumerate(eligibility_questions(INCOME_LIMIT)):
            eligibility.append(EligibilityQuestion(round=round, position=position, **spec))
        for position, spec in enumerate(APPLICATION_QUESTIONS):
            questions.append(ApplicationQuestion(round=round, position=position, **spec))
        for position, spec in enumerate(criteria_of(WEIGHTS)):
            criteria.append(Criterion(round=round, max_score=5, position=position, **spec))
    _bulk(EligibilityQuestion, eligibility)
    _bulk(ApplicationQuestion, questions)
    return _bulk(Criterion, criteria)


def _applicants(ctx: _Context, force: _Force, count: int, numbers: list[int]) -> list[ApplicantOrganisation]:
    """``count`` applicant groups of ``force`` (not saved); about half are registered charities."""
    rng = ctx.rng
    organisations = []
    for _ in range(count):
        numbers[0] += 1
        organisations.append(
            ApplicantOrganisation(
                name=f"{rng.choice(PLACES)} {rng.choice(GROUPS)}",
                kind=rng.choice(("voluntary_sector", "voluntary_sector", "social_enterprise", "other")),
                charity_number=str(2_000_000 + numbers[0]) if rng.random() < 0.5 else "",
                postcode=f"{force.postcode}{rng.randint(1, 30)} {rng.randint(1, 9)}AB",
            )
        )
    return organisations


def _draw_application(rng: random.Random, round: Round, number: int, organisation) -> Application:
    """One application to ``round`` (not saved): submitted and screened, or withdrawn unsubmitted."""
    draw = rng.random()
    amount = Decimal(rng.randrange(int(round.min_amount) // 100, int(round.max_amount) // 100 + 1) * 100)
    # About 3% over the income limit (screened not eligible), 2% withdrawn before submitting.
    income = rng.randint(1001, 1800) * 1000 if 0.95 <= draw < 0.98 else rng.randint(5, 900) * 1000
    application = Application(
        round=round,
        reference=f"{round.reference}-{number:04d}",
        organisation=organisation,
        title=rng.choice(PROJECTS),
        amount_requested=amount,
        eligibility_answers={"constituted": True, "safeguarding": True, "accounts": True, "income": str(income)},
        answers={"need": NEED, "outcomes": OUTCOMES, "start_date": round.award_start.isoformat()},
        answers_eligible=income <= INCOME_LIMIT,
    )
    window = (round.closes_at - round.opens_at).total_seconds()
    if draw >= 0.98:
        application.status = ApplicationStatus.WITHDRAWN
        application.withdrawn_at = round.opens_at + datetime.timedelta(seconds=rng.random() * window)
        application.withdrawn_reason = "We found other funding for the project."
        return application
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = round.opens_at + datetime.timedelta(seconds=rng.random() * window)
    application.screened_at = round.closes_at + datetime.timedelta(days=rng.randint(1, 10))
    if income <= INCOME_LIMIT:
        application.eligibility = Eligibility.ELIGIBLE
        application.screening_reason = "Meets every eligibility requirement."
    else:
        application.eligibility = Eligibility.INELIGIBLE
        application.screening_reason = f"Annual income of £{income:,} is over the £1,000,000 limit."
    return application


def _applications(ctx: _Context, plans: list[tuple[Round, _Force, int]]) -> list[Application]:
    """Each round's applications from its force's applicant groups (a group may apply to several
    of its force's rounds), with their budget tables and submission events."""
    rng = ctx.rng
    by_force: dict[str, list[tuple[Round, int]]] = defaultdict(list)
    for round, force, size in plans:
        by_force[force.code].append((round, size))
    forces = {force.code: force for _round, force, _size in plans}
    organisations, applications, numbers = [], [], [0]
    for code, rounds in by_force.items():
        groups = _applicants(ctx, forces[code], max(1, sum(size for _r, size in rounds) // 3), numbers)
        organisations.extend(groups)
        for round, size in rounds:
            applications.extend(
                _draw_application(rng, round, number, rng.choice(groups)) for number in range(1, size + 1)
            )
    _bulk(ApplicantOrganisation, organisations)
    for application in applications:
        application.organisation_id = application.organisation.pk
    _bulk(Application, applications)
    lines, events = [], []
    for application in applications:
        if application.submitted_at is None:
            continue
        staff = (application.amount_requested * Decimal("0.7")).quantize(Decimal("1"))
        lines.append(BudgetLine(application=application, question_key="budget", item="Staff", amount=staff))
        lines.append(
            BudgetLine(
                application=application,
                question_key="budget",
                item="Activities and venue",
                amount=application.amount_requested - staff,
                position=1,
            )
        )
        events.append(
            ApplicationEvent(
                application=application,
                from_status=ApplicationStatus.DRAFT,
                to_status=ApplicationStatus.SUBMITTED,
                at=application.submitted_at,
            )
        )
    _bulk(BudgetLine, lines)
    _bulk(ApplicationEvent, events)
    ctx.counts.update(applicants=len(organisations), applications=len(applications))
    ctx.counts.update(budget_lines=len(lines))
    return applications


def _assessors(ctx: _Context, forces: list[_Force]) -> dict[str, list]:
    """Three assessors per force with rounds (accounts without a usable password)."""
    User = get_user_model()
    users, by_force = [], {}
    for force in forces:
        by_force[force.code] = [
            User(
                username=f"nat-{force.code.lower()}-assessor-{number}",
                first_name="Assessor",
                last_name=f"{force.area} {number}",
                email=f"assessor{number}.{force.code.lower()}@example.org",
                password=make_password(None),
            )
            for number in range(1, PANEL_SIZE + 1)
        ]
        users.extend(by_force[force.code])
    _bulk(User, users)
    group = Group.objects.get(name=Role.ASSESSOR.value)
    _bulk(User.groups.through, [User.groups.through(user_id=user.pk, group_id=group.pk) for user in users])
    ctx.counts["assessors"] = len(users)
    return by_force


def _panels(ctx: _Context, plans, applications: list[Application], criteria: list[Criterion]) -> None:
    """Each round's panel of its force's three assessors; each eligible application assigned to
    one in turn, who scored every criterion and submitted."""
    rng = ctx.rng
    forces = list({force.code: force for _round, force, _size in plans}.values())
    assessors = _assessors(ctx, forces)
    members, panel_of = [], {}
    for round, force, _size in plans:
        panel_of[round.pk] = [
            PanelMember(round=round, user=user, added_at=round.closes_at + datetime.timedelta(days=1))
            for user in assessors[force.code]
        ]
        members.extend(panel_of[round.pk])
    _bulk(PanelMember, members)
    assignments = []
    turn: dict[int, int] = defaultdict(int)
    for application in applications:
        if application.eligibility != Eligibility.ELIGIBLE:
            continue
        panel = panel_of[application.round_id]
        member = panel[turn[application.round_id] % len(panel)]
        turn[application.round_id] += 1
        declared = application.screened_at + datetime.timedelta(days=rng.randint(1, 5))
        assignments.append(
            Assignment(
                member=member,
                application=application,
                status=AssignmentStatus.SUBMITTED,
                declared_at=declared,
                submitted_at=declared + datetime.timedelta(days=rng.randint(1, 14)),
            )
        )
    _bulk(Assignment, assignments)
    criteria_of: dict[int, list[Criterion]] = defaultdict(list)
    for criterion in criteria:
        criteria_of[criterion.round_id].append(criterion)
    scores = [
        Score(assignment=assignment, criterion=criterion, score=rng.choices((1, 2, 3, 4, 5), (5, 15, 35, 30, 15))[0])
        for assignment in assignments
        for criterion in criteria_of[assignment.application.round_id]
    ]
    _bulk(Score, scores)
    ctx.counts.update(panel_members=len(members), assignments=len(assignments), scores=len(scores))


def seed_rounds(ctx: _Context) -> None:
    """Grant rounds with their definitions, applications, panels and scores (see the module)."""
    priorities = list(CommissioningPriority.objects.order_by("sort_order", "code"))
    plans = _plan_rounds(ctx, priorities)
    rounds = _bulk(Round, [round for round, _force, _size in plans])
    criteria = _definitions(rounds)
    applications = _applications(ctx, plans)
    requested: dict[int, Decimal] = defaultdict(Decimal)
    for application in applications:
        if application.eligibility == Eligibility.ELIGIBLE:
            requested[application.round_id] += application.amount_requested
    for round in rounds:
        # Asked for about half as much again as the budget, as a popular round is.
        round.budget = max(Decimal(1000), _round_up(requested[round.pk] / Decimal("1.5")))
    Round.objects.bulk_update(rounds, ["budget"], batch_size=500)
    _panels(ctx, plans, applications, criteria)
    ctx.counts["rounds"] = len(rounds)
