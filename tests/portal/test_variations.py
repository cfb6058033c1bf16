"""The portal's variations: a provider user asks to vary its own organisation's award and reads
and withdraws its own requests; another organisation's are 404."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from grants.models import AwardStatus, Variation, VariationKind, VariationStatus
from pcc_commissioning.roles import Role
from providers.services import membership_set

from ..factories import AwardFactory, FundingLineFactory, OrganisationFactory, UserFactory
from ..factories.variations import VariationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2019, 10, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def award(organisation):
    award = AwardFactory(provider=organisation, status=AwardStatus.ACTIVE, reference="AWD-2019-0007")
    FundingLineFactory(award=award)
    return award


def _request(award, **extra) -> dict:
    data = {
        "kind": VariationKind.EXTENSION,
        "reason": "Referrals started late.",
        "new_end_date_0": "30",
        "new_end_date_1": "9",
        "new_end_date_2": "2020",
    }
    for line in award.lines.all():
        data[f"line_{line.stream_id}_{line.fy}"] = f"{line.amount}"
    return data | extra


def test_a_provider_user_asks_for_a_no_cost_extension_and_reads_it(award, provider_client, provider_user):
    url = reverse("portal:variation_create", args=[award.pk])
    page = provider_client.get(url).content.decode()
    assert "Ask for a change" in page and "Transfer to another provider" not in page
    response = provider_client.post(url, _request(award))
    variation = Variation.objects.get()
    assert response.status_code == 302 and response.url == reverse("portal:variation", args=[variation.pk])
    assert (variation.reference, variation.raised_by_provider, variation.requested_by) == (
        "AWD-2019-0007-V1",
        True,
        provider_user,
    )
    page = provider_client.get(response.url).content.decode()
    assert "30 September 2020" in page and "Withdraw your request" in page
    response = provider_client.post(
        reverse("portal:variation_withdraw", args=[variation.pk]),
        {"withdraw-version": variation.version, "withdraw-reason": "We caught up."},
    )
    assert response.status_code == 302
    variation.refresh_from_db()
    assert (variation.status, variation.decision_note) == (VariationStatus.WITHDRAWN, "We caught up.")


def test_another_organisations_award_and_variations_are_404(award, provider_client):
    theirs = AwardFactory(provider=OrganisationFactory(), status=AwardStatus.ACTIVE)
    variation = VariationFactory(award=theirs)
    assert provider_client.get(reverse("portal:variation_create", args=[theirs.pk])).status_code == 404
    assert (
        provider_client.post(reverse("portal:variation_create", args=[theirs.pk]), _request(theirs)).status_code == 404
    )
    assert provider_client.get(reverse("portal:variation", args=[variation.pk])).status_code == 404
    response = provider_client.post(
        reverse("portal:variation_withdraw", args=[variation.pk]), {"withdraw-version": 1, "withdraw-reason": "x"}
    )
    assert response.status_code == 404
    assert not Variation.objects.exclude(pk=variation.pk).exists()


def test_a_colleague_reads_but_does_not_withdraw_anothers_request(award, organisation, login_as):
    colleague = UserFactory(role=Role.PROVIDER)
    membership_set(user=colleague, organisation=organisation)
    variation = VariationFactory(award=award, requested_by=UserFactory(role=Role.PROVIDER))
    client = login_as(colleague)
    page = client.get(reverse("portal:variation", args=[variation.pk])).content.decode()
    assert variation.reference in page and "Withdraw your request" not in page
    response = client.post(
        reverse("portal:variation_withdraw", args=[variation.pk]), {"withdraw-version": 1, "withdraw-reason": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICER, Role.FINANCE, Role.BOARD, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER])
def test_the_portal_pages_are_for_provider_users_only(award, login_as, role):
    client = login_as(UserFactory(role=role))
    variation = VariationFactory(award=award)
    assert client.get(reverse("portal:variation_create", args=[award.pk])).status_code == 403
    assert client.get(reverse("portal:variation", args=[variation.pk])).status_code == 403


def test_a_planned_award_is_not_varied_from_the_portal(organisation, provider_client):
    planned = AwardFactory(provider=organisation, status=AwardStatus.PLANNED)
    assert provider_client.get(reverse("portal:variation_create", args=[planned.pk])).status_code == 404


def test_the_providers_award_page_lists_its_requests_and_offers_to_ask_for_a_change(award, provider_client):
    VariationFactory(
        award=award, reference="AWD-2019-0007-V1", kind=VariationKind.EXTENSION, new_end_date=datetime.date(2020, 9, 30)
    )
    page = provider_client.get(reverse("portal:award", args=[award.pk])).content.decode()
    assert reverse("portal:variation_create", args=[award.pk]) in page
    assert "AWD-2019-0007-V1: time extension (no cost)" in page
    assert reverse("portal:variation", args=[award.variations.get().pk]) in page


def test_an_ended_award_lists_its_requests_but_offers_no_new_one(award, provider_client):
    award.status = AwardStatus.ENDED
    award.save()
    page = provider_client.get(reverse("portal:award", args=[award.pk])).content.decode()
    assert "No changes have been asked for." in page
    assert reverse("portal:variation_create", args=[award.pk]) not in page
