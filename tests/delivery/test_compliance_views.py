"""The compliance pages: who may open and change what, the forms, the downloads, and the
index's queries at two sizes."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delivery.models import CodeEdition, ComplianceFigure, ComplianceMeasure, ReviewAction, ReviewMeeting
from pcc_commissioning.roles import Role
from providers.models import OrganisationKind
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.delivery import ComplianceFigureFactory, ReviewActionFactory, ReviewMeetingFactory
from tests.form_data import date_boxes

pytestmark = pytest.mark.django_db

CODE_2020 = "Code of Practice for Victims of Crime 2020"


def _vps():
    return ComplianceMeasure.objects.get(edition__name=CODE_2020, key="vps")


@pytest.fixture
def records():
    police = OrganisationFactory(name="Durham Constabulary")
    ComplianceFigureFactory(body=police, measure=_vps(), fy=2025, quarter=1, numerator=2, denominator=3)
    action = ReviewActionFactory(meeting=ReviewMeetingFactory(fy=2025, quarter=1))
    return police, action


def _read_urls(police, action) -> list[str]:
    return [
        reverse("delivery:compliance") + "?fy=2025&quarter=1",
        reverse("delivery:compliance_body", args=[police.pk]) + "?fy=2025",
        reverse("delivery:compliance_reviews"),
        reverse("delivery:compliance_review", args=[action.meeting_id]),
        reverse("delivery:compliance_code"),
        reverse("delivery:compliance_pack", args=["xlsx"]) + "?fy=2025&quarter=1",
    ]


def _write_urls(police, action) -> list[str]:
    edition = CodeEdition.objects.get(name=CODE_2020)
    return [
        reverse("delivery:compliance_figure"),
        reverse("delivery:compliance_import"),
        reverse("delivery:compliance_review_create"),
        reverse("delivery:compliance_review_edit", args=[action.meeting_id]),
        reverse("delivery:compliance_action_create", args=[action.meeting_id]),
        reverse("delivery:compliance_action_edit", args=[action.meeting_id, action.pk]),
        reverse("delivery:compliance_code_add"),
        reverse("delivery:compliance_right_add", args=[edition.pk]),
        reverse("delivery:compliance_measure_add", args=[edition.pk]),
    ]


@pytest.mark.parametrize("client_fixture", ["board_client", "finance_client"])
def test_board_and_finance_read_but_do_not_change(request, client_fixture, records):
    client = request.getfixturevalue(client_fixture)
    police, action = records
    for url in _read_urls(police, action):
        assert client.get(url).status_code == 200, url
    index = client.get(reverse("delivery:compliance") + "?fy=2025&quarter=1").content.decode()
    assert "Record a figure" not in index and "Import the figures" not in index
    review = client.get(reverse("delivery:compliance_review", args=[action.meeting_id])).content.decode()
    assert "Add an action" not in review and "Edit the meeting" not in review and "/edit/" not in review
    assert "Add an edition" not in client.get(reverse("delivery:compliance_code")).content.decode()
    for url in _write_urls(police, action):
        assert client.post(url, {"action": "Changed", "version": 1}).status_code == 403, url
    action.refresh_from_db()
    assert action.action != "Changed"


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.PARTNER])
def test_people_outside_the_office_are_refused(login_as, role, records):
    client = login_as(UserFactory(role=role))
    police, action = records
    for url in _read_urls(police, action) + _write_urls(police, action):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("delivery:compliance_figure"), {}).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, records):
    police, action = records
    for url in _read_urls(police, action) + _write_urls(police, action):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


def test_the_index_shows_the_quarter(officer_client, records):
    page = officer_client.get(reverse("delivery:compliance") + "?fy=2025&quarter=1").content.decode()
    assert "Q1 2025/26" in page
    assert "66.7%" in page and "2 of 3" in page
    assert "Durham Constabulary" in page
    assert "Compliance by measure and body, Q1 2025/26: the data" in page  # the chart's table
    assert "Record a figure" in page and "Import the figures" in page


def test_an_officer_records_and_corrects_a_figure(officer_client):
    police = OrganisationFactory(name="Durham Constabulary")
    url = reverse("delivery:compliance_figure")
    data = {
        "body": police.pk,
        "measure": _vps().pk,
        "fy": "2025",
        "quarter": "2",
        "numerator": "40",
        "denominator": "52",
        "breakdown": "crime_type:Burglary=10/12",
    }
    response = officer_client.post(url, data)
    assert response.status_code == 302
    figure = ComplianceFigure.objects.get()
    assert (figure.numerator, figure.breakdown) == (40, {"crime_type": {"Burglary": [10, 12]}})
    page = officer_client.get(url, {"body": police.pk, "measure": _vps().pk, "fy": 2025, "quarter": 2}).content
    assert b"crime_type:Burglary=10/12" in page
    officer_client.post(url, {**data, "numerator": "41"})
    assert ComplianceFigure.objects.get().numerator == 41


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"numerator": "60"}, "cannot be more than the number of victims (52)"),
        ({"numerator": "forty"}, "Victims meeting the measure must be a whole number"),
        ({"breakdown": "Burglary=1/2"}, "is not in the form dimension:category=numerator/denominator"),
        ({"breakdown": "crime_type:Burglary=50/60"}, "crime_type: the parts count 60 victims, more than the figure"),
        ({"fy": "2019"}, "which was not in force in Q2 2019/20"),
    ],
)
def test_a_bad_figure_is_shown_on_the_form(officer_client, changes, message):
    data = {
        "body": OrganisationFactory().pk,
        "measure": _vps().pk,
        "fy": "2025",
        "quarter": "2",
        "numerator": "40",
        "denominator": "52",
        **changes,
    }
    response = officer_client.post(reverse("delivery:compliance_figure"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ComplianceFigure.objects.exists()


def test_an_officer_imports_a_file_on_the_index(officer_client):
    OrganisationFactory(name="Durham Constabulary")
    upload = SimpleUploadedFile("q1.csv", b"body,measure,numerator,denominator\nDurham Constabulary,vps,9,10\n")
    response = officer_client.post(
        reverse("delivery:compliance_import"), {"fy": "2025", "quarter": "1", "file": upload}, follow=True
    )
    assert "Imported code_compliance: 1 row(s) read, 1 created" in response.content.decode()
    assert ComplianceFigure.objects.get().numerator == 9
    bad = SimpleUploadedFile("q1.csv", b"body,measure,numerator,denominator\nNowhere,vps,9,10\n")
    response = officer_client.post(
        reverse("delivery:compliance_import"), {"fy": "2025", "quarter": "1", "file": bad}, follow=True
    )
    assert "Row 2, column body: There is no organisation called" in response.content.decode()


def test_the_pack_downloads(officer_client, records):
    pdf = officer_client.get(reverse("delivery:compliance_pack", args=["pdf"]) + "?fy=2025&quarter=1")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="victims-code-compliance-2025-26-Q1.pdf"' in pdf["Content-Disposition"]
    xlsx = officer_client.get(reverse("delivery:compliance_pack", args=["xlsx"]) + "?fy=2025&quarter=1")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert officer_client.get(reverse("delivery:compliance_pack", args=["doc"])).status_code == 404


def test_an_officer_records_a_meeting_and_its_actions(officer_client):
    police = OrganisationFactory(name="Durham Constabulary", kind=OrganisationKind.POLICE)
    OrganisationFactory(name="Harbour Support Services", kind=OrganisationKind.VOLUNTARY_SECTOR)
    form = officer_client.get(reverse("delivery:compliance_review_create")).content.decode()
    assert "Durham Constabulary" in form and "Harbour Support Services" not in form  # providers are not bodies
    response = officer_client.post(
        reverse("delivery:compliance_review_create"),
        {"fy": "2025", "quarter": "1", **date_boxes("held_on", datetime.date(2025, 7, 15)), "bodies": [police.pk]},
    )
    meeting = ReviewMeeting.objects.get()
    assert response["Location"] == reverse("delivery:compliance_review", args=[meeting.pk])
    officer_client.post(
        reverse("delivery:compliance_action_create", args=[meeting.pk]),
        {"action": "Send letters in five days", "body": police.pk, "owner": "Insp Lee", **date_boxes("due_on", None)},
    )
    action = ReviewAction.objects.get()
    url = reverse("delivery:compliance_action_edit", args=[meeting.pk, action.pk])
    data = {
        "action": action.action,
        "body": police.pk,
        "owner": "Insp Lee",
        **date_boxes("due_on", None),
        "status": "done",
        "outcome": "",
        "version": 1,
    }
    refused = officer_client.post(url, data)
    assert "Say what was done before marking the action done." in refused.content.decode()
    officer_client.post(url, {**data, "outcome": "Letters go out on day two."})
    action.refresh_from_db()
    assert action.status == "done"
    page = officer_client.get(reverse("delivery:compliance_review", args=[meeting.pk])).content.decode()
    assert "Letters go out on day two." in page and "Durham Constabulary" in page


def test_an_officer_adds_an_edition_a_right_and_a_measure(officer_client):
    officer_client.post(
        reverse("delivery:compliance_code_add"),
        {
            "name": "Code of Practice for Victims of Crime 2026",
            **date_boxes("in_force_from", datetime.date(2026, 10, 1)),
            **date_boxes("in_force_to", None),
        },
    )
    edition = CodeEdition.objects.get(name="Code of Practice for Victims of Crime 2026")
    officer_client.post(
        reverse("delivery:compliance_right_add", args=[edition.pk]), {"number": "1", "title": "To be heard"}
    )
    right = edition.rights.get()
    officer_client.post(
        reverse("delivery:compliance_measure_add", args=[edition.pk]),
        {"key": "heard", "name": "Victims heard", "right": right.pk},
    )
    assert edition.measures.get().right == right
    page = officer_client.get(reverse("delivery:compliance_code")).content.decode()
    assert "To be heard" in page and "Victims heard" in page
    assert "To make a Victim Personal Statement" in page  # the 2020 Code's right 7


def _bodies(count: int) -> None:
    measures = list(ComplianceMeasure.objects.filter(edition__name=CODE_2020))
    for _ in range(count):
        body = OrganisationFactory()
        for measure in measures:
            for quarter in (1, 2):
                ComplianceFigureFactory(body=body, measure=measure, fy=2025, quarter=quarter)
        meeting = ReviewMeetingFactory(fy=2025, quarter=2)
        ReviewActionFactory(meeting=meeting, body=body)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["delivery:compliance", "delivery:compliance_reviews", "delivery:compliance_code"])
def test_pages_cost_the_same_queries_at_two_sizes(officer_client, url_name):
    url = reverse(url_name) + "?fy=2025&quarter=2"
    _bodies(1)
    small = _queries(officer_client, url)
    _bodies(5)
    assert _queries(officer_client, url) == small


def test_an_import_without_a_year_quarter_or_file_says_so(officer_client):
    response = officer_client.post(reverse("delivery:compliance_import"), {"fy": "99999", "quarter": "7"}, follow=True)
    page = response.content.decode()
    assert "Choose the financial year." in page and "Choose the quarter." in page
    assert "Choose a CSV or XLSX file to import." in page
    assert not ComplianceFigure.objects.exists()
