"""A plan's publication, declared as data::

    draft ──publish──> published ──unpublish──> draft
      └───────archive───────┴──> archived

Only a published plan is shown on the public /plans/ pages. Publishing stamps the day it was
published and, the first time, records the plan as version 1 (``delivery.plans.publication``).
An archived plan is read-only and stays archived."""

from __future__ import annotations

from pcc_commissioning.transitions import Guard, Machine, Move, Transition

from ..models import DeliveryPlan, PlanStatus

S = PlanStatus


def _wrong_state(plan: DeliveryPlan, name: str) -> str:
    done = {"publish": "published", "unpublish": "taken back to draft", "archive": "archived"}.get(name, name)
    return f"Plan {plan.reference} is {plan.get_status_display().lower()}: it cannot be {done} now."


def _has_objectives(move: Move) -> str | None:
    if not move.obj.objectives.exists():
        return f"Plan {move.obj.reference} has no objectives yet: add them before publishing it."
    return None


PLAN_MACHINE = Machine(
    name="delivery_plan",
    states=tuple(S.values),
    wrong_state=_wrong_state,
    transitions=(
        Transition(
            "publish",
            frozenset({S.DRAFT}),
            S.PUBLISHED,
            "Publish the plan",
            capability="delivery.edit",
            guards=(Guard(_has_objectives),),
        ),
        Transition(
            "unpublish",
            frozenset({S.PUBLISHED}),
            S.DRAFT,
            "Take the plan back to draft",
            capability="delivery.edit",
            warning=True,
        ),
        Transition(
            "archive",
            frozenset({S.DRAFT, S.PUBLISHED}),
            S.ARCHIVED,
            "Archive the plan",
            capability="delivery.edit",
            warning=True,
        ),
    ),
)
