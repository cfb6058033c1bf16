"""Demo grants register: the Durham 2019/20 delivery plan loaded as awards.

``grants_seed`` turns the rows of ``delivery_plan.csv`` (priority, title, kpqs, how, spend) into
active awards with funding lines, decisions and payments, paired with the organisations of
``organisations.csv`` (how funded, for how long, key activity) through the explicit table
``PAIRINGS`` below: the two published tables do not map one to one, so the pairing is a
judgement, written down where it can be read and changed.

The funding streams, their allocations, the priority budgets and a few awards that show the
other statuses (planned, procuring, cancelled) are declared here too. The 2019/20 budget of
each priority is the sum of its delivery-plan rows, and each row's 2019/20 spend is split
across streams so the parts add up to the row exactly: the demo's 2019/20 committed total per
priority is the published strategic budget (842,100 / 634,900 / 577,100). Multi-year contracts
also have lines in the other years their dates cover, so other years may hold more.

Everything is written through ``grants.services`` (and ``providers.services``), so the demo
obeys every rule of the register. Loading is idempotent: streams and organisations are matched
by name, allocations and budgets by year, decisions and awards by reference; whatever already
exists is left exactly as it is (not updated, no history row), so a second run writes nothing.
"""

from __future__ import annotations

import datetime
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from grants.awards.cofunding import cofunding_set
from grants.awards.rules import LineInput
from grants.awards.services import award_create, award_transition
from grants.decisions.services import decision_create, decision_publish, decision_sign, delegated_limit
from grants.funding.services import allocation_set, budget_set, stream_create
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKind,
    AwardKPI,
    AwardStatus,
    Decision,
    FundingStream,
    MonitoringReturn,
    PriorityBudget,
    ReturnStatus,
    StreamAllocation,
    StreamKind,
)
from grants.monitoring.importers import return_import
from grants.monitoring.kpis import kpi_create
from grants.monitoring.services import ReturnData, return_accept
from grants.payments.services import payment_record
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from outcomes.selectors import codes_by_list
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, apportion_by_weights, fys_between
from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

from .providers import infer_kind

DEMO_FY = 2019  # the year of the published delivery plan
NOTE = "Loaded from the Durham 2019/20 delivery plan (demo data)."

# Funding streams --------------------------------------------------------------------------------

MOJ_CORE = "MoJ victims' services grant (Core)"
MOJ_GENERAL = "MoJ victims' services grant (General: ISVA and IDVA)"
POLICE_GRANT = "Home Office police grant"
PRECEPT = "Police precept"
PARTNERS = "Partner contributions"

# The OPCC itself: the source of the precept it raises.
OPCC_NAME = "Durham Police, Crime and Victims' Commissioner"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    source: str  # an organisation's name
    kind: str
    moj_reported: bool
    ring_fenced_for: str
    description: str
    allocations: Mapping[int, Decimal]  # fy -> income


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        MOJ_CORE,
        "Ministry of Justice",
        StreamKind.CENTRAL_GOVERNMENT,
        True,
        "",
        "The core of the MoJ's grant for victims' services commissioned by the PCC.",
        {2019: Decimal("812000"), 2020: Decimal("845000")},
    ),
    StreamSpec(
        MOJ_GENERAL,
        "Ministry of Justice",
        StreamKind.CENTRAL_GOVERNMENT,
        True,
        "ISVA and IDVA",
        "The part of the MoJ's victims' grant ring-fenced for Independent Sexual Violence and "
        "Domestic Violence Advisers.",
        {2019: Decimal("180000"), 2020: Decimal("190000")},
    ),
    StreamSpec(
        POLICE_GRANT,
        "Home Office",
        StreamKind.CENTRAL_GOVERNMENT,
        False,
        "",
        "The share of the Home Office police grant the PCC sets aside for commissioning.",
        {2019: Decimal("850000"), 2020: Decimal("860000")},
    ),
    StreamSpec(
        PRECEPT,
        OPCC_NAME,
        StreamKind.PRECEPT,
        False,
        "",
        "The share of the police precept (council tax) the PCC sets aside for commissioning.",
        {2019: Decimal("480000"), 2020: Decimal("500000")},
    ),
    StreamSpec(
        PARTNERS,
        "Darlington Borough Council",
        StreamKind.PARTNER,
        False,
        "",
        "Partners' contributions paid to the PCC for jointly funded projects.",
        {2019: Decimal("20000"), 2020: Decimal("20000")},
    ),
)

