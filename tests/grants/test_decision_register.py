"""The decision register's search and filters (grants/decisions/filters.py, selectors.decision_list)
and its page: amounts, paging, query counts, who may see it."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.decisions import selectors
from grants.decisions.filters import DecisionFilter
from grants.models import DecisionStatus
from tests.factories import AwardFactory, DecisionFactory

pytestmark = pytest.mark.django_db
URL = reverse("grants:decision_list")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 6, 10, 0))


@pytest.fixture
def register():
    """Four decisions: one on each side of 1 April 2019 (2018/19 and 2019/20), one in 2021/22,
    a draft with no date."""
    return {
        "march": DecisionFactory(
            reference="PCC-2018-090",
            subject="Victims' hub extension",
            decided_on=datetime.date(2019, 3, 31),  # the last day of 2018/19
            status=DecisionStatus.PUBLISHED,
            published_on=datetime.date(2019, 4, 2),
            amount=Decimal("12500.50"),
        ),
        "april": DecisionFactory(
            reference="PCC-2019-001",
            subject="Domestic abuse refuge",
            summary="Funding for the Harbour refuge",
            decided_on=datetime.date(2019, 4, 1),  # the first day of 2019/20
            status=DecisionStatus.SIGNED,
            amount=Decimal("250000"),
        ),
        "later": DecisionFactory(
            reference="PCC-2021-007",
            subject="Youth diversion",
            decided_on=datetime.date(2021, 6, 15),
            status=DecisionStatus.SIGNED,
        ),
        "draft": DecisionFactory(reference="PCC-2026-001", subject="Harbour outreach", status=DecisionStatus.DRAFT),
    }


def _references(queryset) -> list[str]:
    return [decision.reference for decision in queryset]


def test_search_matches_reference_subject_and_summary_in_any_case(register):
    # "harbour" is in the summary of PCC-2019-001 and the subject of the draft.
    assert _references(selectors.decision_list(search="HARBOUR")) == ["PCC-2026-001", "PCC-2019-001"]
    assert _references(selectors.decision_list(search="2021-0")) == ["PCC-2021-007"]
    assert _references(selectors.decision_list(search="  ")) == [
        "PCC-2026-001",
        "PCC-2021-007",
        "PCC-2019-001",
        "PCC-2018-090",
    ]


def test_year_is_the_financial_year_decided_in(register):
    assert _references(selectors.decision_list(fy=2019)) == ["PCC-2019-001"]
    assert _references(selectors.decision_list(fy=2018)) == ["PCC-2018-090"]
    assert _references(selectors.decision_list(fy=2020)) == []


def test_status_and_combined_filters(register):
    assert _references(selectors.decision_list(status=DecisionStatus.SIGNED)) == ["PCC-2021-007", "PCC-2019-001"]
    assert _references(selectors.decision_list(status=DecisionStatus.SIGNED, fy=2021, search="youth")) == [
        "PCC-2021-007"
    ]


def test_years_span_the_decisions_and_today(register):
    # 2018/19 to 2021/22 from the decisions, 2026/27 as today's year; the years between are offered too.
    assert selectors.decision_years() == [2026, 2021, 2020, 2019, 2018]


def test_years_with_no_dated_decision_are_this_year_only(db):
    DecisionFactory(status=DecisionStatus.DRAFT)
    assert selectors.decision_years() == [2026]


def test_filter_ignores_a_year_not_offered_and_an_unknown_status(register):
    arguments = DecisionFilter({"fy": "1999", "status": "lost", "q": " refuge "}).selector_arguments()
    assert arguments == {"search": "refuge", "fy": None, "status": None}


def test_page_shows_amounts_and_counts_what_matches(officer_client, register):
    AwardFactory(decision=register["april"])
    AwardFactory(decision=register["april"])
    page = officer_client.get(URL, {"fy": "2019", "status": "signed"}).content.decode()
    assert "1 decision matches your filters" in page
    row = re.search(r"PCC-2019-001</a></td>(.*?)</tr>", page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[-2:] == ["£250,000.00", "2"]
    assert "PCC-2018-090" not in page and "Clear filters" in page


def test_page_says_when_an_amount_is_not_recorded(officer_client, register):
    page = officer_client.get(URL, {"q": "youth"}).content.decode()
    assert "Not recorded" in page and "£12,500.50" not in page
    assert "£12,500.50" in officer_client.get(URL, {"q": "PCC-2018"}).content.decode()


def test_bad_filters_give_the_register_with_a_message_not_an_error(officer_client, register):
    response = officer_client.get(URL, {"fy": "next year", "status": "lost", "page": "x"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice" in page
    assert "4 decisions" in page


def test_no_match_offers_to_clear(officer_client, register):
    page = officer_client.get(URL, {"q": "nothing like this"}).content.decode()
    assert "0 decisions match your filters" in page and "clear them" in page


def test_paged_25_to_a_page(officer_client):
    for number in range(27):
        DecisionFactory(reference=f"PCC-2019-{number:03d}", decided_on=datetime.date(2019, 5, 1))
    first = officer_client.get(URL).content.decode()
    second = officer_client.get(URL, {"page": "2"}).content.decode()
    # Newest reference first: 026 down to 002 on the first page, 001 and 000 on the second.
    assert "PCC-2019-026" in first and "PCC-2019-002" in first and "PCC-2019-001" not in first
    assert "PCC-2019-001" in second and "PCC-2019-000" in second and "PCC-2019-002" not in second
    assert "Showing 26 to 27 of 27" in second


def test_query_count_is_flat(officer, django_assert_max_num_queries):
    client = Client()
    client.force_login(officer)

    def add(count: int, start: int):
        for number in range(start, start + count):
            decision = DecisionFactory(
                reference=f"PCC-2020-{number:03d}", decided_on=datetime.date(2020, 5, 1), amount=Decimal("10")
            )
            AwardFactory(decision=decision)

    add(3, 0)
    url = URL + "?q=PCC&fy=2020&status=draft"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(40, 100)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_board_reads_without_the_add_button_and_providers_are_refused(board_client, provider_client, register):
    page = board_client.get(URL).content.decode()
    assert "PCC-2019-001" in page and "Add a decision" not in page
    assert provider_client.get(URL).status_code == 403
