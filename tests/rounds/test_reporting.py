"""The round's report: figures by hand, by area and by kind; page, downloads, permissions."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from pcc_commissioning.interchange.exports import run_export
from pcc_commissioning.roles import Role
from rounds.models import ApplicationStatus
from rounds.reporting.selectors import round_report
from tests.factories import AreaFactory, UserFactory
from tests.factories.rounds import ApplicantOrganisationFactory

from .scored import ineligible, scored_application, scored_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_round():
    round, criterion, members = scored_round(reference="CSF-26")
    north = AreaFactory(name="North")
    # A funded 12,000 (recommended, successful), B unsuccessful 10,000, C ineligible 10,000.
    a = scored_application(
        round, criterion, members, [9, 8], amount_requested=Decimal("12000"), status=ApplicationStatus.SUCCESSFUL
    )
    b = scored_application(
        round,
        criterion,
        members,
        [2, 2],
        amount_requested=Decimal("10000"),
        status=ApplicationStatus.UNSUCCESSFUL,
        organisation=ApplicantOrganisationFactory(kind="social_enterprise"),
    )
    c = ineligible(scored_application(round, criterion, members, [9, 9], status=ApplicationStatus.UNSUCCESSFUL))
    a.areas.add(north)
    b.areas.add(north)
    return round, a, b, c


def test_figures(report_round):
    round, a, b, c = report_round
    report = round_report(round)
    s = report.summary
    # Received 3, eligible 2, funded 1: 1/3 = 33.33…% -> 33.3%. Requested 32,000, offered 12,000.
    assert (s.received, s.eligible, s.funded) == (3, 2, 1)
    assert s.requested == Decimal("32000") and s.offered == Decimal("12000")
    assert s.success_rate == Decimal("33.3")
    assert [(f.label, f.received, f.funded, f.success_rate) for f in report.by_area] == [
        ("No area given", 1, 0, Decimal("0.0")),
        ("North", 2, 1, Decimal("50.0")),
    ]
    assert [(f.label, f.received) for f in report.by_kind] == [("Charity", 2), ("Social enterprise", 1)]


def test_page_and_downloads(officer_client, report_round):
    round, *_ = report_round
    page = officer_client.get(reverse("rounds:report", args=[round.reference])).content.decode()
    assert "Report on CSF-26</h1>" in page and "33.3%" in page
    assert "By area</caption>" in page and "By kind of organisation</caption>" in page
    csv = officer_client.get(reverse("rounds:report_export", args=[round.reference]) + "?format=csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "group,received,eligible,funded,amount_requested,amount_offered,success_rate"
    assert lines[2] == "North,2,2,1,22000.00,12000.00,50.0"
    output = io.BytesIO()
    run_export("round_report", format="xlsx", output=output, options={"round": "CSF-26"})
    from openpyxl import load_workbook

    assert load_workbook(output).sheetnames == ["By area", "By kind of organisation", "Round"]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR])
def test_refused(login_as, report_round, role):
    round, *_ = report_round
    client = login_as(UserFactory(role=role))
    assert client.get(reverse("rounds:report", args=[round.reference])).status_code == 403


def test_board_reads(board_client, report_round):
    round, *_ = report_round
    assert board_client.get(reverse("rounds:report", args=[round.reference])).status_code == 200
