"""The national dataset's awards, with their decisions, timeline entries, KPQs and funding lines."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from grants.models import (
    COMMITTED_STATUSES,
    Award,
    AwardKind,
    AwardStatus,
    AwardTransition,
    Decision,
    DecisionStatus,
    FundingLine,
)
from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, apportion, apportion_by_weights, fys_between

from .common import (
    AS_OF,
    FIRST_FY,
    FULL_AWARDS,
    FYS,
    LAST_DAY,
    REFERENCE_PREFIX,
    _add_months,
    _aware,
    _bulk,
    _Context,
    _Force,
    _split_count,
)

# Awards: (title, with "{area}"), by the kind of priority they serve.
SERVICES: dict[str, tuple[str, ...]] = {
    "victims": (
        "Victim assessment and referral service",
        "Independent domestic violence advisers",
        "Independent sexual violence advisers",
        "Domestic abuse outreach",
        "Sexual violence counselling",
        "Restorative justice service",
        "Hate crime advocacy",
        "Children and young people's victim service",
        "Stalking advocacy",
        "Fraud victims support",
        "Refuge support",
        "Witness care support",
    ),
    "reoffending": (
        "Youth offending contribution",
        "Adult diversion scheme",
        "Drug and alcohol testing on arrest",
        "Women's centre",
        "Integrated offender management",
        "Housing for prison leavers",
        "Out-of-court disposals",
        "Perpetrator programme",
    ),
    "community": (
        "Community safety fund",
        "Anti-social behaviour officers",
        "Community mediation",
        "Youth diversionary activities",
        "Street pastors",
        "Neighbourhood watch",
        "Serious violence prevention",
        "Rural crime partnership",
        "Night-time economy safety",
        "Anti-racism education in schools",
    ),
}
KPQS_BY_KIND = {"victims": (3, 4), "reoffending": (5, 6), "community": (1, 2, 4, 8)}
MOJ_CATEGORY_WEIGHTS = {
    "general_support": 20,
    "domestic_abuse": 22,
    "sexual_violence": 14,
    "restorative_justice": 8,
    "isva": 10,
    "idva": 10,
    "hate_crime": 5,
    "children_young_people": 7,
    "other": 4,
}
KEY_ACTIVITIES = (
    "Monitor and evaluate",
    "Prepare specification for re-procurement",
    "Consider with criminal justice partners",
    "Decide longer-term funding",
    "Co-commission with partners",
    "Evaluate and decide whether it continues",
)


def _priority_kind(priority: CommissioningPriority, position: int) -> str:
    name = priority.name.lower()
    if "victim" in name:
        return "victims"
    if "offend" in name:
        return "reoffending"
    if "community" in name or "safety" in name or "prevent" in name:
        return "community"
    return ("victims", "reoffending", "community")[position % 3]


@dataclass
class _AwardPlan:
    award: Award
    force: _Force
    priority_kind: str
    lines: list[FundingLine]
    kpqs: list[KPQ]
    total: Decimal
    decision: Decision | None = None


@dataclass(frozen=True)
class _Catalogue:
    """What the awards are drawn from: the Plan's priorities (with the kind and weight of each),
    the KPQs, the MoJ service categories valid in the first year and the delegated limit."""

    priorities: list[CommissioningPriority]
    kinds: list[str]
    priority_weights: list[int]
    kpqs: dict[int, KPQ]
    categories: dict[str, CodeListEntry]
    category_codes: list[str]
    limit: Decimal


def _catalogue() -> _Catalogue:
    priorities = list(CommissioningPriority.objects.order_by("sort_order", "code"))
    if not priorities:
        raise ValueError("There are no commissioning priorities: load the Plan first (manage.py seed_demo).")
    kinds = [_priority_kind(priority, position) for position, priority in enumerate(priorities)]
    categories = {
        entry.code: entry
        for entry in CodeListEntry.objects.filter(list=CodeList.MOJ_CATEGORY).order_by("code", "valid_from_fy")
        if entry.is_valid_in(FIRST_FY)
    }
    return _Catalogue(
        priorities=priorities,
        kinds=kinds,
        priority_weights=[{"victims": 45, "reoffending": 25, "community": 30}[kind] for kind in kinds],
        kpqs={kpq.number: kpq for kpq in KPQ.objects.order_by("number")},
        categories=categories,
        category_codes=[code for code in MOJ_CATEGORY_WEIGHTS if code in categories],
        limit=settings.DELEGATED_LIMIT,
    )


@dataclass(frozen=True)
class _Terms:
    """An award's year, priority, kind, dates and value, as drawn."""

    fy: int
    priority: CommissioningPriority
    priority_kind: str
    kind: str
    start: datetime.date
    end: datetime.date
    extension_months: int | None
    extension_until: datetime.date | None
    span_months: int
    value: Decimal


