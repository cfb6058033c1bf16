"""The loader: streams, budgets, decisions, awards, co-funding and payments through the services."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from demo.providers import infer_kind
from grants.awards.cofunding import cofunding_set
from grants.awards.rules import LineInput
from grants.awards.services import award_create, award_transition
from grants.decisions.services import decision_create, decision_publish, decision_sign, delegated_limit
from grants.funding.services import allocation_set, budget_set, stream_create
from grants.models import (
    Award,
    AwardKind,
    AwardStatus,
    Decision,
    FundingStream,
    PriorityBudget,
    StreamAllocation,
)
from grants.payments.services import payment_record
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, apportion_by_weights, fys_between
from providers.models import Organisation, OrganisationKind
from providers.services import organisation_create

from .agreements import agreement_signed_seed
from .pairings import EXTRA_AWARDS, PAIRINGS, ExtraAward, Pairing
from .returns import returns_seed
from .streams import DEMO_FY, LATER_BUDGETS, NOTE, OPCC_NAME, STREAMS

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


DEMO_CONDITIONS = (
    "The OPCC's standard terms of grant; quarterly monitoring returns within 20 days of each "
    "quarter's end; unspent money returned."
)


def _reasons(priority: str, purpose: str) -> str:
    why = f"Police and Crime Plan priority: {priority.strip()}."
    return f"{why} {purpose.strip().rstrip('.')}." if purpose.strip() else why


def _kpqs(text: str) -> list[KPQ]:
    numbers = [int(part) for part in re.split(r"[;,\s]+", text) if part.isdigit()]
    found = {kpq.number: kpq for kpq in KPQ.objects.filter(number__in=numbers)}
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ValidationError({"kpqs": [f"There is no KPQ {', '.join(map(str, missing))}: load the Plan first."]})
    return [found[number] for number in numbers]


class _Loader:
    """Holds what the seed has looked up or created, and counts what it created."""

    def __init__(self, *, actor, lead_officer, finance_contact=None) -> None:
        self.actor = actor
        self.lead_officer = lead_officer
        self.finance_contact = finance_contact
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
        lines = self.award_lines(pairing, Decimal(_cell(row, "spend")), start=start, end=end)
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
            finance_contact=self.finance_contact,
            decision=decision,
            moj_category=_moj_category(pairing.moj_category, DEMO_FY),
            extension_months=extension_months,
            extension_until=(FinancialYear.of(end).next().end if extension_months else None),
            # What the Specified Information Order asks the grants register to publish.
            conditions=DEMO_CONDITIONS,
            reasons=_reasons(_cell(row, "priority"), _cell(org_row, "purpose")),
        )
        self.created += 1
        if pairing.cofunder:
            self.seed_cofunding(award, pairing.cofunder)
        # Accepted before its first payment, as PAYMENT_NEEDS_ACCEPTED_AGREEMENT asks.
        self.created += agreement_signed_seed(award, actor=self.actor)
        self.seed_payments(award, lines, kind=kind, refund=pairing.refund)

    def award_lines(
        self, pairing: Pairing, spend: Decimal, *, start: datetime.date, end: datetime.date
    ) -> list[LineInput]:
        """Each year's ``spend`` split across the pairing's streams in its proportions."""
        parts = apportion_by_weights(spend, [weight for _, weight in pairing.split])
        return [
            LineInput(stream=self.streams[stream], fy=fy.start_year, amount=amount)
            for fy in fys_between(start, end)
            for (stream, _), amount in zip(pairing.split, parts, strict=False)
        ]

    def seed_cofunding(self, award: Award, cofunder: str) -> None:
        cofunding_set(
            actor=self.actor,
            award=award,
            partner=self.organisation(cofunder),
            fy=DEMO_FY,
            notes="Co-commissioned: the partner pays its share to the provider directly.",
        )
        self.created += 1

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
            finance_contact=self.finance_contact,
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
    finance_contact=None,
) -> int:
    """Load the demo grants register (see the module's docstring); returns how many records it
    created (organisations, streams, allocations, budgets, decisions, awards, co-funding and
    payments). ``lead_officer`` leads every demo award (the demo officer, if there is one) and
    ``finance_contact`` approves its payments (the demo finance officer).

    Every delivery-plan row must have a pairing in ``PAIRINGS`` (matched by title), and every
    pairing's organisation row must be in ``organisation_rows``: otherwise ``ValidationError``.
    """
    delivery_rows = list(delivery_rows)
    organisation_rows = list(organisation_rows)
    pairings = {pairing.title.lower(): pairing for pairing in PAIRINGS}
    loader = _Loader(actor=actor, lead_officer=lead_officer, finance_contact=finance_contact)
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
