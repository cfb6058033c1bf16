"""The national dataset's plan delivery: one delivery plan per force with its update rounds,
progress updates and metric values, and the forces' Victims' Code compliance figures.

At full size (``scale_factor=1``) each of the 43 forces has a published Force Delivery Plan for
2019 to 2024 of 5 priorities, 20 objectives and 100 activities (five per objective), with 3
metrics per objective (60 a plan). Each plan has nine six-monthly update rounds, H1 2019/20 to
H1 2023/24: the eight whose updates were due by ``AS_OF`` are accepted, every activity's update
accepted and each metric with a value as at the end of the round's period; the last, for the
half that ends on ``AS_OF``, is still collecting updates (some submitted, some drafts, the rest
requested). So about 38,700 progress updates and 20,600 metric values. The scale factor scales
the number of priorities and of activities per objective (never fewer than one of each: at 0.1,
one priority of four objectives with one activity each); the forces are always all there.

Compliance: the force is the criminal justice body. Each of the 43 reports against each of the
Victims' Code measures in force (the five the Ministry of Justice asks about, loaded with the
Code's rights by a migration) for the 20 quarters up to ``AS_OF`` (Q3 2018/19 to Q2 2023/24):
4,300 figures. Without the measures (a database whose migrations predate them) no figure is
written and the step says so.

Like the rest of the national dataset, rows go in with ``bulk_create``, not through the
services (``demo/national/__init__.py`` says why), so no history rows are written; the rows
keep the services' invariants: an accepted round has every activity's update accepted, each
with its status and narrative; a submitted update has a status; metric values are one per
metric and date; a figure's numerator never exceeds its denominator; nothing is accepted after
``AS_OF``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models.functions import Lower

from delivery.models import (
    Activity,
    ComplianceFigure,
    ComplianceMeasure,
    DeliveryPlan,
    Direction,
    Metric,
    MetricUnit,
    MetricValue,
    Objective,
    PlanPriority,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
    number_sort_key,
)
from outcomes.models import CommissioningPriority
from pcc_commissioning.periods import FinancialYear, Period, period_code, quarter_of
from providers.models import Organisation, OrganisationKind

from .common import AS_OF, REFERENCE_PREFIX, _aware, _bulk, _Context, _Force

FULL_PRIORITIES = 5
OBJECTIVES_PER_PRIORITY = 4
ACTIVITIES_PER_OBJECTIVE = 5
METRICS_PER_OBJECTIVE = 3
FIRST_HALF = Period(FinancialYear(2019), "H1")
ROUNDS = 9  # H1 2019/20 to H1 2023/24
DEADLINE_DAYS = 31  # updates due a month after the half ends
QUARTERS = 20
# The states of the open round's updates, drawn evenly.
OPEN_STATES = (UpdateState.REQUESTED, UpdateState.DRAFT, UpdateState.SUBMITTED)

PRIORITY_TITLES = (
    "Put victims first",
    "Cut crime and anti-social behaviour",
    "Protect vulnerable people",
    "Build safer, more confident communities",
    "An efficient and effective police service",
)
OBJECTIVE_TITLES = (
    "Increase the proportion of people satisfied with how the police deal with the things that matter to them",
    "Reduce repeat victimisation",
    "Improve the quality of investigations",
    "Bring more offenders to justice",
    "Increase the reporting of hidden crimes",
    "Reduce reoffending by young people",
)
ACTIVITY_TITLES = (
    "Review how victims are kept informed",
    "Train officers in trauma-informed practice",
    "Extend neighbourhood surgeries",
    "Introduce a problem-solving tracker",
    "Share data with community safety partners",
    "Run a summer campaign on the night-time economy",
    "Commission an independent audit",
)
LEADS = ("Chief Inspector", "Superintendent", "Detective Inspector", "Head of Partnerships", "Inspector")
SURNAMES = ("Patel", "Jones", "Smith", "Williams", "Khan", "Brown", "Taylor", "Evans", "Walker", "Wright")
# (name, unit, direction, typical value, how far a value moves between rounds)
METRICS = (
    ("Victims satisfied with being kept informed", MetricUnit.PERCENT, Direction.HIGHER_IS_BETTER, 66, 4),
    ("Repeat victims", MetricUnit.COUNT, Direction.HIGHER_IS_WORSE, 1500, 150),
    ("Crimes per 1,000 people", MetricUnit.RATE, Direction.HIGHER_IS_WORSE, 70, 6),
    ("People who agree the police deal with local issues", MetricUnit.PERCENT, Direction.HIGHER_IS_BETTER, 56, 4),
    ("Cases resolved with an outcome for the victim", MetricUnit.PERCENT, Direction.HIGHER_IS_BETTER, 30, 3),
)
# Of the activities' accepted updates, how often each status is drawn.
STATUS_WEIGHTS = (
    (ProgressStatus.ON_TRACK, 55),
    (ProgressStatus.SOME_SLIPPAGE, 15),
    (ProgressStatus.OFF_TRACK, 5),
    (ProgressStatus.COMPLETE, 15),
    (ProgressStatus.NOT_STARTED, 10),
)
# Compliance: (typical share met, spread) per measure position, and victims per quarter.
COMPLIANCE_RATES = ((85, 8), (70, 12), (60, 15), (75, 10), (90, 6))


def _halves() -> list[Period]:
    halves, half = [], FIRST_HALF
    for _ in range(ROUNDS):
        halves.append(half)
        half = half.next()
    return halves


def _quarters() -> list[Period]:
    """The ``QUARTERS`` quarters ending with the one that ends on or before ``AS_OF``."""
    last = quarter_of(AS_OF)
    if last.end > AS_OF:
        last = last.previous()
    quarters = [last]
    while len(quarters) < QUARTERS:
        quarters.append(quarters[-1].previous())
    return quarters[::-1]


def _police(ctx: _Context) -> dict[str, Organisation]:
    """Each force's police organisation (made here unless one of that name exists)."""
    names = {force.code: f"{force.area} Police" for force in ctx.forces}
    wanted = [name.lower() for name in names.values()]
    existing = {
        organisation.name.lower(): organisation
        for organisation in Organisation.objects.annotate(lower=Lower("name")).filter(lower__in=wanted)
    }
    new = [
        Organisation(
            name=name,
            kind=OrganisationKind.POLICE,
            supplier_number=f"POL-{code}",
            website=f"https://www.{code.lower()}.police.uk",
        )
        for code, name in names.items()
        if name.lower() not in existing
    ]
    _bulk(Organisation, new)
    by_name = {**existing, **{organisation.name.lower(): organisation for organisation in new}}
    ctx.counts["police_forces"] = len(new)
    return {code: by_name[name.lower()] for code, name in names.items()}


