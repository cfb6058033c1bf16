"""The officers' pages of delivery plans: who may open what, the plan's page, adding and changing
the tree, a stale form, bad input, a metric's page and recording its values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery.models import (
    Activity,
    DeliveryPlan,
    Metric,
    MetricValue,
    Objective,
    PlanPriority,
    ProgressStatus,
    UpdateRoundStatus,
    UpdateState,
)
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories import KPQFactory, UserFactory
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
from tests.factories.providers import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """FDP-T: priority "Satisfaction" → objective 1.1 → activity 1.1.1 with a metric each on
    the objective and the activity, the objective's with one value."""
    plan = DeliveryPlanFactory(reference="FDP-T", title="Force Delivery Plan 2019/20")
    priority = PlanPriorityFactory(plan=plan, position=1, title="Satisfaction")
    objective = ObjectiveFactory(plan_priority=priority, number="1.1", title="Raise satisfaction")
    activity = ActivityFactory(objective=objective, number="1.1.1", title="Call victims back")
    metric = MetricFactory(objective=objective, name="Victim satisfaction")
    activity_metric = MetricFactory(objective=None, activity=activity, name="Call-backs made", unit="count")
    value = MetricValueFactory(metric=metric, as_at=datetime.date(2019, 9, 30), value=Decimal("56.7"))
    return {
        "plan": plan,
        "priority": priority,
        "objective": objective,
        "activity": activity,
        "metric": metric,
        "activity_metric": activity_metric,
        "value": value,
    }


def _client(role: Role | None) -> Client:
    client = Client()
    if role is not None:
        client.force_login(UserFactory(role=role))
    return client


# Who may open what ------------------------------------------------------------------------------


def _read_urls(t) -> list[str]:
    ref = t["plan"].reference
    return [
        reverse("delivery:plan_list"),
        reverse("delivery:plan", args=[ref]),
        reverse("delivery:metric", args=[ref, t["metric"].pk]),
    ]


def _edit_urls(t) -> list[str]:
    ref = t["plan"].reference
    priority, objective, activity, metric = t["priority"].pk, t["objective"].pk, t["activity"].pk, t["metric"].pk
    return [
        reverse("delivery:plan_create"),
        reverse("delivery:plan_edit", args=[ref]),
        reverse("delivery:priority_add", args=[ref]),
        reverse("delivery:priority_edit", args=[ref, priority]),
        reverse("delivery:priority_delete", args=[ref, priority]),
        reverse("delivery:objective_add", args=[ref]),
        reverse("delivery:objective_edit", args=[ref, objective]),
        reverse("delivery:objective_delete", args=[ref, objective]),
        reverse("delivery:objective_metric_add", args=[ref, objective]),
        reverse("delivery:activity_add", args=[ref]),
        reverse("delivery:activity_edit", args=[ref, activity]),
        reverse("delivery:activity_delete", args=[ref, activity]),
        reverse("delivery:activity_metric_add", args=[ref, activity]),
        reverse("delivery:metric_edit", args=[ref, metric]),
        reverse("delivery:metric_delete", args=[ref, metric]),
        reverse("delivery:metric_value_add", args=[ref, metric]),
        reverse("delivery:metric_value_delete", args=[ref, metric, t["value"].pk]),
    ]


def test_officers_open_every_page(tree):
    client = _client(Role.OFFICER)
    for url in _read_urls(tree) + _edit_urls(tree):
        # Recording a value is a form on the metric's page: its address sends a GET there.
        assert client.get(url, follow=True).status_code == 200, url


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_finance_and_board_read_but_cannot_edit(tree, role):
    client = _client(role)
    for url in _read_urls(tree):
        assert client.get(url).status_code == 200, url
    for url in _edit_urls(tree):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"version": tree["plan"].version, "title": "Changed"}).status_code == 403, url
    assert DeliveryPlan.objects.get().title == "Force Delivery Plan 2019/20"
    assert MetricValue.objects.count() == 1


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_other_roles_get_403_on_every_plan_page(tree, role):
    client = _client(role)
    for url in _read_urls(tree) + _edit_urls(tree):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"version": tree["plan"].version}).status_code == 403, url


