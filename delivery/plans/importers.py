"""The ``delivery_plan`` import (docs/formats.md): a delivery plan's tree from the spreadsheet a
force already keeps, one row per activity, the priority and objective repeated on each row.

``import_data delivery_plan FILE --plan REF [--title T --owner ORG --fy YYYY]``. A plan that does
not exist is created (then the title, owner and year are needed). Rows are matched to what the
plan holds by number (objectives, activities) and by title (priorities, ignoring capitals):
what matches is updated, what does not is added, and what the file does not mention is left as
it is. The whole file is checked before anything is written, and every write goes through the
plan's services, so the pages' rules hold for the file too."""

# long module: the file's rows are read, checked against each other (an objective's text and
# priority must agree on every row) and only then written, level by level, through the services.

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat

from pcc_commissioning.interchange.cells import parse_date
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer, row_savepoint
from pcc_commissioning.interchange.rows import Row
from pcc_commissioning.periods import parse_fy_input
from providers.models import Organisation

from ..models import (
    ACTIVITY_NUMBER,
    OBJECTIVE_NUMBER,
    Activity,
    DeliveryPlan,
    Objective,
    PlanPriority,
    PlanStatus,
)
from . import services

COLUMNS = (
    "priority",
    "outcome",
    "strategy",
    "objective_number",
    "objective",
    "activity_number",
    "activity",
    "lead",
    "lead_organisation",
    "start_date",
    "end_date",
)
# Errors about the command's options (not a cell) are reported against the header row.
OPTIONS_ROW = 1
ACTIVITY_ONLY = ("lead", "lead_organisation", "start_date", "end_date")
# The plan's fields as the command's options, for the services' errors about them.
PLAN_OPTIONS = {"reference": "plan", "title": "title", "owner": "owner", "fy": "fy"}

# The services' field names as the file's columns, for their errors.
PRIORITY_COLUMNS = {"title": "priority", "outcome": "outcome", "strategy": "strategy"}
OBJECTIVE_COLUMNS = {"number": "objective_number", "title": "objective", "plan_priority": "priority"}
ACTIVITY_COLUMNS = {
    "number": "activity_number",
    "title": "activity",
    "objective": "objective_number",
    "lead": "lead",
    "lead_user": "lead",
    "lead_organisation": "lead_organisation",
    "start_date": "start_date",
    "end_date": "end_date",
}


@dataclass
class _Line:
    """One row of the file, read and checked on its own."""

    row: Row
    priority: str
    outcome: str
    strategy: str
    objective_number: str
    objective: str
    activity_number: str
    activity: str
    lead: str
    lead_organisation: Organisation | None
    start_date: datetime.date | None
    end_date: datetime.date | None


@dataclass
class _Priority:
    title: str
    row: Row
    outcome: str = ""
    strategy: str = ""
    # The row each non-blank outcome and strategy was first given in (to name it on a clash).
    given_in: dict[str, Row] = field(default_factory=dict)


@dataclass
class _Objective:
    number: str
    title: str
    priority_key: str
    row: Row


def _matches(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), text) is not None


# Reading ---------------------------------------------------------------------------------------


def _organisations(rows) -> dict[str, Organisation]:
    """The organisations the file names, by lower-case name (one query)."""
    names = {row.get("lead_organisation").lower() for row in rows if row.get("lead_organisation")}
    if not names:
        return {}
    query = Q()
    for name in names:
        query |= Q(name__iexact=name)
    return {organisation.name.lower(): organisation for organisation in Organisation.objects.filter(query)}


def _read(row: Row, context: RowContext, organisations: dict[str, Organisation]) -> _Line | None:
    reader = RowReader(row, context)
    text = {column: reader.value(column) or "" for column in COLUMNS if column not in ("start_date", "end_date")}
    start = reader.value("start_date", parse_date)
    end = reader.value("end_date", parse_date)
    if not text["priority"]:
        reader.error("priority", "A value is required: the priority the row comes under.")
    _read_numbers(reader, text)
    organisation = None
    if text["lead_organisation"]:
        organisation = organisations.get(text["lead_organisation"].lower())
        if organisation is None:
            reader.error(
                "lead_organisation",
                f"There is no organisation called “{text['lead_organisation']}” on the register: "
                "add it (or import it with providers) first.",
            )
    if start is not None and end is not None and end < start:
        reader.error("end_date", f"The end date ({end.isoformat()}) is before the start date ({start.isoformat()}).")
    if not reader.ok:
        return None
    return _Line(
        row=row,
        priority=text["priority"],
        outcome=text["outcome"],
        strategy=text["strategy"],
        objective_number=text["objective_number"],
        objective=text["objective"],
        activity_number=text["activity_number"],
        activity=text["activity"],
        lead=text["lead"],
        lead_organisation=organisation,
        start_date=start,
        end_date=end,
    )


