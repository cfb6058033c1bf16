"""The officer's variation pages: raising on an award, a variation's steps, the list, and who
may do what there."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.awards.rules import LineInput
from grants.models import MonitoringReturn, Variation, VariationKind, VariationStatus
from grants.variations.services import variation_approve, variation_request
from pcc_commissioning.roles import Role

from ...factories import OrganisationFactory, UserFactory
from ...factories.variations import VariationFactory

pytestmark = pytest.mark.django_db


def _raise_data(award, **extra) -> dict:
    data = {
        "kind": VariationKind.EXTENSION,
        "reason": "The service started late.",
        "new_end_date_0": "30",
        "new_end_date_1": "9",
        "new_end_date_2": "2021",
    }
    for line in award.lines.all():
        data[f"line_{line.stream_id}_{line.fy}"] = f"{line.amount}"
    return data | extra


def _value_variation(award, officer, stream, amount="14000"):
    return variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.VALUE,
        reason="Cost-of-living uplift.",
        lines=[
            LineInput(stream=stream, fy=2019, amount=Decimal("10000")),
            LineInput(stream=stream, fy=2020, amount=Decimal(amount)),
        ],
    )


def test_an_officer_raises_and_approves_a_no_cost_extension(award, officer_client):
    url = reverse("grants:award_variations", args=[award.pk])
    page = officer_client.get(url).content.decode()
    assert "Raise a variation" in page and "For a time extension" in page
    response = officer_client.post(url, _raise_data(award))
    variation = Variation.objects.get()
    assert response.status_code == 302 and response.url == reverse("grants:variation_detail", args=[variation.pk])
    assert variation.new_end_date == datetime.date(2021, 9, 30) and not variation.lines.exists()
    page = officer_client.get(response.url).content.decode()
    assert "31 March 2021" in page and "30 September 2021" in page and ">Approve<" in page
    response = officer_client.post(
        reverse("grants:variation_approve", args=[variation.pk]), {"version": variation.version, "note": ""}
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.end_date == datetime.date(2021, 9, 30)
    assert MonitoringReturn.objects.filter(award=award, fy=2021).count() == 2
    detail = officer_client.get(reverse("grants:award_detail", args=[award.pk])).content.decode()
    assert "Varied: version 2 since 1 October 2019" in detail
    assert "AWD-2019-0042-V1" in detail


def test_the_raise_form_shows_the_service_errors(award, officer_client):
    url = reverse("grants:award_variations", args=[award.pk])
    response = officer_client.post(url, _raise_data(award, new_end_date_2="2020"))
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "The new end date must be after the award&#x27;s current last day, 31 March 2021." in page
    assert not Variation.objects.exists()


def test_finance_sees_what_waits_for_it_and_approves(award, officer, finance_client, stream):
    variation = variation_approve(actor=officer, variation=_value_variation(award, officer, stream))
    banner = finance_client.get(reverse("grants:award_detail", args=[award.pk])).content.decode()
    assert "1 variation waiting for finance" in banner
    listed = finance_client.get(reverse("grants:variation_list") + "?status=awaiting_finance").content.decode()
    assert variation.reference in listed
    page = finance_client.get(reverse("grants:variation_detail", args=[variation.pk])).content.decode()
    assert "Approve for finance" in page and "Link a PCC decision" not in page
    response = finance_client.post(
        reverse("grants:variation_approve", args=[variation.pk]), {"version": variation.version}
    )
    assert response.status_code == 302
    variation.refresh_from_db()
    assert variation.status == VariationStatus.APPROVED


def test_a_value_above_the_limit_says_what_it_waits_for(award, officer, finance_officer, officer_client, stream):
    variation = _value_variation(award, officer, stream, amount="22000")
    variation = variation_approve(
        actor=finance_officer, variation=variation_approve(actor=officer, variation=variation)
    )
    url = reverse("grants:variation_detail", args=[variation.pk])
    page = officer_client.get(url).content.decode()
    assert "Waiting for a signed PCC decision: the award&#x27;s value after the change, £32,000.00" in page
    response = officer_client.post(
        reverse("grants:variation_approve", args=[variation.pk]), {"version": variation.version}
    )
    assert response.status_code == 400 and "There is a problem" in response.content.decode()


def test_board_members_read_but_change_nothing(award, officer, board_client):
    variation = variation_request(actor=officer, award=award, kind="scope", reason="r", new_scope="Wider.")
    for url in (
        reverse("grants:award_variations", args=[award.pk]),
        reverse("grants:variation_detail", args=[variation.pk]),
        reverse("grants:variation_list"),
    ):
        response = board_client.get(url)
        assert response.status_code == 200
        assert '<form method="post"' not in response.content.decode().split("main-content")[-1]
    for step in ("approve", "decline", "withdraw", "link_decision"):
        response = board_client.post(
            reverse(f"grants:variation_{step}", args=[variation.pk]),
            {"version": 1, "reason": "x", "decline-reason": "x", "decline-version": 1},
        )
        assert response.status_code in (400, 403)
    variation.refresh_from_db()
    assert variation.status == VariationStatus.REQUESTED
    assert board_client.post(reverse("grants:award_variations", args=[award.pk]), _raise_data(award)).status_code == 403


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_outside_roles_cannot_reach_the_officer_pages(award, login_as, role):
    variation = VariationFactory(award=award)
    client = login_as(UserFactory(role=role))
    for url in (
        reverse("grants:award_variations", args=[award.pk]),
        reverse("grants:variation_detail", args=[variation.pk]),
        reverse("grants:variation_list"),
    ):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_sign_in(award, client):
    response = client.get(reverse("grants:variation_list"))
    assert response.status_code == 302 and "login" in response.url


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_cost_the_same_queries_at_two_sizes(award, officer_client):
    def more(count):
        for _ in range(count):
            VariationFactory(award=award, award__provider=OrganisationFactory())
            VariationFactory(award=award, kind=VariationKind.TRANSFER, new_provider=OrganisationFactory())

    more(1)
    urls = [
        reverse("grants:variation_list"),
        reverse("grants:award_variations", args=[award.pk]),
        reverse("grants:award_detail", args=[award.pk]),
    ]
    small = [_queries(officer_client, url) for url in urls]
    more(6)
    assert [_queries(officer_client, url) for url in urls] == small


def test_the_variation_tables_scroll_in_their_own_regions(award, officer, finance_officer, officer_client, stream):
    # Wider than a phone, each table scrolls in its own box so the page never scrolls sideways
    # (reflow): the proposal, the award's variations and each version's figures.
    variation = _value_variation(award, officer, stream)
    variation_approve(actor=finance_officer, variation=variation_approve(actor=officer, variation=variation))
    for url, tables in (
        (reverse("grants:variation_detail", args=[variation.pk]), 2),  # what it changed, the versions
        (reverse("grants:award_variations", args=[award.pk]), 2),  # the variations, the versions
    ):
        page = officer_client.get(url).content.decode()
        assert page.count('<table class="govuk-table">') == tables
        assert page.count('<div class="app-table-region" role="region"') == tables
        assert 'aria-label="Each version&#x27;s figures"' in page


def test_each_version_is_dated_from_when_it_took_effect(award, officer, finance_officer, officer_client, stream):
    # Approved on 1 October 2019 (the clock of these tests): the version as awarded runs from the
    # award's start, not from the day its snapshot was taken.
    variation = _value_variation(award, officer, stream)
    variation_approve(actor=finance_officer, variation=variation_approve(actor=officer, variation=variation))
    page = officer_client.get(reverse("grants:award_variations", args=[award.pk])).content.decode()
    versions = page[page.index("Each version&#x27;s figures") :]
    first, second = versions.index("As awarded"), versions.index(variation.reference)
    assert "1 Apr 2019" in versions[first:second] and "1 Oct 2019" in versions[second:]


def test_waiting_for_a_decision_the_officer_is_offered_only_to_link_one(
    award, officer, finance_officer, officer_client, stream
):
    # £10,000 + £20,000 = £30,000, above the delegated limit of £25,000: held for a PCC decision.
    variation = _value_variation(award, officer, stream, amount="20000")
    variation = variation_approve(
        actor=finance_officer, variation=variation_approve(actor=officer, variation=variation)
    )
    assert variation.status == VariationStatus.AWAITING_DECISION
    page = officer_client.get(reverse("grants:variation_detail", args=[variation.pk])).content.decode()
    assert reverse("grants:variation_link_decision", args=[variation.pk]) in page
    assert reverse("grants:variation_approve", args=[variation.pk]) not in page
