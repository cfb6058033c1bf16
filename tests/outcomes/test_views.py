import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pcc_commissioning.roles import Role
from tests.factories import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ["outcomes:plan", "outcomes:code_lists"]


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("client_fixture", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_can_read_the_plan_pages(request, page, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert response.context["section"] == "outcomes"


@pytest.mark.parametrize("page", PAGES)
def test_provider_users_are_refused(login_as, page):
    provider_user = UserFactory(role=Role.PROVIDER)
    assert login_as(provider_user).get(reverse(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_users_are_sent_to_log_in(client, page):
    response = client.get(reverse(page))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_plan_page_shows_outcomes_then_their_kpqs_in_order(officer_client):
    second = PlanOutcomeFactory(number=2, title="Victims and the vulnerable feel supported")
    first = PlanOutcomeFactory(number=1, title="Communities are safe and crime is reduced")
    KPQFactory(number=4, outcome=second, question="How well are vulnerable people supported?")
    KPQFactory(number=3, outcome=second, question="How well are victims supported?")
    KPQFactory(number=1, outcome=first, question="How safe are our communities?")
    CommissioningPriorityFactory(code="V", name="Victims services")

    text = _text(officer_client.get(reverse("outcomes:plan")))
    order = [
        "Communities are safe and crime is reduced",
        "KPQ1 How safe are our communities?",
        "Victims and the vulnerable feel supported",
        "KPQ3 How well are victims supported?",
        "KPQ4 How well are vulnerable people supported?",
        "Commissioning priorities",
    ]
    positions = [text.find(phrase) for phrase in order]
    assert -1 not in positions, dict(zip(order, positions, strict=False))
    assert positions == sorted(positions)
    assert "V Victims services" in text


def test_plan_page_links_to_the_code_lists_and_tables_have_captions(officer_client):
    CommissioningPriorityFactory()
    content = officer_client.get(reverse("outcomes:plan")).content.decode()
    assert f'href="{reverse("outcomes:code_lists")}"' in content
    assert content.count("<table") == content.count("<caption")


def _plan(outcomes: int) -> None:
    for number in range(1, outcomes + 1):
        outcome = PlanOutcomeFactory(number=number)
        KPQFactory(number=number * 2 - 1, outcome=outcome)
        KPQFactory(number=number * 2, outcome=outcome)
        CommissioningPriorityFactory()


def test_plan_page_query_count_is_flat(officer_client, django_assert_max_num_queries):
    _plan(2)
    officer_client.get(reverse("outcomes:plan"))  # warm the session and role caches
    with CaptureQueriesContext(connection) as small:
        officer_client.get(reverse("outcomes:plan"))
    _plan(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = officer_client.get(reverse("outcomes:plan"))
    assert len(response.context["outcomes"]) == 8


def test_code_lists_page_query_count_is_flat(officer_client, django_assert_max_num_queries):
    CodeListEntryFactory.create_batch(2, valid_from_fy=2019)
    with CaptureQueriesContext(connection) as small:
        officer_client.get(reverse("outcomes:code_lists"), {"fy": 2019})
    CodeListEntryFactory.create_batch(30, valid_from_fy=2019)
    with django_assert_max_num_queries(len(small.captured_queries)):
        officer_client.get(reverse("outcomes:code_lists"), {"fy": 2019})


def test_code_lists_page_shows_every_list_with_years(officer_client):
    CodeListEntryFactory(list="crime", code="stalking", label="Stalking", valid_from_fy=2019, valid_to_fy=2020)
    response = officer_client.get(reverse("outcomes:code_lists"))
    content = response.content.decode()
    text = _text(response)
    assert content.count("<caption") == 7
    assert "stalking Stalking" in text
    assert "2019/20 2020/21" in text
    assert "asb Anti-social behaviour" in text
    assert " open open " in text  # seeded entries are open-ended


def test_code_lists_page_filters_by_financial_year(officer_client):
    CodeListEntryFactory(list="crime", code="stalking", label="Stalking", valid_from_fy=2019, valid_to_fy=2020)
    url = reverse("outcomes:code_lists")
    assert "Stalking" in _text(officer_client.get(url, {"fy": "2020"}))
    later = officer_client.get(url, {"fy": "2021"})
    assert "Stalking" not in _text(later)
    assert "Anti-social behaviour" in _text(later)
    assert later.context["fy"] == 2021


def test_code_lists_page_reports_a_bad_year_and_shows_everything(officer_client):
    CodeListEntryFactory(code="stalking", label="Stalking", valid_from_fy=2019, valid_to_fy=2020)
    response = officer_client.get(reverse("outcomes:code_lists"), {"fy": "next year"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert "Stalking" in content


def test_code_lists_page_accepts_a_year_outside_the_usual_range(officer_client):
    CodeListEntryFactory(code="old_code", label="Old code", valid_from_fy=2001)
    response = officer_client.get(reverse("outcomes:code_lists"), {"fy": "2003"})
    assert response.context["fy"] == 2003
    assert "Old code" in _text(response)
    assert '<option value="2003" selected>2003/04</option>' in response.content.decode()


def test_code_lists_page_offers_the_registers_years_before_the_last_six(officer_client, time_machine):
    """The demo's 2019/20 portfolio seen in 2026/27: 2019/20 is offered (it was not: the choice
    started six years back, at 2020/21), and so is every year up to 2027/28."""
    import datetime

    from tests.factories import FundingLineFactory

    time_machine.move_to(datetime.datetime(2026, 12, 6, 10, 0))
    FundingLineFactory(fy=2019)
    response = officer_client.get(reverse("outcomes:code_lists"))
    values = re.findall(r'<option value="(\d+)"', response.content.decode())
    assert values == [str(year) for year in range(2027, 2018, -1)]
    chosen = officer_client.get(reverse("outcomes:code_lists"), {"fy": "2019"})
    assert '<option value="2019" selected>2019/20</option>' in chosen.content.decode()
