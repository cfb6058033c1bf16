"""The demo's year of scrutiny of the Force Delivery Plan 2019/20, as an OPCC would have run it,
so the delivery pages, the public page and the Panel report are never empty on a first run.

- The plan is published (version 1) before the year's first update.
- Each half-year's update round is opened with its real deadline (31 October 2019, 30 April
  2020) and no e-mails, then the leads' updates are loaded from the demo's files
  (``delivery_seed_updates``) and accepted, and the round accepted.
- The Strategy and Performance Board considered the first half's update on 20 November 2019: it
  asked for a clearer measure of repeat victims and moved one activity's end to the summer; the
  plan as amended is version 2, and the Commissioner's decision that the update was monitored
  was signed and published.
- The second half's update is accepted and waits for its board.

Idempotent: a round that is already open, accepted or considered is left as it is."""

from __future__ import annotations

import datetime

from delivery.models import BoardKind, DeliveryPlan, PlanStatus, UpdateRound, UpdateRoundStatus, UpdateState
from delivery.plans.publication import plan_publish
from delivery.plans.services import activity_save
from delivery.plans.versions import plan_version_make
from delivery.scrutiny.services import meeting_record
from delivery.updates.services import progress_update_accept, update_round_accept, update_round_open
from grants.decisions.services import (
    decision_prepare_for_update,
    decision_publish,
    decision_sign,
    decision_update,
)

# period -> the leads' deadline
DEADLINES = {"2019-H1": datetime.date(2019, 10, 31), "2019-H2": datetime.date(2020, 4, 30)}
BOARD_DAY = datetime.date(2019, 11, 20)
DECISION_DAY = datetime.date(2019, 11, 27)
AMENDED_ACTIVITY = "1.3.1"
AMENDED_END = datetime.date(2020, 8, 31)


def rounds_open(plan: DeliveryPlan, *, officer) -> int:
    """Open the year's update rounds not yet opened, with their deadlines (no e-mails: the
    demo's leads answer from its files)."""
    opened = 0
    for period, deadline in DEADLINES.items():
        if not UpdateRound.objects.filter(plan=plan, period=period).exists():
            update_round_open(actor=officer, plan=plan, period=period, deadline=deadline, notify=False)
            opened += 1
    return opened


def plan_publish_first(plan: DeliveryPlan, *, officer) -> int:
    if plan.status != PlanStatus.DRAFT:
        return 0
    plan_publish(actor=officer, plan=plan, expected_version=None)
    return 1


def rounds_accept(plan: DeliveryPlan, *, officer) -> int:
    """Accept every submitted update of the plan's open rounds, then the rounds."""
    accepted = 0
    for update_round in plan.update_rounds.filter(status=UpdateRoundStatus.OPEN):
        for update in update_round.updates.filter(state=UpdateState.SUBMITTED):
            progress_update_accept(actor=officer, update=update)
            accepted += 1
        update_round_accept(actor=officer, update_round=update_round)
        accepted += 1
    return accepted


def first_half_considered(plan: DeliveryPlan, *, officer) -> int:
    """The board's consideration of the first half's update, the plan's version 2 and the
    Commissioner's decision."""
    update_round = plan.update_rounds.filter(period="2019-H1", status=UpdateRoundStatus.ACCEPTED).first()
    if update_round is None:
        return 0
    meeting = meeting_record(
        actor=officer,
        update_round=update_round,
        board=BoardKind.STRATEGY_AND_PERFORMANCE,
        held_on=BOARD_DAY,
        attendees="Police, Crime and Victims' Commissioner (chair); Chief Constable; Deputy Chief Constable; "
        "Chief Executive and Treasurer of the OPCC",
        comments="The board welcomed the progress on neighbourhood problem solving and asked the Force to report "
        "repeat victimisation separately from all victims, and to say when the organised crime list will be "
        "complete across the force area.",
        amendments=f"Activity {AMENDED_ACTIVITY}: the single list of organised crime groups to be complete by the "
        "end of August 2020, not March, to take in the new regional intelligence system.",
    )
    activity = plan.activities.get(number=AMENDED_ACTIVITY)
    activity_save(actor=officer, plan=plan, expected_version=None, activity=activity, end_date=AMENDED_END)
    plan_version_make(
        actor=officer, plan=plan, meeting=meeting, note="As amended after the Strategy and Performance Board."
    )
    decision = decision_prepare_for_update(actor=officer, update_round=update_round)
    decision = decision_update(
        decision=decision, actor=officer, expected_version=None, declaration_of_interests="None."
    )
    decision_sign(decision=decision, actor=officer, decided_on=DECISION_DAY, require_amount=False)
    decision_publish(decision=decision, actor=officer, published_on=DECISION_DAY + datetime.timedelta(days=1))
    return 4  # the meeting, the version, the amended activity and the decision
