"""Fixtures for accepting agreements: an award of Helping Hands with an issued agreement, its
signatory, a colleague who is not, and another organisation's signatory."""

from __future__ import annotations

import pytest

from pcc_commissioning.roles import Role
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.agreement_acceptance import AgreementFactory, provider_user_of


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def helping_hands(db):
    return OrganisationFactory(name="Helping Hands")


@pytest.fixture
def lead_officer(db):
    return UserFactory(
        username="lead", role=Role.OFFICER, first_name="Lena", last_name="Lead", email="lead@opcc.example"
    )


@pytest.fixture
def agreement(helping_hands, lead_officer):
    return AgreementFactory(
        award__provider=helping_hands, award__reference="AWD-2019-0042", award__lead_officer=lead_officer
    )


@pytest.fixture
def signatory(helping_hands):
    return provider_user_of(helping_hands, "jane", signatory=True, first_name="Jane", last_name="Doe")


@pytest.fixture
def colleague(helping_hands):
    return provider_user_of(helping_hands, "colleague", signatory=False, first_name="Colin", last_name="Colleague")


@pytest.fixture
def stranger(db):
    return provider_user_of(OrganisationFactory(name="Other Org"), "stranger", signatory=True)
