"""The close-out pages: closing soon, closing an award, the award page once closed, retention."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardClosure, AwardStatus, MonitoringReturn, Recommission
from pcc_commissioning.roles import Role
from tests.factories import AwardFactory, FundingLineFactory, MonitoringReturnFactory, UserFactory
from tests.factories.closeout import AwardClosureFactory, RecoveryFactory, VariationFactory

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Who may do what ------------------------------------------------------------------------------------
@pytest.fixture
def clients(officer, finance_officer, board_member, provider_user):
    return {
        "officer": _client(officer),
        "finance": _client(finance_officer),
        "board": _client(board_member),
        "provider": _client(provider_user),
        "applicant": _client(UserFactory(role=Role.APPLICANT)),
        "assessor": _client(UserFactory(role=Role.ASSESSOR)),
        "partner": _client(UserFactory(role=Role.PARTNER)),
        "anonymous": Client(),
    }


READERS = {"officer": 200, "finance": 200, "board": 200}
OUTSIDERS = {"provider": 403, "applicant": 403, "assessor": 403, "partner": 403, "anonymous": 302}


def test_every_page_is_read_by_internal_roles_only(clients, ready_award, organisation):
    ready_award.provider = organisation  # the provider's own award: still not its page
    ready_award.save()
    for url in (
        reverse("grants:closing_soon"),
        reverse("grants:award_close", kwargs={"pk": ready_award.pk}),
        reverse("grants:retention"),
    ):
        for name, status in {**READERS, **OUTSIDERS}.items():
            assert clients[name].get(url).status_code == status, (url, name)


def test_only_officers_close_and_redact(clients, ready_award, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    closure = AwardClosureFactory()
    close = reverse("grants:award_close", kwargs={"pk": ready_award.pk})
    redact = reverse("grants:retention_redact", kwargs={"pk": closure.pk})
    data = {"version": ready_award.version, "lessons": "x", "recommission": "no"}
    for name in ("finance", "board", "provider", "applicant", "assessor", "partner"):
        assert clients[name].post(close, data).status_code == 403, name
        assert clients[name].post(redact).status_code == 403, name
    assert clients["anonymous"].post(close, data).status_code == 302
    assert not AwardClosure.objects.filter(award=ready_award).exists()
    assert AwardClosure.objects.get(pk=closure.pk).redacted_at is None
    assert clients["officer"].post(redact).status_code == 302
    assert AwardClosure.objects.get(pk=closure.pk).redacted_at is not None


def test_readers_see_the_checklist_without_the_form_or_buttons(clients, ready_award, time_machine):
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    AwardClosureFactory()
    close = reverse("grants:award_close", kwargs={"pk": ready_award.pk})
    for name in ("finance", "board"):
        page = _text(clients[name].get(close))
        assert "Final monitoring return (Q4 2019/20) accepted" in page
        assert "Close the award</button>" not in page
        assert "Remove personal data" not in _text(clients[name].get(reverse("grants:retention")))
    assert "Close the award</button>" in _text(clients["officer"].get(close))
    assert "Remove personal data" in _text(clients["officer"].get(reverse("grants:retention")))


# Closing an award -----------------------------------------------------------------------------------
def test_an_officer_closes_an_award_and_its_page_says_so(ready_award, final_return, final_spend, time_machine):
    officer = UserFactory(username="jo", first_name="Jo", last_name="Bloggs", role=Role.OFFICER)
    client = _client(officer)
    time_machine.move_to(datetime.datetime(2020, 4, 6, 11, 0))
    url = reverse("grants:award_close", kwargs={"pk": ready_award.pk})
    page = client.get(url).content.decode()
    # The final records are chosen for the officer.
    assert re.search(rf'<option value="{final_return.pk}" selected>Q4 2019/20', page)
    assert re.search(rf'<option value="{final_spend.pk}" selected>Final budget return 2019/20', page)
    response = client.post(
        url,
        {
            "version": ready_award.version,
            "final_return": final_return.pk,
            "final_spend": final_spend.pk,
            "lessons": "Referrals from the police came late in the year.",
            "recommission": Recommission.CHANGED,
        },
    )
    assert response.status_code == 302
    award_page = _text(client.get(reverse("grants:award_detail", kwargs={"pk": ready_award.pk})))
    assert "Closed on 6 April 2020 by Jo Bloggs. Personal data may be deleted after 6 April 2026." in award_page
    assert "Referrals from the police came late in the year." in award_page
    assert "Recommission, changed" in award_page
    # Read-only: no edit buttons for the officer.
    assert reverse("grants:award_edit", kwargs={"pk": ready_award.pk}) not in award_page
    assert reverse("grants:award_forecast", kwargs={"pk": ready_award.pk}) not in award_page
    assert "Close the award</button>" not in _text(client.get(url))


def test_the_close_form_lists_every_problem_naming_the_field(ready_award, officer_client):
    RecoveryFactory(award=ready_award)
    VariationFactory(award=ready_award)
    url = reverse("grants:award_close", kwargs={"pk": ready_award.pk})
    page = _text(officer_client.post(url, {"version": ready_award.version, "recommission": "yes"}))
    assert "There is a problem" in page
    assert "What was learned?: Say what was learned" in page
    assert "Recoveries: 1 recovery is still open: recover the money or write it off first." in page
    assert "Variations: 1 variation is still open" in page
    assert not AwardClosure.objects.exists()


def test_an_ended_award_not_closed_points_to_its_close_page(ready_award, officer_client):
    page = _text(officer_client.get(reverse("grants:award_detail", kwargs={"pk": ready_award.pk})))
    assert "This award has ended and is not closed yet." in page
    assert reverse("grants:award_close", kwargs={"pk": ready_award.pk}) in page


def test_the_award_page_queries_stay_flat_once_closed(ready_award, officer_client):
    url = reverse("grants:award_detail", kwargs={"pk": ready_award.pk})
    officer_client.get(url)
    with CaptureQueriesContext(connection) as open_page:
        officer_client.get(url)
    AwardClosureFactory(award=ready_award)
    with CaptureQueriesContext(connection) as closed_page:
        assert "Closed on" in _text(officer_client.get(url))
    assert len(closed_page) <= len(open_page) + 1  # who closed it


# Closing soon ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "day, listed",
    [(datetime.date(2020, 3, 31), False), (datetime.date(2020, 4, 1), True), (datetime.date(2020, 4, 2), True)],
    ids=["day-before-the-window", "first-day-of-the-window", "day-after"],
)
def test_an_award_joins_the_list_ninety_days_before_its_last_day(officer_client, settings, time_machine, day, listed):
    settings.CONTRACT_ENDING_DAYS = 90
    AwardFactory(
        reference="AWD-ENDING",
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 6, 30),  # 90 days after 1 April 2020
    )
    time_machine.move_to(datetime.datetime.combine(day, datetime.time(9)))
    page = _text(officer_client.get(reverse("grants:closing_soon")))
    assert ("AWD-ENDING" in page) is listed


def test_the_list_shows_ended_awards_not_closed_with_what_is_missing(officer_client, ready_award, time_machine):
    time_machine.move_to(datetime.datetime(2021, 1, 4, 9, 0))
    waiting = AwardFactory(reference="AWD-WAITING", status=AwardStatus.ENDED)
    MonitoringReturnFactory(award=waiting, fy=2019, quarter=4, submitted=True)
    AwardClosureFactory(award=AwardFactory(reference="AWD-CLOSED", status=AwardStatus.ENDED))
    AwardFactory(reference="AWD-FAR", status=AwardStatus.ACTIVE, end_date=datetime.date(2022, 3, 31))
    page = _text(officer_client.get(reverse("grants:closing_soon")))
    assert "AWD-2019-0042" in page and "AWD-WAITING" in page
    assert "AWD-CLOSED" not in page and "AWD-FAR" not in page
    assert "Ready to close: <a" in page
    assert "Final monitoring return (Q4 2019/20) accepted" in page
    assert "Final budget return for 2019/20 recorded" in page


def test_the_list_sorts_by_last_day(officer_client, time_machine):
    time_machine.move_to(datetime.datetime(2021, 1, 4, 9, 0))
    AwardFactory(reference="AWD-LATER", status=AwardStatus.ENDED, end_date=datetime.date(2020, 12, 31))
    AwardFactory(reference="AWD-SOONER", status=AwardStatus.ENDED, end_date=datetime.date(2020, 6, 30))
    page = _text(officer_client.get(reverse("grants:closing_soon")))
    assert page.index("AWD-SOONER") < page.index("AWD-LATER")
    page = _text(officer_client.get(reverse("grants:closing_soon") + "?sort=-end_date"))
    assert page.index("AWD-LATER") < page.index("AWD-SOONER")


def _ended_awards(count: int) -> None:
    for _ in range(count):
        award = AwardFactory(status=AwardStatus.ENDED)
        FundingLineFactory(award=award, amount=Decimal("1000"))
        MonitoringReturnFactory(award=award, fy=2019, quarter=4, submitted=True)
        RecoveryFactory(award=award)
        VariationFactory(award=award)


@pytest.mark.parametrize("name", ["grants:closing_soon", "grants:retention"])
def test_the_lists_query_count_is_flat(officer_client, time_machine, name):
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    url = reverse(name)

    def grow(count):
        _ended_awards(count)
        for _ in range(count):
            closure = AwardClosureFactory()
            MonitoringReturnFactory(award=closure.award, case_study="A story", feedback="Thanks")

    grow(3)
    officer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        officer_client.get(url)
    grow(20)
    with CaptureQueriesContext(connection) as large:
        assert officer_client.get(url).status_code == 200
    assert len(large) == len(small)


# Retention --------------------------------------------------------------------------------------------
def test_the_retention_page_lists_what_is_due_with_what_it_holds(officer_client, time_machine):
    closure = AwardClosureFactory(award__reference="AWD-DUE")
    MonitoringReturnFactory(award=closure.award, quarter=3, case_study="A story", feedback="Thanks")
    MonitoringReturnFactory(award=closure.award, quarter=4, case_study="Another story")
    VariationFactory(award=closure.award, status="approved", decided_on=datetime.date(2020, 2, 1))
    AwardClosureFactory(award__reference="AWD-LATER", personal_data_until=datetime.date(2026, 5, 1))
    time_machine.move_to(datetime.datetime(2026, 4, 7, 9, 0))
    page = _text(officer_client.get(reverse("grants:retention")))
    assert "AWD-DUE" in page and "AWD-LATER" not in page
    row = page[page.index("AWD-DUE") :]
    assert re.search(r"6 Apr 2026</td> <td[^>]*>2</td> <td[^>]*>1</td> <td[^>]*>1</td>", row)
    response = officer_client.post(reverse("grants:retention_redact", kwargs={"pk": closure.pk}), follow=True)
    assert "AWD-DUE: personal data removed from 2 monitoring returns and 1 variation. The figures are kept." in _text(
        response
    )
    assert set(MonitoringReturn.objects.filter(award=closure.award).values_list("case_study", flat=True)) == {""}
    assert "AWD-DUE" not in _text(officer_client.get(reverse("grants:retention")))


def test_the_return_review_page_shows_when_its_personal_data_may_go(officer_client, final_return):
    url = reverse("grants:return_review", kwargs={"pk": final_return.pk})
    assert 'id="personal-data"' not in officer_client.get(url).content.decode()
    AwardClosureFactory(award=final_return.award)
    page = _text(officer_client.get(url))
    assert "May be deleted after 6 April 2026 (the award was closed on 6 April 2020)" in page
