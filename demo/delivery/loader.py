"""The demo's delivery plan: Durham Constabulary's Force Delivery Plan 2019/20, built around the
four outcomes of the Police, Crime and Victims' Plan and answering its KPQs.

``delivery_seed`` imports the plan's tree from ``force_delivery_plan.csv`` through the
``delivery_plan`` import (as an officer would from the command line), then, through the plan's
services, links it to the Plan's priorities and KPQs, makes the demo Partner contributor the
lead account of the activities a Force superintendent leads, and gives its objectives and activities
their metrics (with which way is better, where the figures come from and the KPQ each helps
answer; one is still being defined, so it has no values). The plan is left as a draft: nothing
is published here.

The progress updates and metric values of the year, ``plan_updates_2019_H1.csv`` (to 30
September 2019) and ``plan_updates_2019_H2.csv`` (to 31 March 2020), are loaded separately by
``delivery_seed_updates``, through the ``plan_updates`` import found by its kind name in the
import registry; where that import is not available, it says so in the log and loads nothing.

Both are idempotent: once the plan (or a period's update round) exists, it is left as it is."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from delivery.models import DeliveryPlan, Direction, MetricUnit, UpdateRound
from delivery.plans.services import activity_save, metric_save, objective_save, plan_priority_save, plan_update
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.interchange.imports import importers, run_import

from ..files import DEMO_DATA

logger = logging.getLogger(__name__)

PLAN_REFERENCE = "FDP-2019"
PLAN_TITLE = "Force Delivery Plan 2019/20"
PLAN_OWNER = "Durham Constabulary"
PLAN_FY = "2019"
PLAN_FILE = "force_delivery_plan.csv"
PLAN_SUMMARY = (
    "How Durham Constabulary and its partners will deliver the Police, Crime and Victims' Plan in "
    "2019/20: what each of the Plan's four outcomes needs from the Force, who leads each piece of "
    "work and how progress is measured. Progress is reported to the Commissioner every six months."
)
# (period, file) of each half-year's updates, in order.
UPDATE_FILES = (("2019-H1", "plan_updates_2019_H1.csv"), ("2019-H2", "plan_updates_2019_H2.csv"))

# The delivery plan's priorities and the commissioning priority each serves (none for confidence,
# which the commissioning budget does not fund).
COMMISSIONING_PRIORITIES = {
    "Safer communities": "Community safety and prevention",
    "Victims and vulnerable people": "Victims services",
    "Reducing re-offending": "Reducing reoffending",
}
# The demo's Partner contributor (``demo.users``) is the superintendent in the Force who leads
# these activities: the account asked for their updates, which is all it sees.
CONTRIBUTOR = "contributor"
CONTRIBUTOR_LEADS = ("1.3.1", "2.1.2", "4.1.1")
# The KPQs each objective helps answer.
OBJECTIVE_KPQS = {
    "1.1": (1,),
    "1.2": (2,),
    "1.3": (1, 2),
    "2.1": (3,),
    "2.2": (3, 4),
    "2.3": (4,),
    "3.1": (5, 6),
    "3.2": (5, 6),
    "4.1": (8,),
    "4.2": (7,),
}


@dataclass(frozen=True)
class DemoMetric:
    objective: str
    activity: str  # "" for a metric of the objective itself
    name: str
    unit: str
    direction: str
    source: str
    kpq: int
    being_defined: bool = False
    definition: str = ""


BETTER, WORSE = Direction.HIGHER_IS_BETTER, Direction.HIGHER_IS_WORSE
SURVEY = "Crime Survey for England and Wales"
# The names are those the update files give their values under.
METRICS = (
    DemoMetric(
        "1.1",
        "",
        "Anti-social behaviour incidents reported to the police (12 months)",
        MetricUnit.COUNT,
        WORSE,
        "Police recorded incidents",
        1,
    ),
    DemoMetric(
        "1.2", "", "Residential burglaries recorded (12 months)", MetricUnit.COUNT, WORSE, "Police recorded crime", 2
    ),
    DemoMetric(
        "2.1",
        "",
        "Victims satisfied with their whole experience",
        MetricUnit.PERCENT,
        BETTER,
        "Victim satisfaction survey",
        3,
    ),
    DemoMetric(
        "2.1",
        "2.1.1",
        "Victims referred within two working days",
        MetricUnit.PERCENT,
        BETTER,
        "Victim referral service monthly return",
        3,
    ),
    DemoMetric(
        "2.2",
        "",
        "Domestic abuse incidents with a completed risk assessment",
        MetricUnit.PERCENT,
        BETTER,
        "Force domestic abuse audit",
        4,
    ),
    DemoMetric(
        "2.3",
        "",
        "People in mental health crisis who avoided detention after street triage",
        MetricUnit.PERCENT,
        BETTER,
        "",
        4,
        being_defined=True,
        definition=(
            "Performance measures are being agreed with the NHS trust: the share of people seen by "
            "street triage who needed no detention under the Mental Health Act, and how quickly "
            "the others reached a health-based place of safety."
        ),
    ),
    DemoMetric(
        "2.3",
        "2.3.2",
        "People detained under section 136 held in police cells (12 months)",
        MetricUnit.COUNT,
        WORSE,
        "Force custody records",
        4,
    ),
    DemoMetric(
        "3.1",
        "",
        "Checkpoint contracts completed without re-offending",
        MetricUnit.PERCENT,
        BETTER,
        "Checkpoint programme records",
        5,
    ),
    DemoMetric(
        "3.2",
        "",
        "Offences per person in the offender management cohort (12 months)",
        MetricUnit.RATE,
        WORSE,
        "Integrated offender management cohort records",
        5,
    ),
    DemoMetric(
        "4.1",
        "",
        "People who agree the police deal with the issues that matter locally",
        MetricUnit.PERCENT,
        BETTER,
        SURVEY,
        8,
    ),
    DemoMetric("4.1", "", "People with confidence in their local police", MetricUnit.PERCENT, BETTER, SURVEY, 8),
    DemoMetric(
        "4.2",
        "",
        "Median days from charge to court outcome",
        MetricUnit.COUNT,
        WORSE,
        "Local Criminal Justice Board court data",
        7,
    ),
    DemoMetric(
        "4.2",
        "4.2.2",
        "Stop searches with a positive outcome",
        MetricUnit.PERCENT,
        BETTER,
        "Force stop and search records",
        7,
    ),
)


def delivery_seed(*, officer) -> int:
    """Import the Force's delivery plan and give it its links and metrics (see the module's
    docstring); the year's updates are loaded by ``delivery_seed_updates``. Returns how many
    records were created: 0 when the plan is already there."""
    if DeliveryPlan.objects.filter(reference__iexact=PLAN_REFERENCE).exists():
        return 0
    imported = run_import(
        "delivery_plan",
        (DEMO_DATA / PLAN_FILE).read_bytes(),
        filename=PLAN_FILE,
        actor=officer,
        options={"plan": PLAN_REFERENCE, "title": PLAN_TITLE, "owner": PLAN_OWNER, "fy": PLAN_FY},
    )
    plan = DeliveryPlan.objects.get(reference=PLAN_REFERENCE)
    # The demo is loaded alone in one transaction: nobody else can be editing the plan, so the
    # writes below need not carry its version.
    plan_update(
        actor=officer,
        plan=plan,
        expected_version=None,
        summary=PLAN_SUMMARY,
        priorities=CommissioningPriority.objects.filter(name__in=COMMISSIONING_PRIORITIES.values()),
        kpqs=KPQ.objects.all(),
    )
    commissioning = {priority.name: priority for priority in CommissioningPriority.objects.all()}
    for plan_priority in plan.plan_priorities.all():
        served = commissioning.get(COMMISSIONING_PRIORITIES.get(plan_priority.title, ""))
        if served is not None:
            plan_priority_save(
                actor=officer, plan=plan, expected_version=None, plan_priority=plan_priority, priority=served
            )
    kpqs = {kpq.number: kpq for kpq in KPQ.objects.all()}
    objectives = {objective.number: objective for objective in plan.objectives.all()}
    for number, answers in OBJECTIVE_KPQS.items():
        objective_save(
            actor=officer,
            plan=plan,
            expected_version=None,
            objective=objectives[number],
            kpqs=[kpqs[kpq] for kpq in answers if kpq in kpqs],
        )
    _leads_and_metrics(plan, officer=officer, objectives=objectives, kpqs=kpqs)
    return imported.created + 1 + len(METRICS)  # the plan itself, its rows and its metrics


def _leads_and_metrics(plan: DeliveryPlan, *, officer, objectives: dict, kpqs: dict) -> None:
    """The demo contributor's activities, and the plan's metrics with their direction."""
    activities = {activity.number: activity for activity in plan.activities.all()}
    contributor = get_user_model().objects.filter(username=CONTRIBUTOR, is_active=True).first()
    if contributor is not None:
        for number in CONTRIBUTOR_LEADS:
            activity_save(
                actor=officer, plan=plan, expected_version=None, activity=activities[number], lead_user=contributor
            )
    for metric in METRICS:
        metric_save(
            actor=officer,
            plan=plan,
            expected_version=None,
            objective=None if metric.activity else objectives[metric.objective],
            activity=activities[metric.activity] if metric.activity else None,
            name=metric.name,
            unit=metric.unit,
            direction=metric.direction,
            source=metric.source,
            kpq=kpqs.get(metric.kpq),
            being_defined=metric.being_defined,
            definition=metric.definition,
        )


def delivery_seed_updates() -> int:
    """Load each half-year's progress updates and metric values through the ``plan_updates``
    import, as the command line does (no user recorded); a period whose update round's
    updates are in is left as it is (the round may be opened beforehand, with its
    deadline, by ``demo.delivery.review``). Returns how many updates and values were written."""
    if "plan_updates" not in importers():
        logger.warning(
            "Demo: the plan_updates import is not available, so the delivery plan's 2019/20 updates "
            "(%s) were not loaded.",
            ", ".join(name for _period, name in UPDATE_FILES),
        )
        return 0
    plan = DeliveryPlan.objects.filter(reference__iexact=PLAN_REFERENCE).first()
    if plan is None:
        return 0
    written = 0
    for period, name in UPDATE_FILES:
        held = UpdateRound.objects.filter(plan=plan, period=period).first()
        # Loaded already: the round has moved on, or its leads' updates are in.
        if held is not None and (held.status != "open" or held.updates.exclude(state="requested").exists()):
            continue
        result = run_import(
            "plan_updates",
            (DEMO_DATA / name).read_bytes(),
            filename=name,
            actor=None,
            options={"plan": plan.reference, "period": period},
        )
        written += result.created + result.updated
    return written