def _plans(ctx: _Context, police: dict[str, Organisation]) -> list[tuple[DeliveryPlan, _Force]]:
    plans = [
        (
            DeliveryPlan(
                reference=f"{REFERENCE_PREFIX}{force.code}-FDP",
                title=f"{force.area} Force Delivery Plan 2019 to 2024",
                owner=police[force.code],
                fy=2019,
                summary=f"How {force.area} Police will deliver the Police and Crime Plan's priorities.",
                status=PlanStatus.PUBLISHED,
                published_on=datetime.date(2019, 5, 15),
                edition=1,
            ),
            force,
        )
        for force in ctx.forces
    ]
    _bulk(DeliveryPlan, [plan for plan, _force in plans])
    ctx.counts["delivery_plans"] = len(plans)
    return plans


def _trees(ctx: _Context, plans) -> tuple[list[Objective], list[Activity]]:
    """Each plan's priorities, objectives and activities."""
    rng = ctx.rng
    size = max(1, round(FULL_PRIORITIES * ctx.scale_factor))
    per_objective = max(1, round(ACTIVITIES_PER_OBJECTIVE * min(1.0, ctx.scale_factor)))
    linked = list(CommissioningPriority.objects.order_by("sort_order", "code"))
    priorities, objectives, activities = [], [], []
    for plan, _force in plans:
        for p in range(1, size + 1):
            priorities.append(
                PlanPriority(
                    plan=plan,
                    position=p,
                    title=f"{PRIORITY_TITLES[(p - 1) % len(PRIORITY_TITLES)]}"
                    + ("" if p <= len(PRIORITY_TITLES) else f" ({p})"),
                    outcome="People are satisfied that the police provide a service that meets their needs.",
                    strategy="Listen to people, act on what they say and tell them what was done.",
                    priority=linked[(p - 1) % len(linked)] if linked else None,
                )
            )
    _bulk(PlanPriority, priorities)
    for priority in priorities:
        for o in range(1, OBJECTIVES_PER_PRIORITY + 1):
            number = f"{priority.position}.{o}"
            objectives.append(
                Objective(
                    plan=priority.plan,
                    plan_priority=priority,
                    number=number,
                    title=rng.choice(OBJECTIVE_TITLES),
                    sort_key=number_sort_key(number),
                )
            )
    _bulk(Objective, objectives)
    for objective in objectives:
        for a in range(1, per_objective + 1):
            number = f"{objective.number}.{a}"
            start = datetime.date(2019, 4, 1) + datetime.timedelta(days=rng.randint(0, 365))
            activities.append(
                Activity(
                    plan=objective.plan,
                    objective=objective,
                    number=number,
                    title=rng.choice(ACTIVITY_TITLES),
                    lead=f"{rng.choice(LEADS)} {rng.choice(SURNAMES)}",
                    lead_organisation=objective.plan.owner,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=rng.randint(180, 1400)),
                    sort_key=number_sort_key(number),
                )
            )
    _bulk(Activity, activities)
    ctx.counts.update(plan_priorities=len(priorities), objectives=len(objectives), activities=len(activities))
    return objectives, activities


