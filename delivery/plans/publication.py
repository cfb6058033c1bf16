"""A plan's publication moves (``PLAN_MACHINE``): publish, take back to draft, archive. Each
carries the plan's ``version`` (``expected_version``), so a move made from a stale page changes
nothing. Writes need ``delivery.edit``; ``actor`` None is the system (the demo)."""

from __future__ import annotations

from django.db import transaction

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.transitions import Move, run

from ..models import DeliveryPlan
from .transitions import PLAN_MACHINE
from .versions import plan_version_make

FIRST_VERSION_NOTE = "The plan as first published."


def _move(plan: DeliveryPlan, name: str, *, actor, expected_version: int | None, apply=None, save=None):
    return run(
        PLAN_MACHINE,
        plan,
        name,
        actor=actor,
        lock=lambda plan: lock_for_update(plan, expected_version=expected_version),
        apply=apply,
        save=save,
    )


@transaction.atomic
def plan_publish(*, actor, plan: DeliveryPlan, expected_version: int | None) -> DeliveryPlan:
    """Publish a draft plan today. A plan never versioned before becomes version 1 as published."""

    def apply(move: Move) -> None:
        move.obj.published_on = clock.today()

    def save(move: Move) -> None:
        move.obj.save()
        if move.obj.edition == 0:
            plan_version_make(actor=actor, plan=move.obj, note=FIRST_VERSION_NOTE)

    return _move(plan, "publish", actor=actor, expected_version=expected_version, apply=apply, save=save)


@transaction.atomic
def plan_unpublish(*, actor, plan: DeliveryPlan, expected_version: int | None) -> DeliveryPlan:
    """Take a published plan back to draft: it leaves the public pages."""

    def apply(move: Move) -> None:
        move.obj.published_on = None

    return _move(plan, "unpublish", actor=actor, expected_version=expected_version, apply=apply)


@transaction.atomic
def plan_archive(*, actor, plan: DeliveryPlan, expected_version: int | None) -> DeliveryPlan:
    """Archive a draft or published plan: it becomes read-only and leaves the public pages (the
    day it was published is kept)."""
    return _move(plan, "archive", actor=actor, expected_version=expected_version)
