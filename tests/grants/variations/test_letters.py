"""The variation letter is issued through the agreements' service; approval does not wait for it."""

from __future__ import annotations

import datetime
import sys

import pytest

from grants.models import Agreement, AgreementKind, AgreementTemplate, VariationKind, VariationStatus
from grants.variations.services import variation_approve, variation_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(db):
    return AgreementTemplate.objects.create(
        name="Letter for a variation", kind=AgreementKind.VARIATION_LETTER, terms="We agree to vary {{ reference }}."
    )


def test_without_the_agreements_service_the_variation_is_approved_without_a_letter(award, officer, letter, monkeypatch):
    monkeypatch.setitem(sys.modules, "grants.agreements.services", None)  # importing it fails
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Late start.",
        new_end_date=datetime.date(2021, 6, 30),
    )
    done = variation_approve(actor=officer, variation=variation, letter_template=letter)
    assert done.status == VariationStatus.APPROVED
    award.refresh_from_db()
    assert award.end_date == datetime.date(2021, 6, 30)


def test_the_letter_is_issued_from_the_chosen_template_with_the_figures_after_the_change(
    award, officer, letter, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    variation = variation_request(
        actor=officer,
        award=award,
        kind=VariationKind.EXTENSION,
        reason="Late start.",
        new_end_date=datetime.date(2021, 6, 30),
    )
    done = variation_approve(actor=officer, variation=variation, letter_template=letter)
    sent = Agreement.objects.get(variation=done)
    assert (sent.kind, sent.number, sent.template) == (AgreementKind.VARIATION_LETTER, 1, letter)
    assert sent.issued_by == officer
    assert sent.figures["last_day"] == "2021-06-30"  # the award as varied