def _read_numbers(reader: RowReader, text: dict[str, str]) -> None:
    """The objective's and activity's numbers and texts: each number with its text, in the
    right form, the activity's number continuing its objective's."""
    too_long = False
    for column, model in (("objective_number", Objective), ("activity_number", Activity)):
        longest = model._meta.get_field("number").max_length
        if len(text[column]) > longest:
            reader.error(column, f"A number must be {longest} characters or fewer.")
            too_long = True
    if too_long:
        return  # the numbers are not checked further: that one problem is enough
    objective, activity = text["objective_number"], text["activity_number"]
    if objective and not _matches(OBJECTIVE_NUMBER, objective):
        reader.error("objective_number", f"An objective's number looks like 1.2, not {objective}.")
    if objective and not text["objective"]:
        reader.error("objective", f"A value is required: the text of objective {objective}.")
    if text["objective"] and not objective:
        reader.error("objective_number", "A value is required: the objective's number, such as 1.2.")
    if activity and not _matches(ACTIVITY_NUMBER, activity):
        reader.error("activity_number", f"An activity's number looks like 1.2.3, not {activity}.")
    elif activity and _matches(OBJECTIVE_NUMBER, objective) and activity.rsplit(".", 1)[0] != objective:
        reader.error(
            "activity_number",
            f"Activity {activity} does not belong to objective {objective}: its number must start {objective}.",
        )
    if activity and not text["activity"]:
        reader.error("activity", f"A value is required: the text of activity {activity}.")
    if text["activity"] and not activity:
        reader.error("activity_number", "A value is required: the activity's number, such as 1.2.3.")
    if (activity or text["activity"]) and not objective and not text["objective"]:
        reader.error("objective_number", "A value is required: the objective the activity comes under.")
    if not activity and not text["activity"]:
        for column in ACTIVITY_ONLY:
            if text.get(column) or reader.row.get(column):
                reader.error(column, "Only an activity has a lead and dates: this row has no activity.")


# Checking the rows against each other ----------------------------------------------------------


def _tree(lines: list[_Line], context: RowContext) -> tuple[dict[str, _Priority], dict[str, _Objective]]:
    """The priorities and objectives the file gives, in the order it first gives them. Every row
    of a priority or objective must agree with its first row; an activity is given once."""
    priorities: dict[str, _Priority] = {}
    objectives: dict[str, _Objective] = {}
    activities: dict[str, Row] = {}
    for line in lines:
        key = line.priority.lower()
        priority = priorities.setdefault(key, _Priority(title=line.priority, row=line.row))
        for column in ("outcome", "strategy"):
            _agree(priority, column, getattr(line, column), line.row, context)
        if line.objective_number:
            objective = objectives.setdefault(
                line.objective_number, _Objective(line.objective_number, line.objective, key, line.row)
            )
            _objective_agrees(objective, line, priorities, context)
        if line.activity_number:
            first = activities.setdefault(line.activity_number, line.row)
            if first is not line.row:
                context.add(
                    line.row,
                    "activity_number",
                    f"Activity {line.activity_number} is also in row {first.number}: give each activity one row.",
                )
    return priorities, objectives


def _agree(priority: _Priority, column: str, value: str, row: Row, context: RowContext) -> None:
    """A priority's outcome (or strategy) may be left blank on its later rows; given twice, it
    must be the same."""
    if not value:
        return
    held = getattr(priority, column)
    if not held:
        setattr(priority, column, value)
        priority.given_in[column] = row
    elif held != value:
        context.add(
            row,
            column,
            f"Priority “{priority.title}” has a different {column} in row {priority.given_in[column].number}: "
            "give the same text on every row of the priority (or leave it blank after the first).",
        )


def _objective_agrees(objective: _Objective, line: _Line, priorities: dict[str, _Priority], context) -> None:
    if line.row is objective.row:
        return
    first = objective.row.number
    if line.priority.lower() != objective.priority_key:
        context.add(
            line.row,
            "priority",
            f"Objective {objective.number} is under “{priorities[objective.priority_key].title}” in row {first} "
            f"and under “{line.priority}” in row {line.row.number}: an objective has one priority.",
        )
    if line.objective != objective.title:
        context.add(
            line.row,
            "objective",
            f"Objective {objective.number} reads differently in row {first} and row {line.row.number}: "
            "give the same text on every row of the objective.",
        )