def test_anonymous_users_are_sent_to_sign_in(tree):
    client = _client(None)
    for url in _read_urls(tree) + _edit_urls(tree):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_readers_see_no_edit_links(tree, role):
    page = _client(role).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert "Victim satisfaction" in page
    assert reverse("delivery:plan_edit", args=["FDP-T"]) not in page
    assert reverse("delivery:priority_add", args=["FDP-T"]) not in page
    assert "/edit/" not in page and "/delete/" not in page and "/new/" not in page
    listing = _client(role).get(reverse("delivery:plan_list")).content.decode()
    assert reverse("delivery:plan_create") not in listing


def test_officers_see_the_edit_links(tree):
    page = _client(Role.OFFICER).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert reverse("delivery:plan_edit", args=["FDP-T"]) in page
    assert reverse("delivery:activity_edit", args=["FDP-T", tree["activity"].pk]) in page
    assert reverse("delivery:plan_create") in _client(Role.OFFICER).get(reverse("delivery:plan_list")).content.decode()


# The list ----------------------------------------------------------------------------------------


def test_the_list_filters_by_year_owner_and_status():
    force, opcc = OrganisationFactory(name="Durham Constabulary"), OrganisationFactory(name="Durham OPCC")
    DeliveryPlanFactory(reference="FDP-2019", title="Force plan 2019", owner=force, fy=2019)
    DeliveryPlanFactory(reference="FDP-2020", title="Force plan 2020", owner=force, fy=2020, status="archived")
    DeliveryPlanFactory(reference="OPCC-2019", title="OPCC objectives 2019", owner=opcc, fy=2019)
    client = _client(Role.BOARD)

    def shown(**query):
        page = client.get(reverse("delivery:plan_list"), query).content.decode()
        return {ref for ref in ("FDP-2019", "FDP-2020", "OPCC-2019") if f"/delivery/{ref}/" in page}

    assert shown() == {"FDP-2019", "FDP-2020", "OPCC-2019"}
    assert shown(fy="2019") == {"FDP-2019", "OPCC-2019"}
    assert shown(owner=str(force.pk)) == {"FDP-2019", "FDP-2020"}
    assert shown(status="archived") == {"FDP-2020"}
    assert shown(fy="2019", owner=str(force.pk)) == {"FDP-2019"}
    assert shown(fy="not a year") == {"FDP-2019", "FDP-2020", "OPCC-2019"}  # an unreadable filter is ignored


def _plans(n: int) -> None:
    for _ in range(n):
        objective = ObjectiveFactory()
        ActivityFactory(objective=objective, number=f"{objective.number}.1")


