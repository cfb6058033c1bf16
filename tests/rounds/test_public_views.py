"""The public pages of grant rounds: no sign-in, published rounds only, and their results."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from rounds.models import ApplicationStatus, EligibilityKind, RoundStatus
from tests.factories import (
    ApplicantOrganisationFactory,
    ApplicationFactory,
    EligibilityQuestionFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db
UK = timezone.get_default_timezone()


def test_anyone_sees_the_list_of_published_rounds_but_not_drafts_or_cancelled(client):
    RoundFactory(name="Open Fund", status=RoundStatus.PUBLISHED)
    RoundFactory(name="Draft Fund", status=RoundStatus.DRAFT)
    RoundFactory(name="Cancelled Fund", status=RoundStatus.CANCELLED)
    RoundFactory(name="Decided Fund", status=RoundStatus.DECIDED)
    response = client.get(reverse("rounds_public:list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Open Fund" in page and "Decided Fund" in page
    assert "Draft Fund" not in page and "Cancelled Fund" not in page


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CANCELLED])
def test_a_draft_or_cancelled_round_is_not_found(client, officer_client, status):
    round = RoundFactory(status=status)
    assert client.get(reverse("rounds_public:detail", args=[round.reference])).status_code == 404
    assert officer_client.get(reverse("rounds_public:detail", args=[round.reference])).status_code == 404


def test_an_upcoming_rounds_page_says_what_when_and_who(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 1, 12, 0, tzinfo=UK))
    round = RoundFactory(
        name="Safer Streets Fund",
        status=RoundStatus.PUBLISHED,
        summary="Projects that make streets safer.",
        who_can_apply="Charities working in the county.",
    )
    EligibilityQuestionFactory(round=round, question="Are you a registered charity?", required_answer=True)
    EligibilityQuestionFactory(
        round=round,
        question="What was your income last year?",
        kind=EligibilityKind.NUMBER,
        required_answer=None,
        max_value=Decimal("500000"),
    )
    page = client.get(reverse("rounds_public:detail", args=[round.reference])).content.decode()
    assert '<h1 class="govuk-heading-xl">Safer Streets Fund</h1>' in page
    assert "Projects that make streets safer." in page
    assert "Charities working in the county." in page
    assert "Are you a registered charity? (you must answer yes)" in page
    assert "What was your income last year? (at most 500,000)" in page
    assert "From £1,000.00 to £25,000.00" in page
    assert "This round opens at midday on 1 April 2026 (UK time)." in page
    assert "20 May 2026" in page  # the panel date
    assert "Sign out" not in page and 'id="navigation"' not in page


def test_a_closed_round_says_so(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 1, 12, 0, tzinfo=UK))
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    page = client.get(reverse("rounds_public:detail", args=[round.reference])).content.decode()
    assert "This round is closed." in page


def test_published_results_list_the_successful_applications_and_the_amounts_offered(client):
    round = RoundFactory(status=RoundStatus.RESULTS_PUBLISHED)
    ApplicationFactory(
        round=round,
        organisation=ApplicantOrganisationFactory(name="Bridge Trust"),
        title="Night patrols",
        status=ApplicationStatus.SUCCESSFUL,
        amount_requested=Decimal("12000.00"),
        amount_offered_override=Decimal("9500.00"),
    )
    ApplicationFactory(
        round=round,
        organisation=ApplicantOrganisationFactory(name="Anchor Project"),
        title="Youth club",
        status=ApplicationStatus.SUCCESSFUL,
        amount_requested=Decimal("8000.00"),
    )
    ApplicationFactory(
        round=round,
        organisation=ApplicantOrganisationFactory(name="Turned Down Ltd"),
        status=ApplicationStatus.UNSUCCESSFUL,
    )
    page = client.get(reverse("rounds_public:detail", args=[round.reference])).content.decode()
    assert "This round is closed." in page
    assert page.index("Anchor Project") < page.index("Bridge Trust")
    assert "Night patrols" in page and "£9,500.00" in page and "£12,000.00" not in page
    assert "Youth club" in page and "£8,000.00" in page
    assert "Turned Down Ltd" not in page


def test_a_decided_rounds_results_wait_until_published(client):
    round = RoundFactory(status=RoundStatus.DECIDED)
    ApplicationFactory(
        round=round, organisation=ApplicantOrganisationFactory(name="Bridge Trust"), status=ApplicationStatus.SUCCESSFUL
    )
    page = client.get(reverse("rounds_public:detail", args=[round.reference])).content.decode()
    assert "Bridge Trust" not in page


def test_anonymous_visitors_are_sent_to_sign_in_for_the_officers_pages(client):
    round = RoundFactory(status=RoundStatus.PUBLISHED)
    for url in (reverse("rounds:list"), reverse("rounds:detail", args=[round.reference])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert client.get(reverse("rounds_public:detail", args=[round.reference])).status_code == 200
