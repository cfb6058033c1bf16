"""The delivery_plan file both ways (delivery.plans.importers and delivery.plans.exporters)."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from delivery.models import Activity, DeliveryPlan, Objective, PlanPriority, PlanStatus
from pcc_commissioning.interchange.exports import ExportError, run_export
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from providers.models import OrganisationKind
from tests.factories import UserFactory
from tests.factories.delivery import ActivityFactory, DeliveryPlanFactory
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db

HEADER = [
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
]
CONFIDENCE = "Confidence"
CONFIDENCE_OUTCOME = "People trust the police to deal with what matters to them"
VICTIMS = "Victims"


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def good_rows():
    return [
        [CONFIDENCE, CONFIDENCE_OUTCOME, "Listen, act, report back", "1.1", "Raise confidence", "1.1.1",
         "Run ward surgeries", "Superintendent, Neighbourhoods", "Durham Constabulary", "2019-04-01", "2020-03-31"],
        [CONFIDENCE, CONFIDENCE_OUTCOME, "Listen, act, report back", "1.1", "Raise confidence", "1.1.2",
         "Publish ward results", "Head of Corporate Communications", "durham constabulary", "2019-06-01", ""],
        [CONFIDENCE, "", "", "1.2", "Cut repeat anti-social behaviour", "1.2.1",
         "Problem-solving plans for repeat locations", "Chief Inspector, ASB", "Durham County Council", "", ""],
        [VICTIMS, "Victims cope and recover", "", "2.1", "Keep victims informed", "2.1.1",
         "Contact within 24 hours", "Head of Victim Care", "", "2019-04-01", "2019-09-30"],
    ]  # fmt: skip


@pytest.fixture
def force():
    return OrganisationFactory(name="Durham Constabulary", kind=OrganisationKind.POLICE)


@pytest.fixture
def council():
    return OrganisationFactory(name="Durham County Council", kind=OrganisationKind.LOCAL_AUTHORITY)


def import_plan(rows, *, plan="FDP-2019", dry_run=False, header=HEADER, **options):
    return run_import(
        "delivery_plan",
        csv_bytes(rows, header),
        filename="plan.csv",
        dry_run=dry_run,
        options={"plan": plan, **options},
    )


def new_plan_options():
    return {"title": "Force Delivery Plan 2019/20", "owner": "Durham Constabulary", "fy": "2019/20"}


def errors_of(rows, **options) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        import_plan(rows, **options)
    return [str(error) for error in failure.value.errors]


def export_text(reference: str) -> str:
    buffer = io.BytesIO()
    run_export("delivery_plan", format="csv", output=buffer, options={"plan": reference})
    return buffer.getvalue().decode()


def tree(plan: DeliveryPlan):
    return [
        (
            a.objective.plan_priority.title,
            a.objective.number,
            a.objective.title,
            a.number,
            a.title,
            a.lead,
            a.lead_organisation.name if a.lead_organisation else None,
            a.start_date,
            a.end_date,
        )
        for a in Activity.objects.filter(plan=plan).select_related("objective__plan_priority", "lead_organisation")
    ]


# A good file -------------------------------------------------------------------------------------


def test_a_new_plan_is_created_with_its_tree(force, council):
    result = import_plan(good_rows(), **new_plan_options())
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    assert (plan.title, plan.owner, plan.fy, plan.status) == ("Force Delivery Plan 2019/20", force, 2019, "draft")
    assert (result.rows, result.created, result.updated, result.skipped) == (4, 4, 0, 0)
    confidence, victims = PlanPriority.objects.filter(plan=plan).order_by("position")
    assert (confidence.title, confidence.position, confidence.outcome, confidence.strategy) == (
        CONFIDENCE,
        1,
        CONFIDENCE_OUTCOME,
        "Listen, act, report back",
    )
    assert (victims.title, victims.position, victims.outcome, victims.strategy) == (
        VICTIMS,
        2,
        "Victims cope and recover",
        "",
    )
    assert tree(plan) == [
        (CONFIDENCE, "1.1", "Raise confidence", "1.1.1", "Run ward surgeries", "Superintendent, Neighbourhoods",
         "Durham Constabulary", datetime.date(2019, 4, 1), datetime.date(2020, 3, 31)),
        (CONFIDENCE, "1.1", "Raise confidence", "1.1.2", "Publish ward results", "Head of Corporate Communications",
         "Durham Constabulary", datetime.date(2019, 6, 1), None),
        (CONFIDENCE, "1.2", "Cut repeat anti-social behaviour", "1.2.1", "Problem-solving plans for repeat locations",
         "Chief Inspector, ASB", "Durham County Council", None, None),
        (VICTIMS, "2.1", "Keep victims informed", "2.1.1", "Contact within 24 hours", "Head of Victim Care", None,
         datetime.date(2019, 4, 1), datetime.date(2019, 9, 30)),
    ]  # fmt: skip


def test_an_existing_plan_is_updated_by_number_and_what_the_file_leaves_out_stays(force, council):
    import_plan(good_rows(), **new_plan_options())
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    rows = good_rows()[:2]
    rows[1][6] = "Publish ward results every quarter"  # 1.1.2's text changes
    rows.append([VICTIMS, "", "", "2.2", "Refer victims to support", "2.2.1", "Automatic referral", "", "", "", ""])
    result = import_plan(rows)  # no --title, --owner or --fy: the plan exists
    assert (result.created, result.updated, result.skipped) == (1, 1, 1)
    assert Activity.objects.get(plan=plan, number="1.1.2").title == "Publish ward results every quarter"
    # 1.2.1 and 2.1.1 are not in the file: left as they were.
    assert set(Activity.objects.filter(plan=plan).values_list("number", flat=True)) == {
        "1.1.1",
        "1.1.2",
        "1.2.1",
        "2.1.1",
        "2.2.1",
    }
    # The priority's outcome, blank on all its rows in this file, is kept as it was.
    assert PlanPriority.objects.get(plan=plan, title=VICTIMS).outcome == "Victims cope and recover"


def test_importing_the_same_file_again_changes_nothing(force, council):
    import_plan(good_rows(), **new_plan_options())
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    version = plan.version
    result = import_plan(good_rows())
    assert (result.created, result.updated, result.skipped) == (0, 0, 4)
    plan.refresh_from_db()
    assert plan.version == version


def test_title_owner_and_year_given_for_an_existing_plan_change_it(force, council):
    import_plan(good_rows(), **new_plan_options())
    import_plan(good_rows(), title="Force Delivery Plan 2019/20 (revised)", owner="Durham County Council", fy="2020")
    plan = DeliveryPlan.objects.get(reference="FDP-2019")
    assert (plan.title, plan.owner, plan.fy) == ("Force Delivery Plan 2019/20 (revised)", council, 2020)


def test_a_lead_that_is_an_active_users_email_or_full_name_becomes_the_lead_account(force, council):
    contributor = UserFactory(first_name="Pat", last_name="Lead", email="pat.lead@durham.police.example")
    UserFactory(first_name="Sam", last_name="Twin")
    UserFactory(first_name="Sam", last_name="Twin")
    UserFactory(first_name="Inactive", last_name="Person", is_active=False)
    rows = good_rows()
    rows[0][7] = "PAT.LEAD@durham.police.example"
    rows[1][7] = "pat lead"
    rows[2][7] = "Sam Twin"  # two accounts have this name: neither is chosen
    rows[3][7] = "Inactive Person"
    import_plan(rows, **new_plan_options())
    leads = dict(Activity.objects.values_list("number", "lead_user"))
    assert leads == {"1.1.1": contributor.pk, "1.1.2": contributor.pk, "1.2.1": None, "2.1.1": None}


def test_an_unchanged_lead_keeps_the_account_chosen_on_the_pages(force, council):
    import_plan(good_rows(), **new_plan_options())
    chosen = UserFactory(first_name="Chosen", last_name="Account")
    Activity.objects.filter(number="1.1.1").update(lead_user=chosen)
    import_plan(good_rows())
    assert Activity.objects.get(number="1.1.1").lead_user == chosen
    rows = good_rows()
    rows[0][7] = "Superintendent, Response"  # a new lead with no account
    import_plan(rows)
    assert Activity.objects.get(number="1.1.1").lead_user is None


def test_a_dry_run_checks_and_writes_nothing(force, council):
    result = import_plan(good_rows(), dry_run=True, **new_plan_options())
    assert (result.dry_run, result.created) == (True, 4)
    assert not DeliveryPlan.objects.exists()


def test_an_objective_or_priority_without_activities_has_a_row_of_its_own(force):
    rows = [
        [CONFIDENCE, "", "", "1.1", "Raise confidence", "", "", "", "", "", ""],
        [VICTIMS, "Victims cope", "", "", "", "", "", "", "", "", ""],
    ]
    result = import_plan(rows, **new_plan_options())
    assert result.created == 2
    plan = DeliveryPlan.objects.get()
    assert list(Objective.objects.filter(plan=plan).values_list("number", "plan_priority__title")) == [
        ("1.1", CONFIDENCE)
    ]
    assert list(plan.plan_priorities.values_list("title", flat=True)) == [CONFIDENCE, VICTIMS]
    assert not Activity.objects.exists()


# Bad rows ----------------------------------------------------------------------------------------


def test_an_unknown_lead_organisation_is_named(force, council):
    rows = good_rows()
    rows[2][8] = "Durham Fire and Rescue"
    assert errors_of(rows, **new_plan_options()) == [
        "Row 4, column lead_organisation: There is no organisation called “Durham Fire and Rescue” on the register: "
        "add it (or import it with providers) first."
    ]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("priority", "", "Row 2, column priority: A value is required: the priority the row comes under."),
        ("objective_number", "1", "Row 2, column objective_number: An objective's number looks like 1.2, not 1."),
        (
            "objective_number",
            "1.1.1",
            "Row 2, column objective_number: An objective's number looks like 1.2, not 1.1.1.",
        ),
        ("objective", "", "Row 2, column objective: A value is required: the text of objective 1.1."),
        ("activity_number", "1.1", "Row 2, column activity_number: An activity's number looks like 1.2.3, not 1.1."),
        (
            "activity_number",
            "1.3.1",
            "Row 2, column activity_number: Activity 1.3.1 does not belong to objective 1.1: its number must start 1.1.",
        ),
        ("activity", "", "Row 2, column activity: A value is required: the text of activity 1.1.1."),
        ("start_date", "01/04/2019", "Row 2, column start_date: '01/04/2019' is not a date in the form YYYY-MM-DD."),
        (
            "end_date",
            "2020-02-30",
            "Row 2, column end_date: '2020-02-30' is not a real date: check the day and the month.",
        ),
        (
            "end_date",
            "2019-03-31",
            "Row 2, column end_date: The end date (2019-03-31) is before the start date (2019-04-01).",
        ),
        ("lead", "x" * 201, "Row 2, column lead: The lead person must be 200 characters or fewer."),
    ],
)
def test_each_bad_cell_is_named_by_row_and_column(force, council, column, value, expected):
    rows = good_rows()
    rows[0][HEADER.index(column)] = value
    assert errors_of(rows, **new_plan_options()) == [expected]
    assert not DeliveryPlan.objects.exists()


def test_an_activity_needs_an_objective_and_a_row_without_one_has_no_lead(force):
    rows = [
        [CONFIDENCE, "", "", "", "", "1.1.1", "Run surgeries", "", "", "", ""],
        [CONFIDENCE, "", "", "1.1", "Raise confidence", "", "", "Superintendent", "", "2019-04-01", ""],
    ]
    assert errors_of(rows, **new_plan_options()) == [
        "Row 2, column objective_number: A value is required: the objective the activity comes under.",
        "Row 3, column lead: Only an activity has a lead and dates: this row has no activity.",
        "Row 3, column start_date: Only an activity has a lead and dates: this row has no activity.",
    ]


def test_an_objective_given_two_ways_names_both_rows(force, council):
    rows = good_rows()
    rows[1][:3] = [VICTIMS, "", ""]  # objective 1.1 under another priority
    rows[1][4] = "Raise public confidence"  # and with other words
    assert errors_of(rows, **new_plan_options()) == [
        "Row 3, column objective: Objective 1.1 reads differently in row 2 and row 3: "
        "give the same text on every row of the objective.",
        "Row 3, column priority: Objective 1.1 is under “Confidence” in row 2 and under “Victims” in row 3: "
        "an objective has one priority.",
    ]


def test_a_priority_given_two_outcomes_and_an_activity_given_twice_are_refused(force, council):
    rows = good_rows()
    rows[1][1] = "Another outcome"
    rows[3][5], rows[3][3], rows[3][0], rows[3][1], rows[3][4] = "1.1.1", "1.1", CONFIDENCE, "", "Raise confidence"
    assert errors_of(rows, **new_plan_options()) == [
        "Row 3, column outcome: Priority “Confidence” has a different outcome in row 2: "
        "give the same text on every row of the priority (or leave it blank after the first).",
        "Row 5, column activity_number: Activity 1.1.1 is also in row 2: give each activity one row.",
    ]


def test_a_missing_column_is_refused(force):
    header = HEADER[:-1]
    rows = [row[:-1] for row in good_rows()]
    assert errors_of(rows, header=header, **new_plan_options()) == [
        "Row 1, column end_date: This required column is missing."
    ]


def test_every_problem_is_listed_and_nothing_is_written(force, council):
    import_plan(good_rows(), **new_plan_options())
    plan = DeliveryPlan.objects.get()
    before = (plan.version, tree(plan))
    rows = good_rows()
    rows[0][6] = "Run ward surgeries every month"  # a good change...
    rows[2][8] = "Nobody Ltd"  # ...and a bad row
    rows[3][9] = "tomorrow"
    errors = errors_of(rows)
    assert [error.split(":")[0] for error in errors] == ["Row 4, column lead_organisation", "Row 5, column start_date"]
    plan.refresh_from_db()
    assert (plan.version, tree(plan)) == before


def test_a_services_refusal_undoes_the_whole_file(force, council):
    rows = good_rows()
    rows[3][0] = "P" * 301  # a priority's title is at most 300 characters: only the service knows
    assert errors_of(rows, **new_plan_options()) == [
        "Row 5, column priority: The title must be 300 characters or fewer."
    ]
    assert not DeliveryPlan.objects.exists()
    assert not PlanPriority.objects.exists()


# The plan's options -----------------------------------------------------------------------------


def test_a_new_plan_needs_its_title_owner_and_year(force):
    assert errors_of(good_rows()[:1], title="Force Delivery Plan 2019/20") == [
        "Row 1: There is no plan FDP-2019: give --title, --owner and --fy to create it (--owner is missing).",
        "Row 1: There is no plan FDP-2019: give --title, --owner and --fy to create it (--fy is missing).",
    ]
    assert not DeliveryPlan.objects.exists()


def test_the_owner_must_be_on_the_register_and_the_year_readable(force):
    assert errors_of(good_rows()[:1], title="Plan", owner="Durham Police", fy="nineteen") == [
        "Row 1: --owner: there is no organisation called “Durham Police” on the register.",
        "Row 1: --fy: 'nineteen' is not a financial year: write it like 2019/20 (or 2019, the year it starts).",
    ]
    assert errors_of(good_rows()[:1], title="Plan", owner="Durham Constabulary", fy="1066") == [
        "Row 1: --fy: '1066' is not a financial year this system accepts: it must start between 1990 and 2100."
    ]


def test_an_archived_plan_cannot_be_imported_into(force):
    DeliveryPlanFactory(reference="FDP-2019", owner=force, status=PlanStatus.ARCHIVED)
    assert errors_of(good_rows()[:1]) == ["Row 1: Plan FDP-2019 is archived: it cannot be changed."]


def test_the_plan_option_is_required(force):
    with pytest.raises(ImportFailed) as failure:
        run_import("delivery_plan", csv_bytes(good_rows()), filename="plan.csv")
    assert [str(e) for e in failure.value.errors] == ["Row 1: The delivery_plan import needs --plan."]


# Export and the round trip ----------------------------------------------------------------------


def test_the_export_is_the_import_format_and_a_round_trip_gives_back_the_plan(force, council):
    import_plan(good_rows(), **new_plan_options())
    ActivityFactory(  # a formula-looking text and an objective with no activity
        objective=Objective.objects.get(number="1.2"), number="1.2.2", title="=SUM(A1)", lead_organisation=None
    )
    Objective.objects.create(
        plan=DeliveryPlan.objects.get(),
        plan_priority=PlanPriority.objects.get(title=VICTIMS),
        number="2.10",
        title="Listen to victims",
        sort_key="0002.0010",
    )
    first = export_text("FDP-2019")
    lines = first.splitlines()
    assert lines[0] == ",".join(HEADER)
    assert lines[1] == (
        'Confidence,People trust the police to deal with what matters to them,"Listen, act, report back",'
        '1.1,Raise confidence,1.1.1,Run ward surgeries,"Superintendent, Neighbourhoods",Durham Constabulary,'
        "2019-04-01,2020-03-31"
    )
    assert "1.2.2,'=SUM(A1)," in lines[4]
    assert lines[-1].endswith("2.10,Listen to victims,,,,,,")  # after 2.1: numbers sort as read
    assert len(lines) == 7

    run_import(
        "delivery_plan",
        first.encode(),
        filename="again.csv",
        options={"plan": "FDP-2019-COPY", "title": "Copy", "owner": "Durham Constabulary", "fy": "2019"},
    )
    assert export_text("FDP-2019-COPY") == first
    assert Activity.objects.get(plan__reference="FDP-2019-COPY", number="1.2.2").title == "=SUM(A1)"


def test_exporting_an_unknown_plan_is_refused():
    with pytest.raises(ExportError, match="There is no delivery plan NOPE."):
        export_text("NOPE")


def test_the_commands_take_the_plan_options(force, council, tmp_path):
    source = tmp_path / "plan.csv"
    source.write_bytes(csv_bytes(good_rows()))
    out = io.StringIO()
    call_command(
        "import_data",
        "delivery_plan",
        str(source),
        plan="FDP-2019",
        title="Force Delivery Plan 2019/20",
        owner="durham constabulary",
        fy="2019",
        stdout=out,
    )
    assert out.getvalue().strip() == "Imported delivery_plan: 4 row(s) read, 4 created, 0 updated, 0 unchanged."
    target = tmp_path / "out.csv"
    call_command("export_data", "delivery_plan", plan="fdp-2019", output=str(target), stdout=io.StringIO())
    assert target.read_text().splitlines()[0] == ",".join(HEADER)
    with pytest.raises(CommandError, match="3 problem"):
        call_command(
            "import_data", "delivery_plan", str(source), plan="NEW", stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_an_xlsx_export_imports_back_the_same(force, council):
    import_plan(good_rows(), **new_plan_options())
    workbook = io.BytesIO()
    run_export("delivery_plan", format="xlsx", output=workbook, options={"plan": "FDP-2019"})
    result = run_import(
        "delivery_plan",
        workbook.getvalue(),
        filename="plan.xlsx",
        options={"plan": "FDP-XLSX", "title": "Copy", "owner": "Durham Constabulary", "fy": "2019"},
    )
    assert result.created == 4
    assert export_text("FDP-XLSX") == export_text("FDP-2019")


def test_an_objective_given_under_another_priority_moves_there(force, council):
    import_plan(good_rows(), **new_plan_options())
    rows = [[VICTIMS, "", "", "1.2", "Cut repeat anti-social behaviour", "", "", "", "", "", ""]]
    result = import_plan(rows)
    assert (result.created, result.updated, result.skipped) == (0, 1, 0)
    objective = Objective.objects.get(number="1.2")
    assert objective.plan_priority.title == VICTIMS
    assert list(objective.activities.values_list("number", flat=True)) == ["1.2.1"]
