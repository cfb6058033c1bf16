"""The ``delivery_plan`` export (docs/formats.md): a plan's tree in exactly the columns the
``delivery_plan`` import reads, so the file can be edited and imported back, or imported as
another plan, and give the same tree."""

from __future__ import annotations

from django.db.models import Prefetch

from pcc_commissioning.interchange.exports import ExportError, Sheet, exporter

from ..models import Activity, DeliveryPlan, Objective
from .importers import COLUMNS


def delivery_plan_rows(plan: DeliveryPlan) -> list[list]:
    """One row per activity, in the plan's order (priorities by position, then objectives and
    activities by number), repeating the priority and objective; an objective without
    activities gets a row of its own with the activity's columns blank, and so does a priority
    without objectives (with the objective's blank too), so nothing of the tree is lost."""
    priorities = plan.plan_priorities.order_by("position", "id").prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("sort_key")),
        Prefetch(
            "objectives__activities",
            queryset=Activity.objects.select_related("lead_organisation").order_by("sort_key"),
        ),
    )
    rows: list[list] = []
    for priority in priorities:
        head = [priority.title, priority.outcome, priority.strategy]
        objectives = list(priority.objectives.all())
        if not objectives:
            rows.append(head + [""] * (len(COLUMNS) - len(head)))
        for objective in objectives:
            activities = list(objective.activities.all())
            if not activities:
                rows.append(head + [objective.number, objective.title] + [""] * 6)
            for activity in activities:
                rows.append(
                    head
                    + [
                        objective.number,
                        objective.title,
                        activity.number,
                        activity.title,
                        activity.lead,
                        activity.lead_organisation.name if activity.lead_organisation_id else "",
                        activity.start_date,
                        activity.end_date,
                    ]
                )
    return rows


@exporter(
    "delivery_plan",
    capability="delivery.view",
    options=("plan",),
    description="A delivery plan's priorities, objectives and activities, one row per activity (the import's format).",
)
def export_delivery_plan(*, fy, plan: str) -> Sheet:
    found = DeliveryPlan.objects.filter(reference__iexact=plan).first()
    if found is None:
        raise ExportError(f"There is no delivery plan {plan}.")
    return Sheet(found.reference, COLUMNS, delivery_plan_rows(found))