def _rounds(ctx: _Context, plans) -> list[UpdateRound]:
    rounds = []
    for plan, _force in plans:
        for half in _halves():
            deadline = half.end + datetime.timedelta(days=DEADLINE_DAYS)
            accepted = deadline + datetime.timedelta(days=14) <= AS_OF
            rounds.append(
                UpdateRound(
                    plan=plan,
                    period=period_code(half),
                    period_start=half.start,
                    period_end=half.end,
                    deadline=deadline,
                    status=UpdateRoundStatus.ACCEPTED if accepted else UpdateRoundStatus.OPEN,
                    accepted_at=_aware(deadline + datetime.timedelta(days=14)) if accepted else None,
                    summary=f"Progress on the plan in {half.label}." if accepted else "",
                )
            )
    _bulk(UpdateRound, rounds)
    ctx.counts["update_rounds"] = len(rounds)
    return rounds


def _updates(ctx: _Context, rounds: list[UpdateRound], activities: list[Activity]) -> None:
    """Every activity's update in every round: accepted in accepted rounds; in the open round
    a third submitted, a third drafts and a third still requested."""
    rng = ctx.rng
    statuses = [status for status, _weight in STATUS_WEIGHTS]
    weights = [weight for _status, weight in STATUS_WEIGHTS]
    by_plan: dict[int, list[Activity]] = {}
    for activity in activities:
        by_plan.setdefault(activity.plan_id, []).append(activity)
    updates = []
    for update_round in rounds:
        accepted = update_round.status == UpdateRoundStatus.ACCEPTED
        submitted_at = _aware(update_round.deadline - datetime.timedelta(days=3))
        for activity in by_plan[update_round.plan_id]:
            state = UpdateState.ACCEPTED if accepted else rng.choice(OPEN_STATES)
            progress = rng.choices(statuses, weights)[0] if state != UpdateState.REQUESTED else ""
            updates.append(
                ProgressUpdate(
                    update_round=update_round,
                    activity=activity,
                    state=state,
                    progress=progress,
                    narrative=f"{activity.title}: {ProgressStatus(progress).label.lower()} in {update_round.period}."
                    if progress
                    else "",
                    submitted_at=submitted_at if state in (UpdateState.SUBMITTED, UpdateState.ACCEPTED) else None,
                    accepted_at=update_round.accepted_at if accepted else None,
                )
            )
    _bulk(ProgressUpdate, updates)
    ctx.counts["progress_updates"] = len(updates)


