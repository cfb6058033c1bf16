"""Officers' monitoring pages: the returns inbox, a return's review (accept with a RAG rating or
return for changes), an award's KPIs and performance tab, and the portfolio RAG view."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grants.models import AwardKPI, AwardStatus, KPIPeriod, MonitoringReturn, Rag, ReturnStatus
from outcomes.models import CodeList, CountingDefinition, CountingTerm
from tests.submissions import assert_saved_once, post_twice

from ..factories import (
    AwardFactory,
    AwardKPIFactory,
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    MonitoringReturnFactory,
    OrganisationFactory,
    ReturnBreakdownFactory,
    ReturnKPIValueFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def award(organisation):
    return AwardFactory(status=AwardStatus.ACTIVE, provider=organisation, reference="VS-001", title="Harbour support")


@pytest.fixture
def submitted(award):
    return MonitoringReturnFactory(award=award, submitted=True)


@pytest.fixture
def kpi(award):
    return AwardKPIFactory(award=award, name="Victims helped to cope", target=Decimal("10"))


# Permissions --------------------------------------------------------------------------------------


def _read_urls(award, ret):
    return [
        reverse("grants:returns_inbox"),
        reverse("grants:return_schedule_export"),
        reverse("grants:return_review", args=[ret.pk]),
        reverse("grants:portfolio_rag"),
        reverse("grants:award_performance", args=[award.pk]),
    ]


def _edit_urls(award, kpi):
    return [
        reverse("grants:kpi_create", args=[award.pk]),
        reverse("grants:kpi_edit", args=[award.pk, kpi.pk]),
        reverse("grants:kpi_delete", args=[award.pk, kpi.pk]),
    ]


def test_officers_open_every_page(officer_client, award, submitted, kpi):
    for url in _read_urls(award, submitted) + _edit_urls(award, kpi):
        assert officer_client.get(url).status_code == 200, url


@pytest.mark.parametrize("client_name", ["finance_client", "board_client"])
def test_finance_and_board_read_but_change_nothing(request, client_name, award, submitted, kpi):
    client = request.getfixturevalue(client_name)
    for url in _read_urls(award, submitted):
        response = client.get(url)
        assert response.status_code == 200, url
    review = client.get(reverse("grants:return_review", args=[submitted.pk]))
    assert b"Accept the return" not in review.content
    for url in _edit_urls(award, kpi):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "X", "target_period": "quarter"}).status_code == 403, url
    response = client.post(
        reverse("grants:return_review", args=[submitted.pk]),
        {"action": "accept", "accept-rag": "green", "accept-version": submitted.version},
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.SUBMITTED
    assert AwardKPI.objects.filter(pk=kpi.pk).exists()


def test_provider_users_get_403_even_for_their_own_organisation(provider_client, award, submitted, kpi):
    for url in _read_urls(award, submitted) + _edit_urls(award, kpi):
        assert provider_client.get(url).status_code == 403, url
    response = provider_client.post(
        reverse("grants:return_review", args=[submitted.pk]),
        {"action": "accept", "accept-rag": "green", "accept-version": submitted.version},
    )
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.SUBMITTED


def test_anonymous_visitors_are_sent_to_sign_in(client, award, submitted):
    for url in _read_urls(award, submitted):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert "login" in response["Location"]


# Review: accept or return -------------------------------------------------------------------------


def _accept(client, ret, **fields):
    data = {"action": "accept", "accept-version": ret.version, **{f"accept-{k}": v for k, v in fields.items()}}
    return client.post(reverse("grants:return_review", args=[ret.pk]), data)


def _send_back(client, ret, **fields):
    data = {"action": "send_back", "send_back-version": ret.version, **{f"send_back-{k}": v for k, v in fields.items()}}
    return client.post(reverse("grants:return_review", args=[ret.pk]), data)


def test_accepting_without_a_rag_rating_is_refused(officer_client, submitted):
    response = _accept(officer_client, submitted, rag_comment="Fine")
    assert response.status_code == 400
    assert "Choose a RAG rating" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.SUBMITTED
    assert submitted.rag == ""


def test_accepting_with_a_rating_records_it_and_the_return_is_then_final(officer_client, officer, submitted):
    response = _accept(officer_client, submitted, rag="amber", rag_comment="Referrals fell this quarter")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.ACCEPTED
    assert submitted.rag == Rag.AMBER
    assert submitted.rag_comment == "Referrals fell this quarter"
    assert submitted.reviewed_by == officer

    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()
    assert "Accept the return" not in page
    assert "Referrals fell this quarter" in page

    again = _accept(officer_client, submitted, rag="green")
    assert again.status_code == 400
    back = _send_back(officer_client, submitted, reason="Please change the narrative")
    assert back.status_code == 400
    submitted.refresh_from_db()
    assert (submitted.status, submitted.rag, submitted.returned_reason) == (ReturnStatus.ACCEPTED, Rag.AMBER, "")


def test_returning_for_changes_needs_a_reason(officer_client, submitted):
    response = _send_back(officer_client, submitted, reason="  ")
    assert response.status_code == 400
    assert "Enter the reason for returning it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.SUBMITTED

    response = _send_back(officer_client, submitted, reason="The age breakdown is missing.")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.RETURNED
    assert submitted.returned_reason == "The age breakdown is missing."


def test_a_stale_review_form_changes_nothing(officer_client, submitted):
    stale = submitted.version
    MonitoringReturn.objects.filter(pk=submitted.pk).update(version=stale + 1)
    response = officer_client.post(
        reverse("grants:return_review", args=[submitted.pk]),
        {"action": "accept", "accept-rag": "green", "accept-version": stale},
    )
    assert response.status_code == 400
    assert "Someone else saved this record" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ReturnStatus.SUBMITTED


def test_review_page_shows_definitions_warnings_and_kpis_against_target(officer_client, submitted, kpi):
    CountingDefinition.objects.update_or_create(
        term=CountingTerm.SUPPORTED,
        defaults={"label": "Victim supported", "definition": "A victim who had at least one support session."},
    )
    crime = CodeListEntryFactory(list=CodeList.CRIME, label="Stalking", definition="Repeated unwanted contact.")
    ReturnBreakdownFactory(monitoring_return=submitted, code=crime, count=7)  # supported is 10
    ReturnKPIValueFactory(monitoring_return=submitted, kpi=kpi, value=Decimal("8"))

    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()

    assert "A victim who had at least one support session." in page
    assert "Repeated unwanted contact." in page
    assert "The crime type breakdown adds up to 7, but 10 victims were supported." in page
    assert "Victims helped to cope" in page
    assert "10 per quarter" in page  # the target beside the value
    assert ">8<" in page


def _words(page: str) -> str:
    """The page's text as copied or read out without its styles: the tags taken away, nothing put
    in their place, so a value that runs into the next text shows as one word."""
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


def test_each_count_and_its_definition_are_apart(officer_client, submitted):
    CountingDefinition.objects.update_or_create(
        term=CountingTerm.SUPPORTED,
        defaults={"label": "Victim supported", "definition": "A victim who had at least one support session."},
    )
    submitted.supported = 40
    submitted.save()

    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()

    assert "40 Victim supported: A victim who had at least one support session." in _words(page)
    assert "40Victim" not in _words(page)
    # … and on a line of its own.
    assert '40 <span class="govuk-hint govuk-!-display-block govuk-!-margin-bottom-0">Victim supported:' in page


def test_a_kpis_name_and_its_description_are_apart(officer_client, award):
    AwardKPIFactory(award=award, name="Satisfied with the service", description="Share of service users satisfied.")

    page = officer_client.get(reverse("grants:award_performance", args=[award.pk])).content.decode()

    assert "Satisfied with the service Share of service users satisfied." in _words(page)
    assert "serviceShare" not in _words(page)


def test_review_page_shows_the_providers_explanation_of_a_mismatch(officer_client, submitted):
    crime = CodeListEntryFactory(list=CodeList.CRIME, label="Stalking")
    ReturnBreakdownFactory(monitoring_return=submitted, code=crime, count=7)  # 7 of the 10 supported
    MonitoringReturn.objects.filter(pk=submitted.pk).update(
        breakdown_explanation="Three victims were referred on before we asked.\nThey are in next quarter's return."
    )

    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()

    block = re.search(r'<div class="govuk-inset-text" id="breakdown-explanation">(.*?)</div>', page, re.S)
    assert block, "the explanation is not marked out"
    assert "The provider's explanation of why the breakdowns do not add up" in block.group(1)
    assert "Three victims were referred on before we asked.<br>They are in next quarter&#x27;s return." in block.group(
        1
    )
    # Beside the warning it explains.
    assert page.index("The crime type breakdown adds up to 7") < page.index('id="breakdown-explanation"')


def test_review_page_says_when_a_mismatch_has_no_explanation(officer_client, submitted):
    ReturnBreakdownFactory(monitoring_return=submitted, count=7)
    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()
    assert "The provider gave no explanation." in page
    assert 'class="govuk-inset-text" id="breakdown-explanation"' not in page


def test_review_page_of_a_return_that_adds_up_says_nothing_about_explanations(officer_client, submitted):
    ReturnBreakdownFactory(monitoring_return=submitted, count=10)
    page = officer_client.get(reverse("grants:return_review", args=[submitted.pk])).content.decode()
    assert 'id="breakdown-explanation"' not in page


# Inbox --------------------------------------------------------------------------------------------


def _inbox_returns(priority, n: int, *, offset: int = 0):
    """n returns each of: due soon, late, submitted (each on its own award)."""
    for index in range(n):
        MonitoringReturnFactory(
            award__priority=priority,
            award__provider__name=f"Provider {offset + index}",
            due_date=TODAY + datetime.timedelta(days=10),
        )
        MonitoringReturnFactory(award__priority=priority, due_date=TODAY - datetime.timedelta(days=5))
        MonitoringReturnFactory(award__priority=priority, submitted=True)


def test_inbox_sorts_returns_into_due_late_and_awaiting_review(officer_client, organisation):
    priority = CommissioningPriorityFactory(name="Victims")
    late = MonitoringReturnFactory(
        award__reference="LATE-1", due_date=TODAY - datetime.timedelta(days=3), award__priority=priority
    )
    due = MonitoringReturnFactory(award__reference="DUE-1", due_date=TODAY + datetime.timedelta(days=3))
    waiting = MonitoringReturnFactory(award__reference="WAIT-1", submitted=True)
    MonitoringReturnFactory(award__reference="DONE-1", accepted=True)

    url = reverse("grants:returns_inbox")
    review = officer_client.get(url).content.decode()
    assert "Awaiting review (1)" in review and "Late (1)" in review and "Due (1)" in review
    assert "WAIT-1" in review and "LATE-1" not in review and "DONE-1" not in review

    late_page = officer_client.get(url, {"show": "late"}).content.decode()
    assert "LATE-1" in late_page and "DUE-1" not in late_page
    assert reverse("grants:return_review", args=[late.pk]) in late_page

    due_page = officer_client.get(url, {"show": "due"}).content.decode()
    assert "DUE-1" in due_page and reverse("grants:return_review", args=[due.pk]) in due_page

    filtered = officer_client.get(url, {"show": "late", "priority": priority.pk}).content.decode()
    assert "LATE-1" in filtered and "Awaiting review (0)" in filtered and "Due (0)" in filtered
    by_provider = officer_client.get(url, {"show": "review", "provider": waiting.award.provider.name}).content.decode()
    assert "WAIT-1" in by_provider and "Late (0)" in by_provider


def test_quarters_not_begun_stay_out_of_the_inbox_until_their_first_day(officer_client, time_machine):
    # A Q3 2026/27 return (October to December), due 20 January 2027.
    MonitoringReturnFactory(award__reference="NEXT-1", fy=2026, quarter=3)
    url = reverse("grants:returns_inbox")
    time_machine.move_to(datetime.datetime(2026, 9, 30, 12, 0))
    assert "NEXT-1" not in officer_client.get(url, {"show": "due"}).content.decode()
    time_machine.move_to(datetime.datetime(2026, 10, 1, 9, 0))
    assert "NEXT-1" in officer_client.get(url, {"show": "due"}).content.decode()


def test_the_inbox_offers_the_whole_schedule_as_a_download(officer_client):
    MonitoringReturnFactory(award__reference="SCHED-1", fy=2019, quarter=1)
    assert (
        reverse("grants:return_schedule_export") in officer_client.get(reverse("grants:returns_inbox")).content.decode()
    )
    response = officer_client.get(reverse("grants:return_schedule_export"), {"format": "csv", "fy": "2019"})
    assert response["Content-Disposition"] == 'attachment; filename="return-schedule-2019.csv"'
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "award_reference,provider,fy,quarter,period_start,period_end,due_date,status"
    assert lines[1].startswith("SCHED-1,") and lines[1].endswith(",2019-04-01,2019-06-30,2019-07-20,overdue")


def test_inbox_is_paginated(officer_client):
    for _ in range(27):
        MonitoringReturnFactory(submitted=True)
    first = officer_client.get(reverse("grants:returns_inbox")).content.decode()
    assert "page 1 of 2 (27 in all)" in first
    second = officer_client.get(reverse("grants:returns_inbox"), {"page": 2}).content.decode()
    assert "page 2 of 2" in second


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("show", ["review", "late", "due"])
def test_inbox_query_count_does_not_grow_with_returns(officer_client, show):
    priority = CommissioningPriorityFactory()
    _inbox_returns(priority, 2)
    url = reverse("grants:returns_inbox")
    small = _count_queries(officer_client, url, {"show": show})
    _inbox_returns(priority, 10, offset=100)
    assert _count_queries(officer_client, url, {"show": show}) == small


# Award performance and KPIs -------------------------------------------------------------------------


def test_performance_tab_charts_actual_against_target_and_lists_rag_history(officer_client, award, kpi):
    q1 = MonitoringReturnFactory(award=award, accepted=True, rag="red", rag_comment="Staff shortages")
    q2 = MonitoringReturnFactory(award=award, quarter=2, submitted=True)
    ReturnKPIValueFactory(monitoring_return=q1, kpi=kpi, value=Decimal("7"))
    ReturnKPIValueFactory(monitoring_return=q2, kpi=kpi, value=Decimal("12"))

    page = officer_client.get(reverse("grants:award_performance", args=[award.pk])).content.decode()

    assert 'src="data:image/svg+xml;base64,' in page
    assert "Victims helped to cope: actual against target by quarter" in page
    assert "Q1 2019/20" in page and "Q2 2019/20" in page
    assert ">7<" in page and ">12<" in page  # the chart's data table
    assert "Staff shortages" in page
    assert reverse("grants:return_review", args=[q1.pk]) in page
    assert reverse("grants:return_review", args=[q2.pk]) in page  # the returns table lists every return


def test_award_page_links_to_the_performance_tab(officer_client, award):
    page = officer_client.get(reverse("grants:award_detail", args=[award.pk])).content.decode()
    assert reverse("grants:award_performance", args=[award.pk]) in page


def test_officer_adds_changes_and_deletes_a_kpi(officer_client, award):
    kpq = KPQFactory(number=3)
    response = officer_client.post(
        reverse("grants:kpi_create", args=[award.pk]),
        {"name": "Victims supported", "unit": "people", "target": "40", "target_period": "year", "kpq": kpq.pk},
    )
    assert response.status_code == 302
    kpi = AwardKPI.objects.get(award=award)
    assert (kpi.name, kpi.target, kpi.target_period, kpi.kpq) == (
        "Victims supported",
        Decimal("40"),
        KPIPeriod.YEAR,
        kpq,
    )

    duplicate = officer_client.post(
        reverse("grants:kpi_create", args=[award.pk]), {"name": "victims supported", "target_period": "quarter"}
    )
    assert duplicate.status_code == 200
    assert "already has a KPI called" in duplicate.content.decode()
    assert AwardKPI.objects.filter(award=award).count() == 1

    response = officer_client.post(
        reverse("grants:kpi_edit", args=[award.pk, kpi.pk]),
        {
            "name": "Victims supported",
            "unit": "people",
            "target": "12",
            "target_period": "quarter",
            "version": kpi.version,
        },
    )
    assert response.status_code == 302
    assert "The KPI “Victims supported” has been updated." in officer_client.get(response["Location"]).text
    kpi.refresh_from_db()
    assert (kpi.target, kpi.target_period, kpi.kpq) == (Decimal("12"), KPIPeriod.QUARTER, None)

    response = officer_client.post(reverse("grants:kpi_delete", args=[award.pk, kpi.pk]))
    assert response.status_code == 302
    assert not AwardKPI.objects.filter(pk=kpi.pk).exists()


def test_a_kpi_with_reported_values_cannot_be_deleted(officer_client, award, kpi):
    ReturnKPIValueFactory(monitoring_return=MonitoringReturnFactory(award=award, submitted=True), kpi=kpi)
    response = officer_client.post(reverse("grants:kpi_delete", args=[award.pk, kpi.pk]))
    assert response.status_code == 400
    assert "cannot be deleted" in response.content.decode()
    assert AwardKPI.objects.filter(pk=kpi.pk).exists()


def test_a_kpi_of_another_award_is_not_found_through_this_award(officer_client, award):
    other = AwardKPIFactory()
    assert officer_client.get(reverse("grants:kpi_edit", args=[award.pk, other.pk])).status_code == 404
    assert officer_client.post(reverse("grants:kpi_delete", args=[award.pk, other.pk])).status_code == 404
    assert AwardKPI.objects.filter(pk=other.pk).exists()


# Portfolio RAG ------------------------------------------------------------------------------------


def test_portfolio_counts_ratings_by_priority_and_names_red_and_amber_awards(officer_client):
    victims = CommissioningPriorityFactory(name="Victims services", sort_order=1)
    reoffending = CommissioningPriorityFactory(name="Reducing reoffending", sort_order=2)
    MonitoringReturnFactory(award__priority=victims, award__reference="V-GREEN", accepted=True, rag="green")
    MonitoringReturnFactory(
        award__priority=victims,
        award__reference="V-RED",
        accepted=True,
        rag="red",
        rag_comment="No referrals for two months",
    )
    MonitoringReturnFactory(
        award__priority=reoffending,
        award__reference="R-AMBER",
        accepted=True,
        rag="amber",
        rag_comment="Waiting list growing",
    )
    MonitoringReturnFactory(award__priority=reoffending, award__reference="R-NONE", submitted=True)

    response = officer_client.get(reverse("grants:portfolio_rag"), {"fy": 2019})
    page = response.content.decode()
    rows = {row.priority.name: (row.green, row.amber, row.red, row.not_rated) for row in response.context["rows"]}
    assert rows["Victims services"] == (1, 0, 1, 0)
    assert rows["Reducing reoffending"] == (0, 1, 0, 1)
    assert "V-RED" in page and "No referrals for two months" in page
    assert "R-AMBER" in page and "Waiting list growing" in page
    assert "V-GREEN" not in page  # only red and amber awards are listed
    assert 'src="data:image/svg+xml;base64,' in page
    # Each listed award's tag says its rating in words, and the chart colours mean what they say.
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in page
    assert '<strong class="govuk-tag govuk-tag--yellow">Amber</strong>' in page
    svg = response.context["chart"].svg
    assert all(colour in svg for colour in ("#00703c", "#b35c00", "#d4351c"))

    q2 = officer_client.get(reverse("grants:portfolio_rag"), {"fy": 2019, "quarter": 2})
    assert all(row.total == 0 for row in q2.context["rows"])


def test_portfolio_lists_red_and_amber_awards_a_page_at_a_time_red_first(officer_client):
    victims = CommissioningPriorityFactory(name="Victims services", sort_order=1)
    prevention = CommissioningPriorityFactory(name="Prevention", sort_order=2)
    for number in range(20):
        MonitoringReturnFactory(
            award__priority=victims,
            award__reference=f"V-{number:02d}",
            accepted=True,
            rag="amber" if number % 2 else "red",
        )
    for number in range(10):
        MonitoringReturnFactory(
            award__priority=prevention, award__reference=f"P-{number:02d}", accepted=True, rag="red"
        )
    url = reverse("grants:portfolio_rag")

    first = officer_client.get(url, {"fy": 2019}).content.decode()
    listed = re.findall(r">([VP]-\d\d)</a>", first)
    assert len(listed) == 25
    # Victims services first (the Plan's order), its red awards before its amber ones, then Prevention.
    assert listed[:10] == [f"V-{n:02d}" for n in range(0, 20, 2)]
    assert listed[10:20] == [f"V-{n:02d}" for n in range(1, 20, 2)]
    assert listed[20:] == [f"P-{n:02d}" for n in range(5)]
    assert "30 awards rated red or amber" in first and "page 1 of 2" in first

    second = officer_client.get(url, {"fy": 2019, "page": 2}).content.decode()
    assert re.findall(r">([VP]-\d\d)</a>", second) == [f"P-{n:02d}" for n in range(5, 10)]
    assert 'href="?fy=2019&amp;page=1"' in second  # the year is kept when paging


def test_portfolio_query_count_does_not_grow_with_awards(officer_client):
    priorities = [CommissioningPriorityFactory() for _ in range(2)]

    def add(n):
        for index in range(n):
            priority = priorities[index % 2]
            MonitoringReturnFactory(award__priority=priority, accepted=True, rag=["green", "amber", "red"][index % 3])
            MonitoringReturnFactory(award__priority=priority, submitted=True)

    add(3)
    url = reverse("grants:portfolio_rag")
    small = _count_queries(officer_client, url, {"fy": 2019})
    add(12)
    assert _count_queries(officer_client, url, {"fy": 2019}) == small


def test_a_provider_of_another_organisation_cannot_reach_a_return_by_id(login_as, submitted):
    from pcc_commissioning.roles import Role
    from providers.services import membership_set

    from ..factories import UserFactory

    stranger = UserFactory(username="stranger", role=Role.PROVIDER)
    membership_set(user=stranger, organisation=OrganisationFactory(name="Other org"))
    client = login_as(stranger)
    assert client.get(reverse("grants:return_review", args=[submitted.pk])).status_code == 403


def test_the_grants_section_links_to_the_returns_inbox_and_portfolio(officer_client):
    awards = officer_client.get(reverse("grants:index")).content.decode()
    assert reverse("grants:returns_inbox") in awards
    inbox = officer_client.get(reverse("grants:returns_inbox")).content.decode()
    assert reverse("grants:portfolio_rag") in inbox


@pytest.mark.parametrize(
    ("name", "current"), [("grants:returns_inbox", "Monitoring returns"), ("grants:portfolio_rag", "Portfolio RAG")]
)
def test_the_monitoring_pages_are_tabs_of_the_grants_section_with_no_row_of_tabs_below(officer_client, name, current):
    # Three levels: Grants and contracts, then its tabs (these among them), then an item.
    page = officer_client.get(reverse(name)).content.decode()
    assert page.count('class="moj-sub-navigation"') == 1 + (name == "grants:returns_inbox")  # + the inbox's filter
    assert 'aria-label="Monitoring sections"' not in page
    tabs = page[page.index('aria-label="Grants and contracts sections"') :]
    assert f'aria-current="page">{current}</a>' in tabs[: tabs.index("</nav>")]


@pytest.mark.parametrize("name", ["grants:returns_inbox", "grants:portfolio_rag"])
def test_filter_forms_do_not_put_the_csrf_token_in_the_address(officer_client, name):
    page = officer_client.get(reverse(name)).content.decode()
    start = page.index('<form method="get"')
    assert "csrfmiddlewaretoken" not in page[start : page.index("</form>", start)]


def test_an_outstanding_return_says_who_can_fill_it_in_and_what_reminders_went(officer_client, award):
    from grants.models import ReminderSent
    from pcc_commissioning.roles import Role
    from providers.services import membership_set

    from ..factories import UserFactory

    due = MonitoringReturnFactory(award=award, fy=2019, quarter=1)
    url = reverse("grants:return_review", args=[due.pk])
    page = officer_client.get(url).content.decode()
    assert "Nobody at" in page and reverse("providers:users", args=[award.provider_id]) in page
    assert "No reminder has been sent yet" in page

    membership_set(user=UserFactory(role=Role.PROVIDER), organisation=award.provider)
    ReminderSent.objects.create(
        kind="return_late",
        item=f"return:{due.pk}",
        stage="2019-07-20",
        sent_at=datetime.datetime(2019, 7, 21, 7, tzinfo=datetime.UTC),
    )
    page = officer_client.get(url).content.decode()
    assert "1 of" in page and "Nobody at" not in page
    assert "Reminders sent: return late on 21 July 2019." in page

    accepted = MonitoringReturnFactory(award=award, fy=2019, quarter=2, accepted=True)
    assert (
        'id="chasing"' not in officer_client.get(reverse("grants:return_review", args=[accepted.pk])).content.decode()
    )


def test_the_kpi_form_sent_twice_adds_one_kpi(officer_client, award):
    first, second = post_twice(
        officer_client,
        reverse("grants:kpi_create", args=[award.pk]),
        {"name": "Victims supported", "unit": "people", "target": "40", "target_period": "year"},
    )
    assert AwardKPI.objects.filter(award=award).count() == 1
    assert_saved_once(first, second, "The KPI “Victims supported” has been added.")