def test_the_list_costs_the_same_queries_for_3_or_12_plans():
    client = _client(Role.OFFICER)
    url = reverse("delivery:plan_list")
    _plans(3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _plans(9)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_list_is_paginated():
    for n in range(27):
        DeliveryPlanFactory(reference=f"P-{n:02d}", title=f"Plan {n:02d}")
    client = _client(Role.OFFICER)
    first = client.get(reverse("delivery:plan_list")).content.decode()
    second = client.get(reverse("delivery:plan_list"), {"page": "2"}).content.decode()
    assert "27 plans" in first and "Plan 00" in first and "Plan 24" in first and "Plan 25" not in first
    assert "Plan 25" in second and "Plan 26" in second and "Plan 00" not in second


# The plan's page ---------------------------------------------------------------------------------


def test_the_plan_page_shows_the_tree_progress_and_metrics(tree):
    update_round = UpdateRoundFactory(plan=tree["plan"], status=UpdateRoundStatus.ACCEPTED)
    ProgressUpdateFactory(
        update_round=update_round, activity=tree["activity"], state=UpdateState.ACCEPTED, progress="some_slippage"
    )
    value = tree["value"]
    value.comparison_value = Decimal("53")
    value.save()
    page = _client(Role.BOARD).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert "Satisfaction" in page and "Objective 1.1" in page and "Activity 1.1.1" in page
    assert "Call victims back" in page and "Chief Inspector Jane Smith" in page
    # The activity's accepted status, and the objective's from it (it has no update of its own).
    assert page.count("Some slippage") == 2 and "from its activities" in page
    # 56.7 against 53, higher is better: up 3.7 points, improved.
    assert "56.7%" in page and "Up 3.7 percentage points: <strong>improved</strong>" in page
    assert "Call-backs made" in page and "No values yet" in page
    assert "{# publication" not in page


def _grow(plan, priorities: int) -> None:
    start = plan.plan_priorities.count() + 1
    for n in range(start, start + priorities):
        priority = PlanPriorityFactory(plan=plan, position=n)
        objective = ObjectiveFactory(plan_priority=priority, number=f"{n}.1")
        objective.kpqs.add(KPQFactory())
        activity = ActivityFactory(objective=objective, number=f"{n}.1.1", lead_user=UserFactory())
        metric = MetricFactory(objective=None, activity=activity, kpq=KPQFactory())
        MetricValueFactory(metric=metric)
        MetricValueFactory(metric=metric)
        MetricFactory(objective=objective)
        UpdateRoundFactory(plan=plan, period=f"{2000 + n}-H1", period_start=datetime.date(2000 + n, 4, 1))
    BoardMeetingFactory(update_round=plan.update_rounds.first())


def test_the_plan_page_costs_the_same_queries_as_the_tree_grows(tree):
    UpdateRoundFactory(plan=tree["plan"], status=UpdateRoundStatus.CONSIDERED)
    client = _client(Role.OFFICER)
    url = reverse("delivery:plan", args=["FDP-T"])
    _grow(tree["plan"], 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(tree["plan"], 6)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_officer_is_offered_the_publication_moves_the_versions_and_the_rounds(tree):
    plan = tree["plan"]
    update_round = UpdateRoundFactory(plan=plan, status=UpdateRoundStatus.ACCEPTED)
    ProgressUpdateFactory(
        update_round=update_round, activity=tree["activity"], state=UpdateState.ACCEPTED, progress="on_track"
    )
    page = _client(Role.OFFICER).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert "{#" not in page
    # A draft: publish or archive, never "take back to draft"; no public page yet.
    assert reverse("delivery:plan_publish", args=[plan.pk]) in page and "Publish the plan" in page
    assert reverse("delivery:plan_archive", args=[plan.pk]) in page
    assert reverse("delivery:plan_unpublish", args=[plan.pk]) not in page
    assert reverse("delivery:versions", args=[plan.pk]) in page
    assert reverse("plans_public:plan", args=["FDP-T"]) not in page
    # The round: its period as people read it, its status, 1 of 1 accepted, and a link.
    assert reverse("delivery:update_round", args=[update_round.pk]) in page
    assert "H1 2019/20" in page and "Accepted" in page and "1 of 1" in page
    assert reverse("delivery:update_round_open", args=["FDP-T"]) in page


def test_a_published_plan_links_to_its_public_page_and_can_be_taken_back(tree):
    plan = tree["plan"]
    DeliveryPlan.objects.filter(pk=plan.pk).update(status="published", published_on=datetime.date(2019, 5, 1))
    page = _client(Role.OFFICER).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert reverse("plans_public:plan", args=["FDP-T"]) in page
    assert reverse("delivery:plan_unpublish", args=[plan.pk]) in page
    assert reverse("delivery:plan_publish", args=[plan.pk]) not in page
    assert "No update round has been opened yet." in page


@pytest.mark.parametrize("role", [Role.BOARD, Role.FINANCE])
def test_board_and_finance_read_the_rounds_and_versions_without_buttons(tree, role):
    plan = tree["plan"]
    update_round = UpdateRoundFactory(plan=plan)
    page = _client(role).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert reverse("delivery:update_round", args=[update_round.pk]) in page
    assert reverse("delivery:versions", args=[plan.pk]) in page
    for name in ("plan_publish", "plan_archive", "plan_unpublish"):
        assert reverse(f"delivery:{name}", args=[plan.pk]) not in page
    assert reverse("delivery:update_round_open", args=["FDP-T"]) not in page


def test_the_list_links_to_compliance_contributors_and_meetings():
    page = _client(Role.BOARD).get(reverse("delivery:plan_list")).content.decode()
    for name in ("compliance", "contributors", "meetings"):
        assert reverse(f"delivery:{name}") in page


def test_an_unknown_plan_is_404():
    assert _client(Role.OFFICER).get(reverse("delivery:plan", args=["NOPE"])).status_code == 404


# Writing the plan --------------------------------------------------------------------------------


def _post(client, url, data):
    return client.post(url, data)


def test_an_officer_sets_up_a_plan_and_changes_it():
    owner = OrganisationFactory(name="Durham Constabulary")
    kpq = KPQFactory(number=3)
    client = _client(Role.OFFICER)
    data = {"title": "Force Delivery Plan 2019/20", "reference": "FDP-2019", "owner": owner.pk, "fy": "2019"}
    response = client.post(reverse("delivery:plan_create"), {**data, "kpqs": [kpq.pk]})
    assert response.status_code == 302 and response["Location"] == "/delivery/FDP-2019/"
    plan = DeliveryPlan.objects.get()
    assert (plan.title, plan.owner, plan.fy, plan.status, list(plan.kpqs.all())) == (
        "Force Delivery Plan 2019/20",
        owner,
        2019,
        "draft",
        [kpq],
    )
    response = client.post(
        reverse("delivery:plan_edit", args=["FDP-2019"]),
        {**data, "title": "Force Delivery Plan 2019 to 2020", "version": plan.version},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Force Delivery Plan 2019 to 2020" and list(plan.kpqs.all()) == []


def test_bad_input_names_the_field_and_changes_nothing():
    client = _client(Role.OFFICER)
    response = client.post(reverse("delivery:plan_create"), {"title": "", "reference": "X", "fy": "19"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "Title: This field is required." in page or "Title:" in page
    assert "Owner organisation:" in page
    assert not DeliveryPlan.objects.exists()


def test_a_tree_built_on_pages(tree):
    client = _client(Role.OFFICER)
    plan, ref = tree["plan"], "FDP-T"
    kpq = KPQFactory(number=7)
    lead = UserFactory(role=Role.PARTNER, first_name="Pat", last_name="Lead")

    def version():
        return DeliveryPlan.objects.get(pk=plan.pk).version

    response = client.post(
        reverse("delivery:priority_add", args=[ref]),
        {
            "title": "Reduce reoffending",
            "outcome": "Fewer victims",
            "strategy": "Work with partners",
            "version": version(),
        },
    )
    assert response.status_code == 302
    priority = PlanPriority.objects.get(title="Reduce reoffending")
    assert priority.position == 2  # after the one the plan had

    response = client.post(
        reverse("delivery:objective_add", args=[ref]),
        {
            "plan_priority": priority.pk,
            "number": "2.1",
            "title": "Cut reoffending",
            "kpqs": [kpq.pk],
            "version": version(),
        },
    )
    assert response.status_code == 302
    objective = Objective.objects.get(number="2.1")
    assert list(objective.kpqs.all()) == [kpq]

    activity_data = {
        "objective": objective.pk,
        "number": "2.1.1",
        "title": "Mentoring",
        "lead": "Pat Lead",
        "lead_organisation": plan.owner.pk,
        "lead_user": lead.pk,
        "start_date_0": "1",
        "start_date_1": "4",
        "start_date_2": "2019",
        "end_date_0": "31",
        "end_date_1": "3",
        "end_date_2": "2020",
        "version": version(),
    }
    assert client.post(reverse("delivery:activity_add", args=[ref]), activity_data).status_code == 302
    activity = Activity.objects.get(number="2.1.1")
    assert (activity.lead_user, activity.start_date, activity.end_date) == (
        lead,
        datetime.date(2019, 4, 1),
        datetime.date(2020, 3, 31),
    )

    metric_data = {"name": "Proven reoffending", "unit": "percent", "direction": "higher_is_worse", "kpq": kpq.pk}
    response = client.post(
        reverse("delivery:activity_metric_add", args=[ref, activity.pk]), {**metric_data, "version": version()}
    )
    assert response.status_code == 302
    metric = Metric.objects.get(name="Proven reoffending")
    assert (metric.activity, metric.direction, metric.kpq) == (activity, "higher_is_worse", kpq)


def test_an_activity_lead_must_be_a_contributor_or_an_officer(tree):
    client = _client(Role.OFFICER)
    finance = UserFactory(role=Role.FINANCE)
    activity = tree["activity"]
    response = client.post(
        reverse("delivery:activity_edit", args=["FDP-T", activity.pk]),
        {
            "objective": tree["objective"].pk,
            "number": "1.1.1",
            "title": "Call victims back",
            "lead_user": finance.pk,
            "version": tree["plan"].version,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Lead&#x27;s account:" in page
    activity.refresh_from_db()
    assert activity.lead_user is None


def test_an_activity_ending_before_it_starts_is_refused_naming_the_date(tree):
    client = _client(Role.OFFICER)
    response = client.post(
        reverse("delivery:activity_edit", args=["FDP-T", tree["activity"].pk]),
        {
            "objective": tree["objective"].pk,
            "number": "1.1.1",
            "title": "Call victims back",
            "start_date_0": "1",
            "start_date_1": "4",
            "start_date_2": "2020",
            "end_date_0": "1",
            "end_date_1": "4",
            "end_date_2": "2019",
            "version": tree["plan"].version,
        },
    )
    assert "End date: The end date must be on or after the start date." in response.content.decode()
    assert Activity.objects.get().start_date == datetime.date(2019, 4, 1)


def test_a_stale_form_shows_the_stale_message_and_changes_nothing(tree):
    client = _client(Role.OFFICER)
    stale = tree["plan"].version
    data = {"objective": tree["objective"].pk, "number": "1.1.1", "title": "First change", "version": stale}
    assert client.post(reverse("delivery:activity_edit", args=["FDP-T", tree["activity"].pk]), data).status_code == 302
    # A second form opened before that change, on another row of the same plan.
    response = client.post(
        reverse("delivery:priority_edit", args=["FDP-T", tree["priority"].pk]),
        {"title": "Second change", "version": stale},
    )
    assert response.status_code == 200 and STALE_MESSAGE in response.content.decode()
    assert PlanPriority.objects.get().title == "Satisfaction"


def test_removing_rows_asks_first_and_refuses_a_priority_with_objectives(tree):
    client = _client(Role.OFFICER)
    ref = "FDP-T"
    page = client.get(reverse("delivery:priority_delete", args=[ref, tree["priority"].pk])).content.decode()
    assert "Remove the priority Satisfaction" in page
    response = client.post(
        reverse("delivery:priority_delete", args=[ref, tree["priority"].pk]), {"version": tree["plan"].version}
    )
    assert "Move or remove the priority&#x27;s objectives first." in response.content.decode()
    assert PlanPriority.objects.exists()

    def version():
        return DeliveryPlan.objects.get().version

    url = reverse("delivery:activity_delete", args=[ref, tree["activity"].pk])
    assert client.post(url, {"version": version()}).status_code == 302
    url = reverse("delivery:objective_delete", args=[ref, tree["objective"].pk])
    assert client.post(url, {"version": version()}).status_code == 302
    url = reverse("delivery:priority_delete", args=[ref, tree["priority"].pk])
    assert client.post(url, {"version": version()}).status_code == 302
    assert not PlanPriority.objects.exists() and not Metric.objects.exists()


def test_a_row_of_another_plan_is_404(tree):
    other = ObjectiveFactory()
    url = reverse("delivery:objective_edit", args=["FDP-T", other.pk])
    assert _client(Role.OFFICER).get(url).status_code == 404


# A metric's page ---------------------------------------------------------------------------------


def test_the_metric_page_shows_a_chart_with_its_data_and_each_change(tree):
    metric = tree["metric"]
    MetricValueFactory(
        metric=metric,
        as_at=datetime.date(2020, 3, 31),
        value=Decimal("52.5"),
        comparison_value=Decimal("56.7"),
        period_label="12 months to Mar 2020",
    )
    response = _client(Role.BOARD).get(reverse("delivery:metric", args=["FDP-T", metric.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page
    assert "Victim satisfaction over time: each value and how it compares" in page
    # 52.5 against 56.7, higher is better: down 4.2 points, worse.
    assert "52.5%" in page and "Down 4.2 percentage points: <strong>worse</strong>" in page
    assert "12 months to Mar 2020" in page and "No comparison" in page
    assert "Record a value" not in page  # board members only read


def test_an_officer_records_a_value(tree):
    metric = tree["metric"]
    client = _client(Role.OFFICER)
    data = {
        "as_at_0": "31",
        "as_at_1": "12",
        "as_at_2": "2019",
        "period_label": "12 months to Dec 2019",
        "value": "66.3",
        "comparison_value": "67.2",
        "comparison_as_at_0": "31",
        "comparison_as_at_1": "12",
        "comparison_as_at_2": "2018",
        "comparison_kind": "earlier",
    }
    response = client.post(reverse("delivery:metric_value_add", args=["FDP-T", metric.pk]), data)
    assert response.status_code == 302
    value = MetricValue.objects.get(metric=metric, as_at=datetime.date(2019, 12, 31))
    assert (value.value, value.comparison_value, value.comparison_as_at, value.recorded_by) == (
        Decimal("66.3"),
        Decimal("67.2"),
        datetime.date(2018, 12, 31),
        response.wsgi_request.user,
    )


def test_a_value_that_is_not_a_number_is_refused_naming_the_field(tree):
    metric = tree["metric"]
    data = {"as_at_0": "31", "as_at_1": "12", "as_at_2": "2019", "value": "lots", "comparison_kind": "earlier"}
    response = _client(Role.OFFICER).post(reverse("delivery:metric_value_add", args=["FDP-T", metric.pk]), data)
    page = response.content.decode()
    assert response.status_code == 200 and "Value: The value must be a number, not lots." in page
    assert MetricValue.objects.filter(metric=metric).count() == 1


def test_a_percentage_over_100_is_refused(tree):
    data = {"as_at_0": "31", "as_at_1": "12", "as_at_2": "2019", "value": "120", "comparison_kind": "earlier"}
    response = _client(Role.OFFICER).post(reverse("delivery:metric_value_add", args=["FDP-T", tree["metric"].pk]), data)
    assert "Value: A percentage is between 0 and 100." in response.content.decode()


def test_an_officer_removes_a_value(tree):
    url = reverse("delivery:metric_value_delete", args=["FDP-T", tree["metric"].pk, tree["value"].pk])
    client = _client(Role.OFFICER)
    assert "Remove the value as at 30 September 2019" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not MetricValue.objects.exists()


def test_an_objective_with_its_own_accepted_update_shows_it(tree):
    update_round = UpdateRoundFactory(plan=tree["plan"], status=UpdateRoundStatus.ACCEPTED)
    ProgressUpdateFactory(
        update_round=update_round, activity=tree["activity"], state=UpdateState.ACCEPTED, progress="complete"
    )
    ProgressUpdateFactory(
        update_round=update_round,
        activity=None,
        objective=tree["objective"],
        state=UpdateState.ACCEPTED,
        progress=ProgressStatus.OFF_TRACK,
    )
    page = _client(Role.OFFICER).get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert "Off track" in page and "Complete" in page and "from its activities" not in page


def test_adding_under_a_row_suggests_the_next_number_and_odd_queries_are_ignored(tree):
    client = _client(Role.OFFICER)
    ActivityFactory(objective=tree["objective"], number="1.1.9")
    page = client.get(reverse("delivery:activity_add", args=["FDP-T"]), {"objective": tree["objective"].pk})
    assert 'value="1.1.10"' in page.content.decode()
    page = client.get(reverse("delivery:objective_add", args=["FDP-T"]), {"priority": tree["priority"].pk})
    assert 'value="1.2"' in page.content.decode()
    for query in ({"objective": "abc"}, {"objective": "1e309"}, {"objective": "9" * 30}):
        assert client.get(reverse("delivery:activity_add", args=["FDP-T"]), query).status_code == 200
    assert client.get(reverse("delivery:objective_add", args=["FDP-T"]), {"priority": "-1"}).status_code == 200


def test_a_year_out_of_range_is_refused_naming_the_year():
    client = _client(Role.OFFICER)
    owner = OrganisationFactory()
    data = {"title": "Plan", "reference": "P-1", "owner": owner.pk, "fy": "99999999999999999999"}
    response = client.post(reverse("delivery:plan_create"), data)
    assert response.status_code == 200 and "Financial year:" in response.content.decode()
    assert not DeliveryPlan.objects.exists()


def test_an_archived_plan_offers_no_changes_and_refuses_them(tree):
    plan = tree["plan"]
    plan.status = "archived"
    plan.save()
    client = _client(Role.OFFICER)
    page = client.get(reverse("delivery:plan", args=["FDP-T"])).content.decode()
    assert "/edit/" not in page and "/delete/" not in page
    response = client.post(
        reverse("delivery:priority_edit", args=["FDP-T", tree["priority"].pk]),
        {"title": "Changed", "version": plan.version},
    )
    assert "Plan FDP-T is archived: it cannot be changed." in response.content.decode()
    assert PlanPriority.objects.get().title == "Satisfaction"
