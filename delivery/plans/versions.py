"""A plan's versions: the tree as plain data (``plan_snapshot``), what changed between two
snapshots (``versions_diff``, a pure function over the data) and recording a new version
(``plan_version_make``).

A snapshot keeps what a reader of the plan would notice changing: the plan's title, each
priority (title, outcome, strategy), objective (number, title, priority), activity (number,
title, lead, lead organisation, dates) and metric (name, unit, direction, source, whether it is
still being defined, its KPQ). Values of metrics are not part of a version: they are reported
in update rounds, not agreed by a board.

Rows are matched across two snapshots by what people call them: objectives and activities by
number, priorities by title (ignoring capitals), metrics by the number of the objective or
activity they measure and their name (ignoring capitals). A renumbered activity is therefore
one removed and one added, which is how a board reads it too."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from pcc_commissioning.periods import day_label
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.validation import clean_text

from ..models import BoardMeeting, DeliveryPlan, Direction, MetricUnit, PlanStatus, PlanVersion

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"

# The parts of a snapshot compared row by row, in the order the differences are listed, with
# the fields compared and how a reader names them.
PARTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("priorities", "priority", (("title", "title"), ("outcome", "outcome"), ("strategy", "strategy"))),
    ("objectives", "objective", (("title", "title"), ("priority", "priority"))),
    (
        "activities",
        "activity",
        (
            ("title", "title"),
            ("lead", "lead"),
            ("lead_organisation", "lead organisation"),
            ("start_date", "start date"),
            ("end_date", "end date"),
        ),
    ),
    (
        "metrics",
        "metric",
        (
            ("unit", "unit"),
            ("direction", "direction"),
            ("source", "source"),
            ("being_defined", "still being defined"),
            ("kpq", "KPQ"),
        ),
    ),
)
_CHOICE_LABELS = {"unit": dict(MetricUnit.choices), "direction": dict(Direction.choices)}


# The snapshot --------------------------------------------------------------------------------


def _date(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def plan_snapshot(plan: DeliveryPlan) -> dict[str, Any]:
    """The plan's tree as plain JSON-able data (dates as ISO strings), rows in the plan's order."""
    priorities = list(plan.plan_priorities.order_by("position", "id"))
    objectives = list(plan.objectives.select_related("plan_priority").order_by("sort_key"))
    activities = list(plan.activities.select_related("lead_organisation", "objective").order_by("sort_key"))
    metrics = list(plan.metrics.select_related("objective", "activity", "kpq"))
    metrics.sort(key=lambda metric: ((metric.activity or metric.objective).sort_key, metric.name.lower()))
    return {
        "title": plan.title,
        "priorities": [
            {"title": each.title, "outcome": each.outcome, "strategy": each.strategy} for each in priorities
        ],
        "objectives": [
            {"number": each.number, "title": each.title, "priority": each.plan_priority.title} for each in objectives
        ],
        "activities": [
            {
                "number": each.number,
                "title": each.title,
                "lead": each.lead,
                "lead_organisation": each.lead_organisation.name if each.lead_organisation else "",
                "start_date": _date(each.start_date),
                "end_date": _date(each.end_date),
            }
            for each in activities
        ],
        "metrics": [
            {
                "owner": (each.activity or each.objective).number,
                "name": each.name,
                "unit": each.unit,
                "direction": each.direction,
                "source": each.source,
                "being_defined": each.being_defined,
                "kpq": each.kpq.label if each.kpq else "",
            }
            for each in metrics
        ],
    }


# The differences -----------------------------------------------------------------------------


def _shown(field: str, value: Any) -> str:
    """A snapshot's value as a reader sees it."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in _CHOICE_LABELS:
        return _CHOICE_LABELS[field].get(value, str(value))
    if field.endswith("_date"):
        return day_label(datetime.date.fromisoformat(value))
    return str(value)


@dataclass(frozen=True)
class Difference:
    """One difference between two snapshots. ``kind``: ADDED, REMOVED or CHANGED; ``part``:
    "plan", "priority", "objective", "activity" or "metric"; ``key``: what the row is called
    (a number, a priority's title, "1.2: metric name"); ``title``: the row's title (for added
    and removed rows; blank for a metric, whose key names it); ``field`` and ``field_label``: the field that changed, with its
    ``old`` and ``new`` values (CHANGED only)."""

    kind: str
    part: str
    key: str
    title: str = ""
    field: str = ""
    field_label: str = ""
    old: Any = None
    new: Any = None

    @property
    def old_shown(self) -> str:
        return _shown(self.field, self.old)

    @property
    def new_shown(self) -> str:
        return _shown(self.field, self.new)

    @property
    def subject(self) -> str:
        """ "Activity 1.2.3", "Priority Satisfaction", "Metric 1.2: Satisfaction", "The plan"."""
        if self.part == "plan":
            return "The plan"
        return f"{self.part.capitalize()} {self.key}"

    @property
    def text(self) -> str:
        """One line, e.g. "Activity 1.2.3 lead: Ch Insp Smith → Supt Jones" or "Added activity
        2.1.4 Hold surgeries"."""
        if self.kind == CHANGED:
            return f"{self.subject} {self.field_label}: {self.old_shown} → {self.new_shown}"
        verb = "Added" if self.kind == ADDED else "Removed"
        described = f"{self.part} {self.key}"
        if self.title and self.title != self.key:
            described = f"{described} {self.title}"
        return f"{verb} {described}"

    def __str__(self) -> str:
        return self.text


