"""The screening pages: the list (filters, CSV, a flat query count) and one application."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.models import ApplicationStatus, Eligibility, RoundStatus
from tests.factories import UserFactory
from tests.factories.rounds import UK, ApplicationFactory, EligibilityQuestionFactory, RoundFactory


@pytest.fixture
def round(db):
    return RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)


def _list(round):
    return reverse("rounds:applications", args=[round.reference])


def test_list_shows_received_and_filters(round, officer_client):
    ApplicationFactory(round=round, reference="CSF-1", title="Night bus")
    ApplicationFactory(round=round, reference="CSF-2", eligibility=Eligibility.INELIGIBLE, screening_reason="x")
    ApplicationFactory(round=round, reference="CSF-3", status=ApplicationStatus.DRAFT, submitted_at=None)
    ApplicationFactory(round=round, reference="CSF-4", status=ApplicationStatus.WITHDRAWN)
    page = officer_client.get(_list(round)).content.decode()
    assert "CSF-1" in page and "Night bus" in page and "CSF-2" in page
    assert "CSF-3" not in page and "CSF-4" not in page
    page = officer_client.get(_list(round), {"screening": "ineligible"}).content.decode()
    assert "CSF-2" in page and "CSF-1" not in page
    page = officer_client.get(_list(round), {"screening": "withdrawn"}).content.decode()
    assert "CSF-4" in page and "CSF-1" not in page


def test_csv_download(round, officer_client):
    ApplicationFactory(round=round, reference="CSF-1", title="Night bus", organisation__name="Harbour")
    response = officer_client.get(_list(round), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("reference,organisation,title,amount_requested,submitted_at")
    # submitted a day after opening: noon 2 April 2026, UK summer time
    assert lines[1].startswith("CSF-1,Harbour,Night bus,10000.00,2026-04-02 12:00")


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_query_count_flat(round, officer_client):
    ApplicationFactory.create_batch(2, round=round)
    small = _queries(officer_client, _list(round))
    ApplicationFactory.create_batch(30, round=round)
    assert _queries(officer_client, _list(round)) == small


def test_application_page_shows_eligibility_and_screens(round, officer_client):
    question = EligibilityQuestionFactory(round=round, key="constituted", question="Constituted?")
    app = ApplicationFactory(round=round, eligibility_answers={question.key: False})
    url = reverse("rounds:application", args=[round.reference, app.reference])
    page = officer_client.get(url).content.decode()
    assert "Constituted?" in page and "Save screening" in page
    response = officer_client.post(
        reverse("rounds:application_screen", args=[round.reference, app.reference]),
        {"eligible": "no", "reason": "Not constituted", "version": app.version},
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.eligibility == Eligibility.INELIGIBLE
    response = officer_client.post(
        reverse("rounds:application_screen", args=[round.reference, app.reference]),
        {"eligible": "yes", "reason": "", "version": app.version},
    )
    assert response.status_code == 400 and "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "view_status", "post_status"),
    [
        ("Commissioning officer", 200, 302),
        ("Finance officer", 200, 403),
        ("Board member", 200, 403),
        ("Provider user", 403, 403),
        ("Applicant", 403, 403),
        ("Assessor", 403, 403),
    ],
)
def test_permissions(round, login_as, role, view_status, post_status):
    app = ApplicationFactory(round=round)
    client = login_as(UserFactory(role=role))
    assert client.get(_list(round)).status_code == view_status
    assert client.get(reverse("rounds:application", args=[round.reference, app.reference])).status_code == view_status
    response = client.post(
        reverse("rounds:application_screen", args=[round.reference, app.reference]),
        {"eligible": "yes", "reason": "fine", "version": app.version},
    )
    assert response.status_code == post_status


# Asking for more information: a GOV.UK date and a time box, read on the UK clock ---------------

REQUEST_NOW = datetime.datetime(2026, 5, 5, 10, 0, tzinfo=UK)


def _request(client, round, app, **fields):
    data = {"request": "Send your accounts", "until_on_0": "12", "until_on_1": "5", "until_on_2": "2026"}
    data["until_time"] = "17:00"
    data.update(fields)
    return client.post(reverse("rounds:application_request_info", args=[round.reference, app.reference]), data)


@time_machine.travel(REQUEST_NOW, tick=False)
def test_request_form_asks_a_date_and_a_time_and_reads_them_in_uk_time(round, officer_client):
    app = ApplicationFactory(round=round, contact_email="bid@example.org")
    page = officer_client.get(reverse("rounds:application", args=[round.reference, app.reference])).content.decode()
    assert 'name="until_on_0"' in page and 'name="until_on_2"' in page and 'name="until_time"' in page
    assert _request(officer_client, round, app).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.INFO_REQUESTED
    # 17:00 on 12 May is British Summer Time: 16:00 UTC
    assert app.info_until == datetime.datetime(2026, 5, 12, 16, 0, tzinfo=datetime.UTC)


@time_machine.travel(REQUEST_NOW, tick=False)
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"until_on_0": "", "until_on_1": "", "until_on_2": ""}, "until_on", "Enter the date the application is"),
        ({"until_on_0": "31", "until_on_1": "2"}, "until_on", "Date reopened until must be a real date"),
        ({"until_on_1": ""}, "until_on", "Date reopened until must include a month"),
        ({"until_time": ""}, "until_time", "Enter the time the application is reopened until"),
        ({"until_time": "25:00"}, "until_time", "Enter the time as hours and minutes"),
        ({"until_on_0": "4"}, "until_on", "must be in the future"),
    ],
)
def test_request_form_errors_name_the_box_and_change_nothing(round, officer_client, fields, field, message):
    app = ApplicationFactory(round=round, contact_email="bid@example.org")
    response = _request(officer_client, round, app, **fields)
    assert response.status_code == 400
    form = response.context["request_form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert "There is a problem" in response.content.decode()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.info_until is None