# Budgets of the years after the delivery plan (2019/20 is the sum of the plan's rows).
LATER_BUDGETS: dict[str, dict[int, Decimal]] = {
    "Victims services": {2020: Decimal("870000")},
    "Reducing reoffending": {2020: Decimal("640000")},
    "Community safety and prevention": {2020: Decimal("585000")},
}


# The pairing of delivery-plan rows with organisations ------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """One delivery-plan row (``title``) and the ``organisations.csv`` row (``organisation`` and
    ``purpose``) it is paid to, with what the published tables do not say."""

    reference: str
    title: str
    organisation: str
    purpose: str
    split: tuple[tuple[str, int], ...]  # (stream, weight): the year's spend split in these proportions
    moj_category: str = ""
    cofunder: str = ""  # a co-commissioning partner paying its share directly
    refund: tuple[Decimal, str] | None = None  # (amount refunded after 2019/20, reason)


PAIRINGS: tuple[Pairing, ...] = (
    # Victims services
    Pairing(
        "AWD-2019-0001",
        "Victim referral, assessment and support",
        "Safe in Tees Valley",
        "Victim needs assessment and referral service",
        ((MOJ_CORE, 1),),
        moj_category="general_support",
    ),
    Pairing(
        "AWD-2019-0002",
        "Domestic abuse support services (Darlington)",
        "Darlington Borough Council",
        "Domestic abuse services",
        ((MOJ_CORE, 1),),
        moj_category="domestic_abuse",
    ),
    Pairing(
        "AWD-2019-0003",
        "Hate crime advocacy service",
        "DAD",
        "Hate crime advocacy for victims of crime",
        ((MOJ_CORE, 1),),
        moj_category="hate_crime",
    ),
    # The cross-government definition of domestic abuse includes forced marriage, so-called
    # honour-based violence and FGM.
    Pairing(
        "AWD-2019-0004",
        "Forced marriage, so-called honour-based violence and FGM",
        "HALO",
        "Forced marriage, HBV and FGM",
        ((MOJ_CORE, 1),),
        moj_category="domestic_abuse",
    ),
    Pairing(
        "AWD-2019-0005",
        "Domestic abuse support services (County Durham)",
        "Harbour",
        "Specialist support for victims of domestic abuse and their families",
        ((MOJ_CORE, 66), (MOJ_GENERAL, 60)),
        moj_category="idva",
        cofunder="Durham County Council",
    ),
    Pairing(
        "AWD-2019-0006",
        "Rape and sexual assault services",
        "RSACC",
        "ISVA provision",
        ((MOJ_CORE, 645), (MOJ_GENERAL, 950)),
        moj_category="isva",
    ),
    Pairing(
        "AWD-2019-0007",
        "Restorative justice service",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((MOJ_CORE, 1200), (PRECEPT, 363)),
        moj_category="restorative_justice",
        refund=(Decimal("4300.00"), "Underspend on volunteer training, returned after the year-end reconciliation"),
    ),
    # Reducing reoffending
    Pairing(
        "AWD-2019-0008",
        "Youth Offending Service (YOS)",
        "Durham County Council",
        "Contribution to YOS",
        ((POLICE_GRANT, 2500), (PRECEPT, 1323)),
    ),
    Pairing(
        "AWD-2019-0009",
        "Adult offenders diversionary service",
        "Durham OPCVC",
        "Checkpoint project",
        ((POLICE_GRANT, 2000), (PRECEPT, 526)),
    ),
    # Community safety and prevention
    Pairing(
        "AWD-2019-0010",
        "Community mediation service",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2017-0001",
        "Supporting community initiatives",
        "County Durham Community Foundation",
        "Community Safety Fund for new voluntary-sector activities",
        ((POLICE_GRANT, 1),),
    ),
    Pairing(
        "AWD-2019-0011", "Reducing anti-social behaviour", "Durham County Council", "ASB officers", ((POLICE_GRANT, 1),)
    ),
    Pairing(
        "AWD-2019-0012",
        "Reducing anti-social behaviour and preventing homelessness",
        "700 Club",
        "Trailblazer",
        ((PRECEPT, 49), (PARTNERS, 20)),
    ),
    Pairing(
        "AWD-2019-0013",
        "Community peer mentors",
        "Safe in Tees Valley",
        "Community peer mentors",
        ((POLICE_GRANT, 10), (PRECEPT, 7)),
    ),
    Pairing(
        "AWD-2019-0014",
        "Children and young people diversionary activities",
        "Durham Agency Against Crime",
        "Restorative Hub; Mini Police; contributions",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2019-0015",
        "Voluntary and community sector",
        "Durham Community Action",
        "VCS infrastructure support",
        ((PRECEPT, 1),),
    ),
    Pairing(
        "AWD-2019-0016",
        "Reducing hate crime",
        "Show Racism the Red Card",
        "Anti-racism education in schools",
        ((PRECEPT, 1),),
    ),
)


@dataclass(frozen=True)
class ExtraAward:
    """An award beyond the delivery plan, to show the statuses an active plan does not."""

    reference: str
    title: str
    organisation: str
    priority: str
    kpqs: tuple[int, ...]
    kind: str
    status: str  # planned, procuring or cancelled
    start_date: datetime.date
    end_date: datetime.date
    lines: tuple[tuple[str, int, Decimal], ...]  # (stream, fy, amount)
    purpose: str
    key_activity: str = ""
    moj_category: str = ""
    note: str = ""  # why it was cancelled
    draft_decision: str = ""


EXTRA_AWARDS: tuple[ExtraAward, ...] = (
    ExtraAward(
        "AWD-2020-0001",
        "Criminal justice victim support role (pilot)",
        "Safe in Tees Valley",
        "Victims services",
        (3,),
        AwardKind.GRANT,
        AwardStatus.PLANNED,
        datetime.date(2020, 4, 1),
        datetime.date(2021, 3, 31),
        ((MOJ_CORE, 2020, Decimal("45000")),),
        purpose="Pilot criminal justice victim support role",
        key_activity="Set up pilot, evaluate, decide",
        moj_category="general_support",
        draft_decision="PCC-2020-001",
    ),
    ExtraAward(
        "AWD-2020-0002",
        "Domestic abuse services (Darlington): new co-commissioned contract",
        "Darlington Borough Council",
        "Victims services",
        (3, 4),
        AwardKind.CONTRACT,
        AwardStatus.PROCURING,
        datetime.date(2020, 7, 1),
        datetime.date(2021, 3, 31),
        ((MOJ_CORE, 2020, Decimal("21000")),),
        purpose="Domestic abuse services",
        key_activity="Co-commission new contract(s)",
        moj_category="domestic_abuse",
    ),
    ExtraAward(
        "AWD-2020-0003",
        "Unit 34 Darlington contributions 2020/21",
        "Age UK Darlington",
        "Community safety and prevention",
        (1,),
        AwardKind.GRANT,
        AwardStatus.CANCELLED,
        datetime.date(2020, 4, 1),
        datetime.date(2021, 3, 31),
        ((PRECEPT, 2020, Decimal("8000")),),
        purpose="Unit 34 Darlington contributions",
        key_activity="Monitor and evaluate",
        note="Not renewed: the 2019/20 evaluation found the need is met through the Darlington Partnership.",
    ),
)


# Helpers ------------------------------------------------------------------------------------


def _cell(row: Mapping[str, str], column: str) -> str:
    return str(row.get(column) or "").strip()


def _award_dates(duration: str) -> tuple[datetime.date, datetime.date, int | None]:
    """Start, end and extension months of an award from its published duration, for a service
    running in the demo year: "Annually" is 2019/20 alone; "2 years" starts in 2019/20;
    "(ends 2019/20)" counts back from the end of 2019/20; "plus extension" is 12 months more."""
    text = duration.lower()
    match = re.search(r"(\d+)\s*years?", text)
    years = int(match.group(1)) if match else 1
    demo = FinancialYear(DEMO_FY)
    if "ends 2019/20" in text:
        start, end = FinancialYear(DEMO_FY - years + 1).start, demo.end
    else:
        start, end = demo.start, FinancialYear(DEMO_FY + years - 1).end
    return start, end, 12 if "extension" in text else None


def _award_kind(how_funded: str) -> str:
    return AwardKind.CONTRACT if how_funded.strip().lower() == "contract" else AwardKind.GRANT


def _moj_category(code: str, fy: int) -> CodeListEntry | None:
    if not code:
        return None
    for entry in CodeListEntry.objects.filter(list=CodeList.MOJ_CATEGORY, code=code).order_by("valid_from_fy"):
        if entry.is_valid_in(fy):
            return entry
    raise ValidationError(
        {"moj_category": [f"There is no MoJ service category “{code}” for {FinancialYear(fy).label}."]}
    )


def _kpqs(text: str) -> list[KPQ]:
    numbers = [int(part) for part in re.split(r"[;,\s]+", text) if part.isdigit()]
    found = {kpq.number: kpq for kpq in KPQ.objects.filter(number__in=numbers)}
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ValidationError({"kpqs": [f"There is no KPQ {', '.join(map(str, missing))}: load the Plan first."]})
    return [found[number] for number in numbers]


class _Loader:
    """Holds what the seed has looked up or created, and counts what it created."""

    def __init__(self, *, actor, lead_officer) -> None:
        self.actor = actor
        self.lead_officer = lead_officer
        self.created = 0
        self.organisations = {org.name.lower(): org for org in Organisation.objects.all()}
        self.streams: dict[str, FundingStream] = {}

    def organisation(self, name: str, kind: str | None = None) -> Organisation:
        found = self.organisations.get(name.lower())
        if found is None:
            found = organisation_create(actor=self.actor, name=name, kind=kind or infer_kind(name))
            self.organisations[name.lower()] = found
            self.created += 1
        return found

    # Money in

    def seed_streams(self) -> None:
        self.organisation(OPCC_NAME, OrganisationKind.PCC)
        for spec in STREAMS:
            stream = FundingStream.objects.filter(name__iexact=spec.name).first()
            if stream is None:
                stream = stream_create(
                    actor=self.actor,
                    name=spec.name,
                    source=self.organisation(spec.source),
                    kind=spec.kind,
                    moj_reported=spec.moj_reported,
                    ring_fenced_for=spec.ring_fenced_for,
                    description=spec.description,
                )
                self.created += 1
            self.streams[spec.name] = stream
            have = set(StreamAllocation.objects.filter(stream=stream).values_list("fy", flat=True))
            for fy, amount in sorted(spec.allocations.items()):
                if fy not in have:
                    allocation_set(actor=self.actor, stream=stream, fy=fy, amount=amount)
                    self.created += 1

    def seed_budgets(self, delivery_rows: list[Mapping[str, str]]) -> None:
        budgets: dict[str, dict[int, Decimal]] = defaultdict(dict)
        for row in delivery_rows:
            year = budgets[_cell(row, "priority")]
            year[DEMO_FY] = year.get(DEMO_FY, Decimal(0)) + Decimal(_cell(row, "spend"))
        for name, years in LATER_BUDGETS.items():
            budgets[name].update(years)
        for name, years in budgets.items():
            priority = self.priority(name)
            have = set(PriorityBudget.objects.filter(priority=priority).values_list("fy", flat=True))
            for fy, amount in sorted(years.items()):
                if fy not in have:
                    budget_set(actor=self.actor, priority=priority, fy=fy, amount=amount)
                    self.created += 1

    def priority(self, name: str) -> CommissioningPriority:
        priority = CommissioningPriority.objects.filter(name__iexact=name).first()
        if priority is None:
            raise ValidationError({"priority": [f"There is no commissioning priority “{name}”: load the Plan first."]})
        return priority

    # Decisions

    def signed_decision(
        self,
        *,
        award_reference: str,
        award_title: str,
        provider: Organisation,
        kind: str,
        start: datetime.date,
        summary: str,
        total: Decimal,
    ) -> Decision:
        """The decision making the award, numbered after it (AWD-2019-0005 is made by
        PCC-2019-005), decided in the March before it starts and published a week later."""
        number = int(award_reference.rsplit("-", 1)[1])
        decided_on = datetime.date(start.year, 3, 1) + datetime.timedelta(days=number)
        reference = f"PCC-{decided_on.year}-{number:03d}"
        decision = Decision.objects.filter(reference__iexact=reference).first()
        if decision is not None:
            return decision
        decision = decision_create(
            actor=self.actor,
            reference=reference,
            subject=f"{AwardKind(kind).label} to {provider.name}: {award_title}",
            summary=summary,
            decision_text=f"To approve the {AwardKind(kind).label.lower()} of {format_pence(total)} "
            f"to {provider.name} for {award_title.lower()}.",
            decided_on=decided_on,
            amount=total,
            contact_officer="Commissioning officer",
        )
        decision = decision_sign(decision=decision, actor=self.actor, decided_on=decided_on)
        decision = decision_publish(
            decision=decision, actor=self.actor, published_on=decided_on + datetime.timedelta(days=7)
        )
        self.created += 1
        return decision

    # Money out

    def seed_award(self, row: Mapping[str, str], pairing: Pairing, org_row: Mapping[str, str]) -> None:
        if Award.objects.filter(reference__iexact=pairing.reference).exists():
            return
        provider = self.organisation(pairing.organisation)
        kind = _award_kind(_cell(org_row, "how_funded"))
        duration = _cell(org_row, "for_how_long")
        start, end, extension_months = _award_dates(duration)
        spend = Decimal(_cell(row, "spend"))
        parts = apportion_by_weights(spend, [weight for _, weight in pairing.split])
        lines = [
            LineInput(stream=self.streams[stream], fy=fy.start_year, amount=amount)
            for fy in fys_between(start, end)
            for (stream, _), amount in zip(pairing.split, parts, strict=False)
        ]
        total = sum((line.amount for line in lines), Decimal(0))
        title = _cell(row, "title")
        approach = _cell(row, "how")
        decision = None
        if total > delegated_limit():
            decision = self.signed_decision(
                award_reference=pairing.reference,
                award_title=title,
                provider=provider,
                kind=kind,
                start=start,
                summary=approach,
                total=total,
            )
        award = award_create(
            actor=self.actor,
            reference=pairing.reference,
            title=title,
            provider=provider,
            kind=kind,
            priority=self.priority(_cell(row, "priority")),
            start_date=start,
            end_date=end,
            lines=lines,
            kpqs=_kpqs(_cell(row, "kpqs")),
            status=AwardStatus.ACTIVE,
            note=NOTE,
            purpose=_cell(org_row, "purpose"),
            approach=approach,
            duration=duration,
            key_activity=_cell(org_row, "key_activity"),
            lead_officer=self.lead_officer,
            decision=decision,
            moj_category=_moj_category(pairing.moj_category, DEMO_FY),
            extension_months=extension_months,
            extension_until=(FinancialYear.of(end).next().end if extension_months else None),
        )
        self.created += 1
        if pairing.cofunder:
            cofunding_set(
                actor=self.actor,
                award=award,
                partner=self.organisation(pairing.cofunder),
                fy=DEMO_FY,
                notes="Co-commissioned: the partner pays its share to the provider directly.",
            )
            self.created += 1
        self.seed_payments(award, lines, kind=kind, refund=pairing.refund)

    def seed_payments(
        self, award: Award, lines: list[LineInput], *, kind: str, refund: tuple[Decimal, str] | None
    ) -> None:
        """Quarterly instalments, paid a few days after they fell due, for the years up to the
        demo year; for a later year, the first instalment, scheduled (not yet paid)."""
        for line in lines:
            quarters = FinancialYear(line.fy).quarters()
            instalments = apportion_by_weights(line.amount, [1, 1, 1, 1])
            for number, (quarter, amount) in enumerate(zip(quarters, instalments, strict=False), start=1):
                later_year = line.fy > DEMO_FY
                if later_year and number > 1:
                    break
                due = quarter.start + datetime.timedelta(days=14)
                payment_record(
                    actor=self.actor,
                    award=award,
                    stream=line.stream,
                    amount=amount,
                    due_date=due,
                    paid_date=None if later_year else due + datetime.timedelta(days=5),
                    fy=line.fy,
                    invoice_reference=f"{award.reference}-{line.fy}-Q{number}" if kind == AwardKind.CONTRACT else "",
                    po_number=f"PO{award.reference[4:8]}{award.reference[-3:]}",
                )
                self.created += 1
        if refund is not None:
            amount, reason = refund
            day = FinancialYear(DEMO_FY).end + datetime.timedelta(days=45)
            payment_record(
                actor=self.actor,
                award=award,
                stream=lines[0].stream,
                amount=-amount,
                due_date=day,
                paid_date=day,
                fy=DEMO_FY,
                reason=reason,
            )
            self.created += 1

    def seed_extra(self, extra: ExtraAward) -> None:
        if Award.objects.filter(reference__iexact=extra.reference).exists():
            return
        decision = None
        if extra.draft_decision:
            decision = Decision.objects.filter(reference__iexact=extra.draft_decision).first()
            if decision is None:
                decision = decision_create(
                    actor=self.actor,
                    reference=extra.draft_decision,
                    subject=f"{AwardKind(extra.kind).label} to {extra.organisation}: {extra.title}",
                    summary="Draft for the PCC's decision once the pilot is designed.",
                )
                self.created += 1
        status = AwardStatus.PLANNED if extra.status == AwardStatus.CANCELLED else extra.status
        award = award_create(
            actor=self.actor,
            reference=extra.reference,
            title=extra.title,
            provider=self.organisation(extra.organisation),
            kind=extra.kind,
            priority=self.priority(extra.priority),
            start_date=extra.start_date,
            end_date=extra.end_date,
            lines=[LineInput(stream=self.streams[name], fy=fy, amount=amount) for name, fy, amount in extra.lines],
            kpqs=_kpqs(";".join(map(str, extra.kpqs))),
            status=status,
            note=NOTE,
            purpose=extra.purpose,
            key_activity=extra.key_activity,
            lead_officer=self.lead_officer,
            decision=decision,
            moj_category=_moj_category(extra.moj_category, FinancialYear.of(extra.start_date).start_year),
        )
        self.created += 1
        if extra.status == AwardStatus.CANCELLED:
            award_transition(award=award, actor=self.actor, to_status=AwardStatus.CANCELLED, note=extra.note)


def _organisation_row(rows: Iterable[Mapping[str, str]], pairing: Pairing) -> Mapping[str, str]:
    for row in rows:
        if (
            _cell(row, "organisation").lower() == pairing.organisation.lower()
            and _cell(row, "purpose").lower() == pairing.purpose.lower()
        ):
            return row
    raise ValidationError(
        {
            "organisation": [
                f"organisations.csv has no row for {pairing.organisation} ({pairing.purpose}), which "
                f"the demo pairs with “{pairing.title}”."
            ]
        }
    )


@transaction.atomic
def grants_seed(
    *,
    delivery_rows: Iterable[Mapping[str, str]],
    organisation_rows: Iterable[Mapping[str, str]],
    actor=None,
    lead_officer=None,
) -> int:
    """Load the demo grants register (see the module's docstring); returns how many records it
    created (organisations, streams, allocations, budgets, decisions, awards, co-funding and
    payments). ``lead_officer`` leads every demo award (the demo officer, if there is one).

    Every delivery-plan row must have a pairing in ``PAIRINGS`` (matched by title), and every
    pairing's organisation row must be in ``organisation_rows``: otherwise ``ValidationError``.
    """
    delivery_rows = list(delivery_rows)
    organisation_rows = list(organisation_rows)
    pairings = {pairing.title.lower(): pairing for pairing in PAIRINGS}
    loader = _Loader(actor=actor, lead_officer=lead_officer)
    loader.seed_streams()
    loader.seed_budgets(delivery_rows)
    for row in delivery_rows:
        pairing = pairings.get(_cell(row, "title").lower())
        if pairing is None:
            raise ValidationError(
                {
                    "title": [
                        f"The delivery-plan row “{_cell(row, 'title')}” has no pairing with an organisation "
                        "in demo.grants.PAIRINGS."
                    ]
                }
            )
        loader.seed_award(row, pairing, _organisation_row(organisation_rows, pairing))
    for extra in EXTRA_AWARDS:
        loader.seed_extra(extra)
    loader.created += returns_seed(actor=actor)
    return loader.created


# Monitoring: KPIs and two years of quarterly returns ------------------------------------------------
# Every made demo award gets two KPIs with targets and a return for each quarter of 2019/20 and
# 2020/21 it ran in (scheduled when the award was made, as for any award). Each
# return's fate is drawn from a generator seeded with its award and quarter, so it is the same on
# every run: most are accepted and rated (some amber or red, with the officer's comment), the last
# quarter's are partly awaiting review, and a few were never sent in (late). Through the
# monitoring services; a return that is no longer due is left as it is, so a second run writes
# nothing.

RETURNS_UNTIL = datetime.date(2021, 3, 31)  # the quarters of 2019/20 and 2020/21
DEMO_KPIS = (
    # name, unit, target per quarter (None: from the award's size), target period, description
    ("Victims supported", "people", None, "quarter", "New victims supported in the quarter."),
    ("Satisfied with the service", "%", Decimal(85), "quarter", "Share of service users who said they were satisfied."),
)
# Crime-type weights by MoJ service category (domestic_abuse, sexual_violence, violence, hate_crime,
# asb, burglary_theft, fraud, other); other services use the general mix.
CRIME_MIX = {
    "domestic_abuse": {"domestic_abuse": 85, "sexual_violence": 8, "violence": 5, "other": 2},
    "idva": {"domestic_abuse": 90, "sexual_violence": 6, "violence": 4},
    "isva": {"sexual_violence": 92, "domestic_abuse": 8},
    "sexual_violence": {"sexual_violence": 90, "domestic_abuse": 10},
    "hate_crime": {"hate_crime": 80, "violence": 10, "asb": 10},
    "restorative_justice": {"violence": 35, "burglary_theft": 35, "asb": 15, "other": 15},
}
GENERAL_CRIME_MIX = {
    "violence": 25,
    "burglary_theft": 20,
    "domestic_abuse": 15,
    "asb": 15,
    "fraud": 10,
    "sexual_violence": 5,
    "hate_crime": 5,
    "other": 5,
}
OTHER_MIXES = {
    "sex": {"female": 62, "male": 36, "other": 1, "unknown": 1},
    "age": {"under_18": 8, "18_24": 16, "25_34": 24, "35_49": 28, "50_64": 15, "65_plus": 6, "unknown": 3},
    "ethnicity": {"white": 92, "asian": 2, "mixed": 2, "black": 1, "other": 1, "unknown": 2},
    "disability": {"no": 70, "yes": 22, "unknown": 8},
}
NARRATIVES = (
    "Referrals were steady and every victim was contacted within two working days.",
    "Demand rose after the local awareness campaign; waiting times stayed within target.",
    "Two volunteers joined and completed training; group sessions restarted.",
    "The court backlog lengthened cases, so caseworkers carried more open cases than planned.",
    "Joint work with the multi-agency risk assessment conference continued well.",
)
COMMENTS = {
    "amber": (
        "Below the referral target; agreed actions with the manager at the quarterly meeting.",
        "Outcome measures recorded for too few clients; reminded of the agreed approach.",
    ),
    "red": (
        "Well below target with no clear explanation; a recovery plan is due within 30 days.",
        "Staff shortages paused the service for several weeks; escalated to the head of commissioning.",
    ),
}


def _split(total: int, weights: Mapping[str, int], rng: random.Random) -> dict[str, int]:
    """``total`` split across codes roughly by ``weights`` (with some noise), adding up exactly."""
    noisy = {code: max(0, weight * rng.uniform(0.7, 1.3)) for code, weight in weights.items()}
    whole = sum(noisy.values()) or 1
    counts = {code: int(total * weight / whole) for code, weight in noisy.items()}
    largest = max(counts, key=lambda code: noisy[code])
    counts[largest] += total - sum(counts.values())
    return {code: count for code, count in counts.items() if count}


def _quarter_size(award: Award) -> int:
    """A plausible number of new victims a quarter: about one per £1,500 of the yearly value."""
    value = sum((line.amount for line in award.lines.all() if line.fy == DEMO_FY), Decimal(0))
    return max(6, min(400, int(value / 1500 / 4)))


# The demo's provider user works for Harbour: its last quarter is left for them to fill in.
RETURN_LEFT_FOR_THE_DEMO_PROVIDER = ("Harbour", 2020, 4)


def _fate(rng: random.Random, monitoring_return: MonitoringReturn) -> str:
    """accepted, submitted (awaiting review) or late (never sent in)."""
    provider, fy, quarter = RETURN_LEFT_FOR_THE_DEMO_PROVIDER
    if (monitoring_return.award.provider.name, monitoring_return.fy, monitoring_return.quarter) == (
        provider,
        fy,
        quarter,
    ):
        return "late"
    roll = rng.random()
    if monitoring_return.fy == 2020 and monitoring_return.quarter == 4:
        return "submitted" if roll < 0.5 else "late" if roll < 0.6 else "accepted"
    return "late" if roll < 0.04 else "accepted"


def _return_data(award: Award, kpis: Mapping[str, AwardKPI], size: int, rng: random.Random, codes) -> ReturnData:
    referrals = max(1, round(size * rng.uniform(0.85, 1.35)))
    supported = round(referrals * rng.uniform(0.6, 0.95))
    category = award.moj_category.code if award.moj_category else ""
    mixes = {"crime": CRIME_MIX.get(category, GENERAL_CRIME_MIX), **OTHER_MIXES}
    breakdowns = {
        list_name: {code: count for code, count in _split(supported, mix, rng).items() if code in codes[list_name]}
        for list_name, mix in mixes.items()
    }
    if rng.random() < 0.1:  # now and then a provider's figures do not quite add up
        breakdowns["age"] = {code: count for code, count in breakdowns["age"].items() if code != "unknown"}
    outcomes = {}
    for code in codes["outcome"]:
        assessed = round(supported * rng.uniform(0.4, 0.8))
        outcomes[code] = (assessed, round(assessed * rng.uniform(0.55, 0.9)))
    return ReturnData(
        referrals=referrals,
        supported=supported,
        breakdowns=breakdowns,
        outcomes=outcomes,
        kpi_values={
            kpis["Victims supported"].pk: Decimal(supported),
            kpis["Satisfied with the service"].pk: Decimal(rng.randint(72, 97)),
        },
        narrative=rng.choice(NARRATIVES),
        case_study=(
            "A victim referred after a burglary was supported through the investigation and court process; "
            "they said they felt safer at home afterwards."
        )
        if rng.random() < 0.3
        else "",
        case_study_consent=True,
        feedback="“Someone finally listened.”" if rng.random() < 0.3 else "",
    )


def returns_seed(*, actor=None) -> int:
    """KPIs and 2019/20–2020/21 quarterly returns for the demo awards (see above); returns how many
    records it created or filled in."""
    created = 0
    awards = list(
        Award.objects.filter(status__in=COMMITTED_STATUSES, start_date__lte=RETURNS_UNTIL)
        .select_related("moj_category")
        .prefetch_related("lines", "kpqs")
        .order_by("reference")
    )
    for award in awards:
        kpis = {kpi.name: kpi for kpi in award.kpis.all()}
        if not kpis:
            size = _quarter_size(award)
            kpq = next(iter(award.kpqs.all()), None)
            for name, unit, target, period, description in DEMO_KPIS:
                kpis[name] = kpi_create(
                    award=award,
                    actor=actor,
                    name=name,
                    unit=unit,
                    target=target or Decimal(size),
                    target_period=period,
                    kpq=kpq,
                    description=description,
                )
                created += 1
    codes_by_year = {}
    due = (
        MonitoringReturn.objects.filter(award__in=awards, status=ReturnStatus.DUE, fy__lte=2020)
        .select_related("award__moj_category", "award__provider")
        .order_by("award__reference", "fy", "quarter")
    )
    by_award = {award.pk: award for award in awards}
    for monitoring_return in due:
        award = by_award[monitoring_return.award_id]
        rng = random.Random(f"{award.reference}/{monitoring_return.fy}/{monitoring_return.quarter}")
        fate = _fate(rng, monitoring_return)
        if fate == "late":
            continue
        if monitoring_return.fy not in codes_by_year:
            codes_by_year[monitoring_return.fy] = {
                name: {entry.code for entry in entries} for name, entries in codes_by_list(monitoring_return.fy).items()
            }
        kpis = {kpi.name: kpi for kpi in award.kpis.all()}
        data = _return_data(award, kpis, _quarter_size(award), rng, codes_by_year[monitoring_return.fy])
        rag = rng.choices(("green", "amber", "red"), weights=(72, 20, 8))[0]
        submitted, _ = return_import(
            award=award,
            fy=monitoring_return.fy,
            quarter=monitoring_return.quarter,
            data=data,
            actor=actor,
        )
        if fate == "accepted":
            return_accept(
                monitoring_return=submitted,
                actor=actor,
                rag=rag,
                rag_comment=rng.choice(COMMENTS[rag]) if rag in COMMENTS else "",
                expected_version=None,
            )
        created += 1
    return created
