"""A small published plan in the shape of Gwent's Force Delivery Plan 2013/14, for the public
page, the PDF and the command: two accepted update rounds (H1 and H2 2013/14), an open one,
metrics with and without a recorded comparison, one still being defined, and decisions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from delivery.models import (
    ComparisonKind,
    DeliveryPlan,
    Direction,
    PlanStatus,
    ProgressStatus,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
)
from grants.models import DecisionStatus
from tests.factories.delivery import (
    ActivityFactory,
    BoardMeetingFactory,
    DeliveryPlanFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
    ProgressUpdateFactory,
    UpdateRoundFactory,
)
from tests.factories.grants import DecisionFactory

D = datetime.date


@dataclass
class Built:
    plan: DeliveryPlan
    h1: UpdateRound
    h2: UpdateRound
    open_round: UpdateRound


def accepted(update_round, *, activity=None, objective=None, progress, narrative):
    return ProgressUpdateFactory(
        update_round=update_round,
        activity=activity,
        objective=objective,
        state=UpdateState.ACCEPTED,
        progress=progress,
        narrative=narrative,
    )


def build_plan(*, reference="FDP-2013", status=PlanStatus.PUBLISHED) -> Built:
    plan = DeliveryPlanFactory(
        reference=reference,
        title="Force Delivery Plan 2013/14",
        fy=2013,
        status=status,
        published_on=D(2013, 5, 1) if status != PlanStatus.DRAFT else None,
        summary="How Gwent Police will deliver the Police and Crime Plan.",
    )
    priority = PlanPriorityFactory(
        plan=plan,
        position=1,
        title="Public confidence",
        outcome="People of Gwent are satisfied that the police provide a service which meets their requirements.",
        strategy="Engage with communities and act on what matters to them.",
    )
    o11 = ObjectiveFactory(
        plan_priority=priority,
        number="1.1",
        title="Increase the proportion of people who are satisfied with the way the police deal with the "
        "things that matter to them",
    )
    o12 = ObjectiveFactory(plan_priority=priority, number="1.2", title="Keep victims informed")
    a111 = ActivityFactory(objective=o11, number="1.1.1", title="Hold PACT meetings in every ward", lead="Insp Ann Lee")
    a112 = ActivityFactory(objective=o11, number="1.1.2", title="Publish neighbourhood newsletters")
    a113 = ActivityFactory(objective=o11, number="1.1.3", title="Run street surgeries")
    a121 = ActivityFactory(objective=o12, number="1.2.1", title="Introduce a victim contact contract")

    confidence = MetricFactory(
        objective=o11, name="Police deal with community issues", unit="percent", direction=Direction.HIGHER_IS_BETTER
    )
    MetricValueFactory(metric=confidence, as_at=D(2012, 9, 30), value=Decimal("53"))
    MetricValueFactory(
        metric=confidence,
        as_at=D(2013, 9, 30),
        value=Decimal("56.7"),
        period_label="12 months to Sep 2013",
        comparison_value=Decimal("53"),
        comparison_as_at=D(2012, 9, 30),
        comparison_kind=ComparisonKind.EARLIER,
    )
    informed = MetricFactory(objective=o12, name="Victim satisfaction with being kept informed", unit="percent")
    MetricValueFactory(metric=informed, as_at=D(2012, 12, 31), value=Decimal("67.2"))
    MetricValueFactory(metric=informed, as_at=D(2013, 12, 31), value=Decimal("66.3"))
    MetricFactory(activity=a121, objective=None, name="Contacts made within the contract", being_defined=True)

    h1 = UpdateRoundFactory(
        plan=plan,
        period="2013-H1",
        period_start=D(2013, 4, 1),
        period_end=D(2013, 9, 30),
        deadline=D(2013, 10, 31),
        status=UpdateRoundStatus.CONSIDERED,
    )
    h2 = UpdateRoundFactory(
        plan=plan,
        period="2013-H2",
        period_start=D(2013, 10, 1),
        period_end=D(2014, 3, 31),
        deadline=D(2014, 4, 30),
        status=UpdateRoundStatus.ACCEPTED,
        summary="Most objectives are on track; victims' updates need attention.",
    )
    open_round = UpdateRoundFactory(
        plan=plan, period="2014-H1", period_start=D(2014, 4, 1), period_end=D(2014, 9, 30), deadline=D(2014, 10, 31)
    )
    accepted(h1, activity=a111, progress=ProgressStatus.NOT_STARTED, narrative="Meetings are being arranged.")
    accepted(h2, activity=a111, progress=ProgressStatus.ON_TRACK, narrative="Meetings held in every ward.")
    accepted(h2, activity=a112, progress=ProgressStatus.SOME_SLIPPAGE, narrative="Two newsletters were late.")
    ProgressUpdateFactory(
        update_round=h2,
        activity=a113,
        state=UpdateState.SUBMITTED,
        progress=ProgressStatus.COMPLETE,
        narrative="Submitted but not yet accepted text.",
    )
    accepted(h2, objective=o12, progress=ProgressStatus.OFF_TRACK, narrative="Fewer victims feel kept informed.")
    ProgressUpdateFactory(update_round=open_round, activity=a111, state=UpdateState.REQUESTED)
    BoardMeetingFactory(update_round=h1, held_on=D(2013, 11, 20))
    DecisionFactory(
        reference="PCCG-2014-033",
        subject="Force Delivery Plan: update monitored",
        status=DecisionStatus.PUBLISHED,
        decided_on=D(2014, 5, 20),
        published_on=D(2014, 5, 21),
        update_round=h2,
    )
    DecisionFactory(reference="PCCG-2014-040", subject="A draft decision not yet published", update_round=h2)
    return Built(plan=plan, h1=h1, h2=h2, open_round=open_round)
