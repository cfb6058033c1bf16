"""Reads of rounds: the phase through the calendar, the officers' list and the public list."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pcc_commissioning.roles import Role
from rounds.models import RoundStatus
from rounds.setup import selectors
from tests.factories import RoundFactory, UserFactory

pytestmark = pytest.mark.django_db
UK = timezone.get_default_timezone()
# The factory's round opens at noon on 1 April 2026 and closes at noon on 30 April (UK time).


@pytest.mark.parametrize(
    "moment, expected",
    [
        (datetime.datetime(2026, 4, 1, 11, 59, 59, tzinfo=UK), "upcoming"),
        (datetime.datetime(2026, 4, 1, 12, 0, tzinfo=UK), "open"),
        (datetime.datetime(2026, 4, 30, 11, 59, 59, tzinfo=UK), "open"),
        (datetime.datetime(2026, 4, 30, 12, 0, tzinfo=UK), "closed"),
        (datetime.datetime(2026, 4, 30, 11, 0, tzinfo=datetime.UTC), "closed"),  # noon BST is 11:00 UTC
    ],
)
def test_a_published_rounds_phase_follows_the_clock(moment, expected):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    assert selectors.phase(round, moment) == expected


def test_the_phase_reads_the_services_clock(time_machine):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    time_machine.move_to(datetime.datetime(2026, 4, 15, 9, 0, tzinfo=UK))
    assert selectors.phase(round) == "open"


@pytest.mark.parametrize(
    "status", [RoundStatus.DRAFT, RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED, RoundStatus.CANCELLED]
)
def test_other_rounds_are_in_their_status_whatever_the_date(status):
    round = RoundFactory(status=status)
    assert selectors.phase(round, datetime.datetime(2026, 4, 15, tzinfo=UK)) == status


def test_the_officers_list_filters_by_year_and_status():
    RoundFactory(reference="A-2026", fy=2026, status=RoundStatus.PUBLISHED)
    RoundFactory(reference="B-2026", fy=2026)
    RoundFactory(reference="C-2025", fy=2025)
    assert [r.reference for r in selectors.rounds_list(fy=2026)] == ["A-2026", "B-2026"]
    assert [r.reference for r in selectors.rounds_list(status="draft")] == ["B-2026", "C-2025"]
    assert [r.reference for r in selectors.rounds_list(fy=2025, status="published")] == []


def _queries_for_list() -> int:
    with CaptureQueriesContext(connection) as queries:
        for round in selectors.rounds_list():
            str(round.priority.name) + round.funding_stream.name
    return len(queries)


def test_the_officers_list_costs_one_query_whatever_its_length():
    RoundFactory.create_batch(2)
    assert _queries_for_list() == 1
    RoundFactory.create_batch(8)
    assert _queries_for_list() == 1


def test_the_public_sees_published_decided_and_results_published_rounds_only():
    for status in RoundStatus.values:
        RoundFactory(reference=status.upper(), status=status)
    assert sorted(r.reference for r in selectors.published_rounds()) == [
        "DECIDED",
        "PUBLISHED",
        "RESULTS_PUBLISHED",
    ]
    with pytest.raises(Http404):
        selectors.public_round("DRAFT")
    with pytest.raises(Http404):
        selectors.public_round("CANCELLED")
    assert selectors.public_round("PUBLISHED").reference == "PUBLISHED"


def test_access_round_checks_the_capability(officer, finance_officer):
    round = RoundFactory()
    assert selectors.access_round(officer, round.reference, capability="rounds.edit") == round
    assert selectors.access_round(finance_officer, round.reference) == round
    with pytest.raises(PermissionDenied):
        selectors.access_round(finance_officer, round.reference, capability="rounds.edit")
    with pytest.raises(PermissionDenied):
        selectors.access_round(UserFactory(role=Role.APPLICANT), round.reference)
    with pytest.raises(Http404):
        selectors.access_round(officer, "NO-SUCH")
