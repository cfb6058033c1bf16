"""The header's search box and its results page (reports/search/selectors.py, reports/search/views.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardStatus
from needs_assessment.models import IntentionRank
from reports.search import selectors as search_selectors
from tests.factories import (
    AwardFactory,
    CommissioningIntentionFactory,
    DecisionFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = "/search/"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _search(client, q):
    response = client.get(reverse("search:index"), {"q": q})
    assert response.status_code == 200
    return response


def _found(response) -> dict[str, list[str]]:
    """group key -> the records' names or references, as listed."""
    names = {}
    for group in response.context["results"].groups:
        names[group.key] = [
            getattr(record, "reference", None) or getattr(record, "name", None) or record.title
            for record in group.records
        ]
    return names


@pytest.fixture
def records(organisation):
    """``organisation`` is Harbour Support Services (the provider user's); another provider too."""
    organisation.charity_number = "1122334"
    organisation.company_number = "01234567"
    organisation.save()
    other = OrganisationFactory(name="Northern Harbour Trust", charity_number="5566778")
    decision = DecisionFactory(reference="PCC-2019-033", subject="Harbour victims' hub grant", signed=True)
    own = AwardFactory(
        reference="VS-HARB-01",
        title="Harbour victim care",
        provider=organisation,
        status=AwardStatus.ACTIVE,
        decision=decision,
    )
    own_planned = AwardFactory(
        reference="VS-HARB-02", title="Harbour outreach (planned)", provider=organisation, status=AwardStatus.PLANNED
    )
    theirs = AwardFactory(reference="RR-HARB-09", title="Harbour mentoring", provider=other, status=AwardStatus.ACTIVE)
    intention = CommissioningIntentionFactory(title="Harbour-side ISVA service", rank=IntentionRank.MUST)
    return {
        "own": own,
        "own_planned": own_planned,
        "theirs": theirs,
        "other": other,
        "decision": decision,
        "intention": intention,
    }


def test_the_url_is_search():
    assert reverse("search:index") == SEARCH


def test_the_header_has_one_labelled_search_box_that_works_without_javascript(officer_client, provider_client):
    html = _text(officer_client.get(reverse("providers:list")))
    assert html.count('id="header-search"') == 1
    assert f'<form method="get" action="{SEARCH}">' in html
    assert '<label class="govuk-label moj-search__label govuk-visually-hidden" for="header-search">' in html
    assert 'name="q" type="search"' in html
    assert 'id="header-search"' in _text(provider_client.get(reverse("portal:home")))


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(SEARCH, {"q": "harbour"})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("login")
    assert 'id="header-search"' not in _text(client.get(reverse("login")))