# The plan and the command's options -------------------------------------------------------------


def _plan(context: RowContext) -> tuple[DeliveryPlan | None, dict[str, Any]]:
    """The plan named by ``--plan`` (None: to be created) and the details the options give it.
    Problems with the options are reported against row 1, naming the option."""
    options = context.options
    reference = options["plan"]
    plan = DeliveryPlan.objects.select_related("owner").filter(reference__iexact=reference).first()
    details: dict[str, Any] = {}
    if options.get("title"):
        details["title"] = options["title"]
    if options.get("owner"):
        owner = Organisation.objects.filter(name__iexact=options["owner"]).first()
        if owner is None:
            context.add(
                OPTIONS_ROW, "", f"--owner: there is no organisation called “{options['owner']}” on the register."
            )
        else:
            details["owner"] = owner
    if options.get("fy"):
        try:
            details["fy"] = parse_fy_input(options["fy"]).start_year
        except (TypeError, ValueError) as exc:
            context.add(OPTIONS_ROW, "", f"--fy: {exc}")
    if plan is not None and plan.status == PlanStatus.ARCHIVED:
        context.add(OPTIONS_ROW, "", services.READ_ONLY.format(reference=plan.reference))
    if plan is None:
        for name in ("title", "owner", "fy"):
            if not options.get(name):
                context.add(
                    OPTIONS_ROW,
                    "",
                    f"There is no plan {reference}: give --title, --owner and --fy to create it (--{name} is missing).",
                )
    return plan, details


# Writing -----------------------------------------------------------------------------------------


class _Writer:
    """Writes through the plan's services, carrying the plan's version from one write to the
    next, so a change made meanwhile on the pages stops the import instead of being overwritten."""

    def __init__(self, plan: DeliveryPlan, actor, context: RowContext):
        self.plan = plan
        self.version = plan.version
        self.actor = actor
        self.context = context

    def save(self, service, row: Row, columns: dict[str, str], **fields):
        saved = None
        with row_savepoint(row, self.context, columns):
            saved = service(actor=self.actor, plan=self.plan, expected_version=self.version, **fields)
            self.version += 1
        return saved


def _changed(instance, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        held = getattr(instance, f"{name}_id") if hasattr(instance, f"{name}_id") else getattr(instance, name)
        wanted = value.pk if hasattr(value, "pk") else value
        if held != wanted:
            return True
    return False


class _LeadAccounts:
    """The active account a lead's name stands for: the one user whose e-mail or full name is
    the name (ignoring capitals), else none."""

    def __init__(self):
        self.found: dict[str, Any] = {}

    def __call__(self, lead: str):
        key = lead.lower()
        if key not in self.found:
            users = list(
                get_user_model()
                .objects.filter(is_active=True)
                .annotate(full_name=Concat("first_name", Value(" "), "last_name"))
                .filter(Q(email__iexact=lead) | Q(full_name__iexact=lead))[:2]
            )
            self.found[key] = users[0] if len(users) == 1 else None
        return self.found[key]


def _lead_user(activity: Activity | None, lead: str, accounts: _LeadAccounts):
    """The file's lead names an account: that account. Otherwise an activity whose lead is
    unchanged keeps the account chosen for it on the pages; a new lead has none."""
    found = accounts(lead) if lead else None
    if found is not None:
        return found
    if activity is not None and activity.lead == lead and activity.lead_user_id and activity.lead_user.is_active:
        return activity.lead_user
    return None


def _count(result: ImportResult, created: bool, changed: bool) -> None:
    if created:
        result.created += 1
    elif changed:
        result.updated += 1
    else:
        result.skipped += 1


@dataclass
class _Written:
    """What the writing has done so far: the rows saved by key, and which file rows created or
    changed something (so a row's count says what the row did)."""

    writer: _Writer
    created_at: set[int] = field(default_factory=set)
    changed_at: set[int] = field(default_factory=set)
    priorities: dict[str, PlanPriority] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)

    def mark(self, row_number: int, *, created: bool) -> None:
        (self.created_at if created else self.changed_at).add(row_number)