def _draw_terms(rng: random.Random, catalogue: _Catalogue) -> _Terms:
    fy = rng.choices(FYS, weights=(18, 19, 20, 21, 22))[0]
    position = rng.choices(range(len(catalogue.priorities)), weights=catalogue.priority_weights)[0]
    kind = rng.choices(AwardKind.values, weights=(50, 30, 8, 12))[0]
    months = rng.choices((6, 9, 12, 24, 36, 48), weights=(4, 4, 47, 22, 18, 5))[0]
    start = FinancialYear(fy).start
    if rng.random() < 0.25:
        start = _add_months(start, rng.randint(1, 11))
    end = min(_add_months(start, months) - datetime.timedelta(days=1), LAST_DAY)
    extension_months = extension_until = None
    if kind == AwardKind.CONTRACT and rng.random() < 0.4:
        extension_months = rng.choice((12, 24))
        extension_until = _add_months(end + datetime.timedelta(days=1), extension_months) - datetime.timedelta(days=1)

    low, high = rng.choices(
        ((1000, 10000), (10000, 50000), (50000, 150000), (150000, 600000)), weights=(25, 38, 27, 10)
    )[0]
    annual = rng.randrange(low // 50, high // 50) * 50
    span_months = (end.year - start.year) * 12 + end.month - start.month + 1
    value = Decimal(annual * span_months) / 12
    return _Terms(
        fy=fy,
        priority=catalogue.priorities[position],
        priority_kind=catalogue.kinds[position],
        kind=kind,
        start=start,
        end=end,
        extension_months=extension_months,
        extension_until=extension_until,
        span_months=span_months,
        value=value.quantize(Decimal("0.01")),
    )


def _draw_lines(
    rng: random.Random, catalogue: _Catalogue, force: _Force, terms: _Terms
) -> tuple[CodeListEntry | None, list[FundingLine]]:
    """The award's MoJ category (victims' services only) and its funding lines: each year's
    share of the value split across a main stream and up to three others."""
    years = fys_between(terms.start, terms.end)
    by_year = apportion(terms.value, years, start=terms.start, end=terms.end)
    category = None
    codes = catalogue.category_codes
    if terms.priority_kind == "victims" and codes:
        category = catalogue.categories[rng.choices(codes, weights=[MOJ_CATEGORY_WEIGHTS[c] for c in codes])[0]]
    if terms.priority_kind == "victims":
        main = "moj_general" if category is not None and category.code in ("isva", "idva") else "moj_core"
        others = [key for key in ("moj_core", "precept", "police_grant", "partners") if key != main]
    else:
        main = rng.choice(("police_grant", "precept"))
        others = [key for key in ("police_grant", "precept", "partners") if key != main]
    extra = rng.choices((0, 1, 2, 3), weights=(15, 30, 40, 15))[0]
    stream_keys = [main] + rng.sample(others, min(extra, len(others)))
    weights = [rng.randint(50, 90)] + [rng.randint(5, 40) for _ in stream_keys[1:]]
    lines = []
    for year, amount in zip(years, by_year, strict=False):
        for key, part in zip(stream_keys, apportion_by_weights(amount, weights), strict=False):
            if part > 0:
                lines.append(FundingLine(stream=force.streams[key], fy=year.start_year, amount=part))
    return category, lines


def _draw_status(rng: random.Random, start: datetime.date, end: datetime.date) -> str:
    if rng.random() < 0.03:
        return AwardStatus.CANCELLED
    if start > AS_OF:
        return rng.choices((AwardStatus.PLANNED, AwardStatus.PROCURING, AwardStatus.AWARDED), weights=(35, 25, 40))[0]
    if end < AS_OF:
        return AwardStatus.ENDED
    return AwardStatus.ACTIVE


def _draw_decision(
    rng: random.Random,
    *,
    force: _Force,
    terms: _Terms,
    status: str,
    subject: str,
    total: Decimal,
    limit: Decimal,
    numbers: dict[int, int],
) -> Decision | None:
    """The decision making an award over the delegated limit: signed (published once a few days
    have passed) for a committed award, now and then a draft for a planned or procuring one."""
    if not (
        status in COMMITTED_STATUSES
        and total > limit
        or (status in (AwardStatus.PLANNED, AwardStatus.PROCURING) and total > limit and rng.random() < 0.3)
    ):
        return None
    decided_on = min(terms.start - datetime.timedelta(days=rng.randint(14, 75)), AS_OF)
    numbers[decided_on.year] += 1
    draft = status not in COMMITTED_STATUSES
    published_on = decided_on + datetime.timedelta(days=rng.randint(3, 21))
    if draft:
        decision_status = DecisionStatus.DRAFT
    elif published_on <= AS_OF:
        decision_status = DecisionStatus.PUBLISHED
    else:
        decision_status = DecisionStatus.SIGNED
    return Decision(
        reference=f"PCC-{force.code}-{decided_on.year}-{numbers[decided_on.year]:03d}",
        subject=subject,
        summary=f"{AwardKind(terms.kind).label} of {format_pence(total)} over {terms.span_months} months.",
        decided_on=None if draft else decided_on,
        status=decision_status,
        signed_at=None if draft else _aware(decided_on, 17),
        published_on=published_on if decision_status == DecisionStatus.PUBLISHED else None,
        contact_officer="Head of commissioning",
    )


APPROACHES = (
    "Open procurement",
    "Grant round",
    "Direct award to the existing provider",
    "Co-commissioned with the local authority",
)


def _plan_award(
    ctx: _Context, catalogue: _Catalogue, force: _Force, numbers: dict[int, int], decision_numbers: dict[int, int]
) -> _AwardPlan:
    """One award of ``force`` (not saved), drawn in a fixed order: terms, lines, status,
    provider, title, KPQs, decision, approach and key activity."""
    rng = ctx.rng
    terms = _draw_terms(rng, catalogue)
    category, lines = _draw_lines(rng, catalogue, force, terms)
    numbers[terms.fy] += 1
    total = sum((line.amount for line in lines), Decimal(0))
    status = _draw_status(rng, terms.start, terms.end)
    provider = rng.choice(force.providers if force.providers and rng.random() < 0.85 else ctx.providers)
    title = f"{rng.choice(SERVICES[terms.priority_kind])}, {force.area}"
    pool = [catalogue.kpqs[number] for number in KPQS_BY_KIND[terms.priority_kind] if number in catalogue.kpqs]
    kpqs = sorted(rng.sample(pool, min(len(pool), rng.randint(1, 2))), key=lambda kpq: kpq.number)
    subject = f"{AwardKind(terms.kind).label} to {provider.name}: {title}"
    decision = _draw_decision(
        rng,
        force=force,
        terms=terms,
        status=status,
        subject=subject,
        total=total,
        limit=catalogue.limit,
        numbers=decision_numbers,
    )
    award = Award(
        reference=f"{REFERENCE_PREFIX}{force.code}-{terms.fy}-{numbers[terms.fy]:04d}",
        title=title,
        provider=provider,
        kind=terms.kind,
        priority=terms.priority,
        purpose=f"{title}: services commissioned by the {force.area} OPCC.",
        approach=rng.choice(APPROACHES),
        status=status,
        start_date=terms.start,
        end_date=terms.end,
        extension_months=terms.extension_months,
        extension_until=terms.extension_until,
        duration=f"{terms.span_months} months" + (" plus extension" if terms.extension_months else ""),
        key_activity=rng.choice(KEY_ACTIVITIES),
        cost_centre=f"{force.code}-{terms.priority.code}",
        moj_category=category,
    )
    return _AwardPlan(award, force, terms.priority_kind, lines, kpqs, total, decision)


def _seed_award_parts(plans: list[_AwardPlan]) -> tuple[list[AwardTransition], list, list[FundingLine]]:
    """Each saved award's one timeline entry, its KPQ links and its funding lines."""
    transitions, kpq_links, lines = [], [], []
    Link = Award.kpqs.through
    for plan in plans:
        award = plan.award
        note = "Generated national stress data."
        if award.status == AwardStatus.CANCELLED:
            note = "Cancelled: the service was not needed after the needs assessment was refreshed."
        transitions.append(
            AwardTransition(
                award=award,
                from_status="",
                to_status=award.status,
                at=_aware(min(award.start_date, AS_OF), 9),
                note=note,
            )
        )
        kpq_links.extend(Link(award_id=award.pk, kpq_id=kpq.pk) for kpq in plan.kpqs)
        for line in plan.lines:
            line.award = award
            lines.append(line)
    _bulk(AwardTransition, transitions)
    _bulk(Link, kpq_links)
    _bulk(FundingLine, lines)
    return transitions, kpq_links, lines


def seed_awards(ctx: _Context) -> None:
    """Awards over the five years with their decisions, one timeline entry, KPQs and lines."""
    catalogue = _catalogue()
    total = round(FULL_AWARDS * ctx.scale_factor)
    per_force = _split_count(total, [force.weight for force in ctx.forces])
    plans: list[_AwardPlan] = []
    for force, count in zip(ctx.forces, per_force, strict=False):
        numbers: dict[int, int] = defaultdict(int)
        decision_numbers: dict[int, int] = defaultdict(int)
        plans.extend(_plan_award(ctx, catalogue, force, numbers, decision_numbers) for _ in range(count))

    decisions = _bulk(Decision, [plan.decision for plan in plans if plan.decision is not None])
    for plan in plans:
        if plan.decision is not None:
            plan.award.decision = plan.decision
    awards = _bulk(Award, [plan.award for plan in plans])
    transitions, kpq_links, lines = _seed_award_parts(plans)
    ctx.awards = awards
    ctx.lines = lines
    ctx.counts.update(
        decisions=len(decisions),
        awards=len(awards),
        transitions=len(transitions),
        award_kpqs=len(kpq_links),
        funding_lines=len(lines),
    )
