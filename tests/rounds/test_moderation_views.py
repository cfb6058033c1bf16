"""The ranking page, the recommendation change page and the ranking download."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pcc_commissioning.roles import Role
from rounds.models import RecommendationChange, RoundStatus
from tests.factories import UserFactory

from .scored import ineligible, scored_application, scored_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_data():
    round, criterion, members = scored_round(reference="CSF-26")
    # HIGH: 9, 8 -> mean 17/2 -> 85.0; LOW: 5, 6 -> 55.0; OUT ineligible.
    high = scored_application(
        round, criterion, members, [9, 8], reference="CSF-26-001", amount_requested=Decimal("12000")
    )
    low = scored_application(
        round, criterion, members, [5, 6], reference="CSF-26-002", amount_requested=Decimal("10000")
    )
    out = ineligible(scored_application(round, criterion, members, [9, 9], reference="CSF-26-003"))
    return round, high, low, out


def test_ranking_page_in_rank_order_with_the_limit(officer_client, round_data):
    round, high, low, out = round_data
    response = officer_client.get(reverse("rounds:ranking", args=[round.reference]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Ranking of CSF-26" in html
    assert "<h1" in html and "Ranking of CSF-26</h1>" in html
    assert html.index("CSF-26-001") < html.index("CSF-26-002") < html.index("CSF-26-003")
    assert "85.0" in html and "55.0" in html
    # 12,000 recommended; 12,000 + 10,000 = 22,000 > 20,000: LOW passed over.
    assert "budget £20,000.00, over-allocation 0%, limit £20,000.00" in html
    assert "Yes, £12,000.00" in html
    assert "fit:&nbsp;8.5&nbsp;(1)" in html  # HIGH's mean and spread on its criterion
    assert "format=xlsx" in html


def test_board_reads_but_cannot_change(board_client, round_data):
    round, high, *_ = round_data
    assert board_client.get(reverse("rounds:ranking", args=[round.reference])).status_code == 200
    url = reverse("rounds:recommendation", args=[round.reference, high.reference])
    page = board_client.get(url)
    assert page.status_code == 200 and "<form" not in page.content.decode().split("<main")[-1].split("</main>")[0]
    posted = board_client.post(url, {"recommended": "no", "reason": "x", "version": high.version})
    assert posted.status_code == 403
    assert not RecommendationChange.objects.exists()


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR])
def test_others_are_refused(login_as, round_data, role):
    round, high, *_ = round_data
    client = login_as(UserFactory(role=role))
    for url in (
        reverse("rounds:ranking", args=[round.reference]),
        reverse("rounds:ranking_export", args=[round.reference]),
        reverse("rounds:recommendation", args=[round.reference, high.reference]),
    ):
        assert client.get(url).status_code == 403


def test_officer_changes_a_recommendation(officer_client, round_data):
    round, high, low, out = round_data
    url = reverse("rounds:recommendation", args=[round.reference, low.reference])
    response = officer_client.post(
        url,
        {
            "recommended": "yes",
            "amount_offered": "8000",
            "reason": "Fits with less.",
            "feedback": "",
            "version": low.version,
        },
    )
    assert response.status_code == 302
    low.refresh_from_db()
    assert low.recommended_override is True and low.amount_offered_override == Decimal("8000")
    page = officer_client.get(reverse("rounds:ranking", args=[round.reference])).content.decode()
    assert "£20,000.00</td>" in page  # running total 12,000 + 8,000
    history = officer_client.get(url).content.decode()
    assert "Fits with less." in history


def test_missing_reason_shows_the_error(officer_client, round_data):
    round, high, *_ = round_data
    url = reverse("rounds:recommendation", args=[round.reference, high.reference])
    response = officer_client.post(url, {"recommended": "no", "reason": "", "version": high.version})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not RecommendationChange.objects.exists()


def test_decided_round_refuses_the_change(officer_client, round_data):
    round, high, *_ = round_data
    round.status = RoundStatus.DECIDED
    round.save()
    url = reverse("rounds:recommendation", args=[round.reference, high.reference])
    response = officer_client.post(url, {"recommended": "no", "reason": "Late.", "version": high.version})
    assert "<form" not in response.content.decode() or "cannot change now" in response.content.decode()
    assert not RecommendationChange.objects.exists()


def test_unknown_round_or_application_is_404(officer_client, round_data):
    round, *_ = round_data
    assert officer_client.get(reverse("rounds:ranking", args=["NOPE"])).status_code == 404
    assert officer_client.get(reverse("rounds:recommendation", args=[round.reference, "NOPE"])).status_code == 404


def test_ranking_page_query_count_is_flat(officer_client):
    round, criterion, members = scored_round(reference="BIG-26")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert officer_client.get(reverse("rounds:ranking", args=[round.reference])).status_code == 200
        return len(queries)

    for n in range(2):
        scored_application(round, criterion, members, [n + 3, 7])
    small = count()
    for n in range(10):
        scored_application(round, criterion, members, [n % 10, 4])
    assert count() == small


def test_download_csv(officer_client, round_data):
    round, *_ = round_data
    response = officer_client.get(reverse("rounds:ranking_export", args=[round.reference]) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert (
        lines[0]
        == "rank,application_reference,organisation,amount_requested,weighted_score,eligible,recommended,amount_offered,running_total"
    )
    assert len(lines) == 4
    xlsx = officer_client.get(reverse("rounds:ranking_export", args=[round.reference]) + "?format=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_a_long_ranking_is_paged_with_the_running_total_of_the_whole_round(officer_client):
    """101 applications: page 2 shows the 101st alone, its rank and running total counted over
    all 101 (each asks £100, all scored alike; the limit is far above £10,100)."""
    from rounds.moderation.views import RANKING_PAGE_SIZE

    assert RANKING_PAGE_SIZE == 100
    round, criterion, members = scored_round(reference="BIG-1", budget=Decimal("1000000"))
    for number in range(101):
        scored_application(
            round, criterion, members, [7, 7], reference=f"BIG-1-{number:04d}", amount_requested=Decimal("100")
        )
    first = officer_client.get(reverse("rounds:ranking", args=["BIG-1"])).content.decode()
    second = officer_client.get(reverse("rounds:ranking", args=["BIG-1"]) + "?page=2").content.decode()
    assert "BIG-1-0099" in first and "BIG-1-0100" not in first
    assert "BIG-1-0100" in second and "BIG-1-0000" not in second
    assert "£10,100.00" in second  # the 101st row's running total
    assert 'aria-label="Pagination"' in first