def _metrics(ctx: _Context, objectives: list[Objective], rounds: list[UpdateRound]) -> None:
    """Three metrics per objective, each with a value as at the end of every accepted round's
    period; the first compared with a baseline, the rest with the value before."""
    rng = ctx.rng
    metrics, shapes = [], []
    for objective in objectives:
        for index in range(METRICS_PER_OBJECTIVE):
            name, unit, direction, typical, step = METRICS[(int(objective.number.split(".")[1]) + index) % len(METRICS)]
            metrics.append(
                Metric(
                    plan=objective.plan,
                    objective=objective,
                    name=name,
                    unit=unit,
                    direction=direction,
                    source="Force performance data",
                )
            )
            shapes.append((unit, typical, step))
    _bulk(Metric, metrics)
    accepted: dict[int, list[UpdateRound]] = {}
    for update_round in rounds:
        if update_round.status == UpdateRoundStatus.ACCEPTED:
            accepted.setdefault(update_round.plan_id, []).append(update_round)
    values = []
    for metric, (unit, typical, step) in zip(metrics, shapes, strict=True):
        value = Decimal(typical + rng.randint(-step, step))
        baseline = value
        for number, update_round in enumerate(sorted(accepted[metric.plan_id], key=lambda r: r.period_start)):
            value = max(Decimal(0), value + Decimal(rng.randint(-step * 10, step * 10)) / 10)
            if unit == MetricUnit.PERCENT:
                value = min(Decimal(100), value)
            if unit == MetricUnit.COUNT:
                value = value.to_integral_value()
            values.append(
                MetricValue(
                    metric=metric,
                    as_at=update_round.period_end,
                    value=value,
                    comparison_value=baseline if number == 0 else None,
                    comparison_as_at=update_round.period_start - datetime.timedelta(days=1) if number == 0 else None,
                    comparison_kind="baseline" if number == 0 else "earlier",
                    update_round=update_round,
                )
            )
    _bulk(MetricValue, values)
    ctx.counts.update(metrics=len(metrics), metric_values=len(values))


def _compliance(ctx: _Context, police: dict[str, Organisation]) -> None:
    rng = ctx.rng
    measures = list(ComplianceMeasure.objects.order_by("-edition__in_force_from", "position", "key"))
    if measures:
        edition = measures[0].edition_id
        measures = [measure for measure in measures if measure.edition_id == edition][: len(COMPLIANCE_RATES)]
    if not measures:
        ctx.out("    no Victims' Code compliance measures in the database: no compliance figures written")
        ctx.counts["compliance_figures"] = 0
        return
    figures = []
    for force in ctx.forces:
        body = police[force.code]
        victims = 400 * force.weight
        for position, measure in enumerate(measures):
            typical, spread = COMPLIANCE_RATES[position]
            for quarter in _quarters():
                denominator = max(1, victims + rng.randint(-victims // 5, victims // 5))
                share = min(100, max(0, typical + rng.randint(-spread, spread)))
                figures.append(
                    ComplianceFigure(
                        body=body,
                        measure=measure,
                        fy=quarter.fy.start_year,
                        quarter=quarter.number,
                        numerator=denominator * share // 100,
                        denominator=denominator,
                    )
                )
    _bulk(ComplianceFigure, figures)
    ctx.counts["compliance_figures"] = len(figures)


def seed_delivery(ctx: _Context) -> None:
    """Delivery plans with their update cycle, and compliance figures (see the module)."""
    police = _police(ctx)
    plans = _plans(ctx, police)
    objectives, activities = _trees(ctx, plans)
    rounds = _rounds(ctx, plans)
    _updates(ctx, rounds, activities)
    _metrics(ctx, objectives, rounds)
    _compliance(ctx, police)