def _write_priorities(plan: DeliveryPlan, priorities: dict[str, _Priority], written: _Written) -> None:
    held = {p.title.lower(): p for p in plan.plan_priorities.all()}
    # New priorities follow the plan's, in the file's order.
    position = max((p.position for p in held.values()), default=0)
    for key, wanted in priorities.items():
        existing = held.get(key)
        values = {"title": wanted.title, "outcome": wanted.outcome, "strategy": wanted.strategy}
        if existing is not None:
            # Blank on every row of the priority: as it is (blank means "as above" in the file).
            values = {name: value for name, value in values.items() if value}
        if existing is not None and not _changed(existing, values):
            written.priorities[key] = existing
            continue
        if existing is None:
            position += 1
        saved = written.writer.save(
            services.plan_priority_save,
            wanted.row,
            PRIORITY_COLUMNS,
            plan_priority=existing,
            **values,
            **({"position": position} if existing is None else {}),
        )
        if saved is not None:
            written.priorities[key] = saved
            written.mark(wanted.row.number, created=existing is None)


def _write_objectives(plan: DeliveryPlan, objectives: dict[str, _Objective], written: _Written) -> None:
    held = {o.number: o for o in plan.objectives.all()}
    for number, wanted in objectives.items():
        parent = written.priorities.get(wanted.priority_key)
        if parent is None:
            continue  # its priority was refused: already reported
        existing = held.get(number)
        values = {"plan_priority": parent, "number": number, "title": wanted.title}
        if existing is not None and not _changed(existing, values):
            written.objectives[number] = existing
            continue
        saved = written.writer.save(
            services.objective_save, wanted.row, OBJECTIVE_COLUMNS, objective=existing, **values
        )
        if saved is not None:
            written.objectives[number] = saved
            written.mark(wanted.row.number, created=existing is None)


def _write_activities(plan: DeliveryPlan, lines: list[_Line], written: _Written, result: ImportResult) -> None:
    held = {a.number: a for a in plan.activities.select_related("lead_user")}
    accounts = _LeadAccounts()
    for line in lines:
        number = line.row.number
        if not line.activity_number:
            _count(result, number in written.created_at, number in written.changed_at)
            continue
        parent = written.objectives.get(line.objective_number)
        if parent is None:
            continue  # its objective was refused: already reported
        existing = held.get(line.activity_number)
        values = {
            "objective": parent,
            "number": line.activity_number,
            "title": line.activity,
            "lead": line.lead,
            "lead_organisation": line.lead_organisation,
            "lead_user": _lead_user(existing, line.lead, accounts),
            "start_date": line.start_date,
            "end_date": line.end_date,
        }
        changed = existing is None or _changed(existing, values)
        if changed and (
            written.writer.save(services.activity_save, line.row, ACTIVITY_COLUMNS, activity=existing, **values) is None
        ):
            continue
        _count(result, existing is None or number in written.created_at, changed or number in written.changed_at)


def _write(
    plan: DeliveryPlan,
    lines: list[_Line],
    priorities: dict[str, _Priority],
    objectives: dict[str, _Objective],
    *,
    actor,
    context: RowContext,
    result: ImportResult,
) -> None:
    written = _Written(_Writer(plan, actor, context))
    _write_priorities(plan, priorities, written)
    _write_objectives(plan, objectives, written)
    _write_activities(plan, lines, written, result)


@importer(
    "delivery_plan",
    columns=COLUMNS,
    required=COLUMNS,
    capability="delivery.import",
    options=("plan",),
    optional_options=("title", "owner", "fy"),
    description="A delivery plan: its priorities, numbered objectives and activities, one row per activity.",
)
def import_delivery_plan(rows, *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult("delivery_plan")
    plan, details = _plan(context)
    organisations = _organisations(rows)
    lines = [line for line in (_read(row, context, organisations) for row in rows) if line is not None]
    priorities, objectives = _tree(lines, context)
    if context.errors:
        return result
    try:
        if plan is None:
            plan = services.plan_create(actor=actor, reference=context.options["plan"], **details)
        elif details and _changed(plan, details):
            plan = services.plan_update(actor=actor, plan=plan, expected_version=plan.version, **details)
    except ValidationError as exc:
        fields = exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        for name, messages in fields:
            option = PLAN_OPTIONS.get(name)
            for message in messages:
                context.add(OPTIONS_ROW, "", f"--{option}: {message}" if option else message)
        return result
    _write(plan, lines, priorities, objectives, actor=actor, context=context, result=result)
    return result