def _key(part: str, row: dict[str, Any]) -> str:
    if part == "priority":
        return row["title"]
    if part == "metric":
        return f"{row['owner']}: {row['name']}"
    return row["number"]


def _match(part: str, key: str) -> str:
    """Priorities' titles and metrics' names are matched whatever their capitals (the plan
    cannot hold two that differ only so)."""
    return key.lower() if part in ("priority", "metric") else key


def _title(part: str, row: dict[str, Any]) -> str:
    """What an added or removed row is called beyond its key (a metric's key holds its name)."""
    return "" if part == "metric" else row["title"]


def _part_differences(
    part: str, fields: Iterable[tuple[str, str]], old_rows: list[dict], new_rows: list[dict]
) -> list[Difference]:
    old_by_key = {_match(part, _key(part, row)): row for row in old_rows}
    new_keys = {_match(part, _key(part, row)) for row in new_rows}
    differences: list[Difference] = []
    for row in new_rows:
        key = _key(part, row)
        before = old_by_key.get(_match(part, key))
        if before is None:
            differences.append(Difference(ADDED, part, key, title=_title(part, row)))
            continue
        for field, label in fields:
            if before.get(field) != row.get(field):
                differences.append(
                    Difference(
                        CHANGED, part, key, field=field, field_label=label, old=before.get(field), new=row.get(field)
                    )
                )
    for row in old_rows:
        key = _key(part, row)
        if _match(part, key) not in new_keys:
            differences.append(Difference(REMOVED, part, key, title=_title(part, row)))
    return differences


def versions_diff(old: dict[str, Any], new: dict[str, Any]) -> list[Difference]:
    """What changed from snapshot ``old`` to snapshot ``new``: the plan's title, then for
    priorities, objectives, activities and metrics in turn, the rows added and changed (in
    ``new``'s order, each changed field in turn) followed by the rows removed (in ``old``'s
    order). Nothing changed: an empty list. A part missing from a snapshot counts as empty."""
    differences: list[Difference] = []
    if old.get("title") != new.get("title"):
        differences.append(
            Difference(
                CHANGED, "plan", "", field="title", field_label="title", old=old.get("title"), new=new.get("title")
            )
        )
    for name, part, fields in PARTS:
        differences.extend(_part_differences(part, fields, old.get(name) or [], new.get(name) or []))
    return differences


# Recording a version -------------------------------------------------------------------------


@transaction.atomic
def plan_version_make(*, actor, plan: DeliveryPlan, meeting: BoardMeeting | None = None, note: str = "") -> PlanVersion:
    """Record the plan as it stands now as its next version (``plan.edition`` + 1), usually
    after the officer has made the amendments a board meeting agreed (``meeting``). A meeting
    makes one version at most, and only of the plan whose update it considered. An archived
    plan has no new versions. ``plan.edition`` is updated (in memory too)."""
    require_capability(actor, "delivery.edit")
    # The plan's row is locked (so two versions never take one number) but its ``version`` is
    # left alone: recording a version does not change the plan, so open edit forms stay good.
    locked = DeliveryPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == PlanStatus.ARCHIVED:
        raise ValidationError(f"Plan {locked.reference} is archived: it has no new versions.")
    if meeting is not None:
        if meeting.update_round.plan_id != locked.pk:
            raise ValidationError(
                {"meeting": [f"This meeting considered another plan's update, not {locked.reference}'s."]}
            )
        made = meeting.plan_versions.first()
        if made is not None:
            raise ValidationError(
                {"meeting": [f"This meeting's amendments are already version {made.number} of the plan."]}
            )
    version = PlanVersion.objects.create(
        plan=locked,
        number=locked.edition + 1,
        meeting=meeting,
        note=clean_text(note),
        snapshot=plan_snapshot(locked),
        made_by=actor,
    )
    locked.edition = version.number
    attribute_to(locked, actor)
    locked.save(update_fields=["edition"])
    plan.edition = version.number
    return version
