"""The demo keeps the payment rule (on by default for ``make run``): every award it pays has an
accepted agreement first, with the signed copy it was recorded from."""

from __future__ import annotations

import pytest

from demo.files import read_csv
from demo.grants import grants_seed
from demo.outcomes import plan_seed
from demo.providers import organisations_seed
from grants.agreements.acceptance import award_may_be_paid
from grants.models import Agreement, AgreementStatus, Award

pytestmark = pytest.mark.agreement_rule


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_paid_demo_award_has_an_accepted_agreement(db, officer):
    organisation_rows = read_csv("organisations.csv")
    plan_seed(rows=read_csv("plan.csv"))
    organisations_seed(rows=organisation_rows)
    grants_seed(delivery_rows=read_csv("delivery_plan.csv"), organisation_rows=organisation_rows, lead_officer=officer)
    paid = Award.objects.filter(payments__paid_date__isnull=False, payments__amount__gt=0).distinct()
    assert paid.count() > 0
    for award in paid:
        assert award_may_be_paid(award), award.reference
        agreement = Agreement.objects.get(award=award)
        assert agreement.status == AgreementStatus.ACCEPTED and agreement.accepted_outside
        assert agreement.signed_copy.read().startswith(b"%PDF-")
        first_paid = award.payments.filter(paid_date__isnull=False).order_by("paid_date").first().paid_date
        assert agreement.accepted_at.date() < first_paid