@pytest.mark.parametrize("client_fixture", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_find_every_kind_of_record_by_name_ignoring_capitals(request, records, client_fixture):
    response = _search(request.getfixturevalue(client_fixture), "hArBoUr")
    found = _found(response)
    assert found["providers"] == ["Harbour Support Services", "Northern Harbour Trust"]
    assert found["awards"] == ["RR-HARB-09", "VS-HARB-01", "VS-HARB-02"]
    assert found["decisions"] == ["PCC-2019-033"]
    assert found["intentions"] == ["Harbour-side ISVA service"]
    html = _text(response)
    assert reverse("grants:award_detail", args=[records["own"].pk]) in html
    assert reverse("providers:detail", args=[records["other"].pk]) in html
    assert reverse("grants:decision_detail", args=[records["decision"].pk]) in html
    assert reverse("needs_assessment:intention_detail", args=[records["intention"].pk]) in html
    assert "Providers (2)" in html and "Awards (3)" in html


@pytest.mark.parametrize(
    "q, group, expected",
    [
        ("1122334", "providers", ["Harbour Support Services"]),
        ("01234567", "providers", ["Harbour Support Services"]),
        ("vs-harb-01", "awards", ["VS-HARB-01"]),
        ("pcc-2019-033", "decisions", ["PCC-2019-033"]),
        ("isva service", "intentions", ["Harbour-side ISVA service"]),
    ],
)
def test_finds_by_reference_or_number(officer_client, records, q, group, expected):
    assert _found(_search(officer_client, q))[group] == expected


def test_a_provider_user_finds_only_their_own_organisations_awards(provider_client, records):
    response = _search(provider_client, "harbour")
    assert _found(response) == {"awards": ["VS-HARB-01"]}  # not the planned one, not another provider's
    html = _text(response)
    assert reverse("portal:award", args=[records["own"].pk]) in html
    # No internal-only links: no register, provider, decision or intention pages.
    for internal in (
        reverse("grants:award_detail", args=[records["own"].pk]),
        reverse("grants:index"),
        reverse("providers:list"),
        reverse("grants:decision_detail", args=[records["decision"].pk]),
        "Northern Harbour Trust",
        "PCC-2019-033",
        "Harbour-side ISVA service",
    ):
        assert internal not in html
    assert _found(_search(provider_client, "RR-HARB-09")) == {"awards": []}


def test_a_user_with_no_role_can_search_nothing(login_as, records):
    response = _search(login_as(UserFactory(username="nobody")), "harbour")
    assert response.context["results"].groups == []
    assert "no role that can search" in _text(response)


@pytest.mark.parametrize("q", ["", "   ", "\t\n"])
def test_an_empty_search_says_what_to_type(officer_client, records, q):
    response = _search(officer_client, q)
    assert response.context["results"].groups == []
    assert 'id="search-help"' in _text(response)


def test_no_query_at_all_says_what_to_type(officer_client):
    response = officer_client.get(SEARCH)
    assert response.status_code == 200
    assert 'id="search-help"' in _text(response)


@pytest.mark.parametrize("q", ["x" * 500, "harbour " * 70, "%_\\'\"<script>", "a\x00b", "—☃ 𝔘"])
def test_long_or_strange_searches_do_not_crash(officer_client, records, q):
    response = _search(officer_client, q)
    assert "<script>" not in response.content.decode().split('id="search-summary"', 1)[-1]
    text = response.context["results"].text
    assert len(text) <= search_selectors.MAX_LENGTH
    if len(q) > search_selectors.MAX_LENGTH:
        assert "only its first 200 characters were used" in _text(response)


def test_percent_and_underscore_are_searched_literally(officer_client, records):
    assert _search(officer_client, "%").context["results"].total == 0
    assert _search(officer_client, "_").context["results"].total == 0


def test_each_group_is_capped_with_a_count_and_a_link_to_the_full_list(officer_client):
    for index in range(search_selectors.GROUP_LIMIT + 5):
        OrganisationFactory(name=f"Lantern Trust {index:02d}")
        AwardFactory(reference=f"LAN-{index:03d}", title="Lantern project", status=AwardStatus.ACTIVE)
    response = _search(officer_client, "lantern")
    groups = {group.key: group for group in response.context["results"].groups}
    assert groups["providers"].count == 25 and len(groups["providers"].records) == 20
    assert groups["awards"].count == 25 and len(groups["awards"].records) == 20
    html = _text(response)
    assert f"{reverse('providers:list')}?q=lantern" in html
    # Search finds awards of every year, so the link asks the register for every year.
    assert f"{reverse('grants:index')}?fy=all&amp;q=lantern" in html
    assert "Showing the first 20 of 25." in html
    # The links give the same counts.
    listed = officer_client.get(reverse("grants:index"), {"fy": "all", "q": "lantern"})
    assert listed.context["page_obj"].paginator.count == 25


def _make(start: int, size: int) -> None:
    for index in range(start, start + size):
        organisation = OrganisationFactory(name=f"Beacon {index}")
        decision = DecisionFactory(reference=f"PCC-BEACON-{index}", subject=f"Beacon decision {index}")
        AwardFactory(
            reference=f"BEA-{index}",
            title="Beacon",
            provider=organisation,
            decision=decision,
            status=AwardStatus.ACTIVE,
        )
        CommissioningIntentionFactory(title=f"Beacon intention {index}")


def test_query_count_is_flat(officer_client, provider_client, organisation):
    counts = {}
    for size, grow in ((3, 3), (30, 27)):
        _make(size - grow, grow)
        AwardFactory.create_batch(grow, provider=organisation, title="Beacon", status=AwardStatus.ACTIVE)
        for name, client in (("officer", officer_client), ("provider", provider_client)):
            with CaptureQueriesContext(connection) as captured:
                response = _search(client, "beacon")
            counts[name, size] = len(captured)
        assert response.context["results"].total == size
    assert counts["officer", 3] == counts["officer", 30]
    assert counts["provider", 3] == counts["provider", 30]
