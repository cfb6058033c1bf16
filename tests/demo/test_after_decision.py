"""The demo after the decision: one full seed (the suite is slow), read by every test."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from demo.grants.after_decision import after_decision_seed, award_closed_seed
from grants.agreements.acceptance import award_may_be_paid, live_agreement
from grants.closeout.selectors import retention_due
from grants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    Award,
    AwardClosure,
    CarryForward,
    Payment,
    Recommission,
    Recovery,
    RecoveryStatus,
    SpendReturn,
    SpendReturnKind,
    Variation,
    VariationKind,
    VariationStatus,
)
from pcc_commissioning.roles import provider_organisation_id

PROJECT_APPS = (
    "pcc_commissioning",
    "providers",
    "outcomes",
    "needs_assessment",
    "grants",
    "rounds",
    "reports",
    "delivery",
)


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed the demo once (the whole demo's second run is ``test_seed_demo``'s), then run this
    part again, in a transaction rolled back after the module's tests (each test's own
    transaction nests inside it), so the other modules see an empty database."""
    rule = override_settings(PAYMENT_NEEDS_ACCEPTED_AGREEMENT=True)  # the seed must pass with the rule on
    with django_db_blocker.unblock(), transaction.atomic(), rule:
        call_command("seed_demo", force=True, stdout=io.StringIO())
        before = _counts()
        users = get_user_model().objects
        again = after_decision_seed(
            officer=users.get(username="officer"),
            finance=users.get(username="finance"),
            provider_user=users.get(username="provider"),
        ) + award_closed_seed(officer=users.get(username="officer"))
        yield {"before": before, "after": _counts(), "again": again}
        transaction.set_rollback(True)


# One seed of the whole demo, on a machine that may be busy: more than the default 300 seconds.
pytestmark = [pytest.mark.django_db, pytest.mark.agreement_rule, pytest.mark.timeout(900)]


def test_a_second_run_writes_nothing(seeded):
    assert seeded["after"] == seeded["before"]
    assert seeded["again"] == 0


def test_one_agreement_is_countersigned_from_the_starter_template(seeded):
    agreement = Agreement.objects.get(award__reference="AWD-2019-0011", variation=None, number=2)
    assert agreement.status == AgreementStatus.COUNTERSIGNED
    assert agreement.template.name == "Standard grant agreement"
    assert agreement.issued_at.date() == datetime.date(2019, 6, 3)
    assert agreement.figures["agreement"]["issued_on"] == "2019-06-03"
    assert Agreement.objects.get(award=agreement.award, variation=None, number=1).status == AgreementStatus.SUPERSEDED


def test_harbours_version_2_waits_for_the_demo_providers_acceptance(seeded):
    award = Award.objects.get(reference="AWD-2019-0005")
    agreement = live_agreement(award)
    assert (agreement.number, agreement.status) == (2, AgreementStatus.ISSUED)
    provider = apps.get_model("pcc_commissioning", "User").objects.get(username="provider")
    assert provider_organisation_id(provider) == award.provider_id
    assert provider.provider_membership.is_signatory
    assert not award_may_be_paid(award)  # PAYMENT_NEEDS_ACCEPTED_AGREEMENT is on, and the seed passed


def test_a_six_month_no_cost_extension_is_approved_in_2019_with_its_letter(seeded):
    variation = Variation.objects.get(award__reference="AWD-2019-0011", kind=VariationKind.EXTENSION)
    assert variation.status == VariationStatus.APPROVED
    assert (variation.requested_on, variation.decided_on) == (datetime.date(2019, 11, 18), datetime.date(2019, 12, 2))
    assert (variation.old_end_date, variation.new_end_date) == (datetime.date(2020, 3, 31), datetime.date(2020, 9, 30))
    assert variation.award.end_date == datetime.date(2020, 9, 30)
    assert variation.award.versions.count() == 2
    letter = Agreement.objects.get(variation=variation)
    assert letter.kind == AgreementKind.VARIATION_LETTER
    assert letter.issued_at.date() == datetime.date(2019, 12, 2)


def test_an_uplift_waits_for_finance_and_a_request_is_declined_with_its_reason(seeded):
    uplift = Variation.objects.get(award__reference="AWD-2019-0015", kind=VariationKind.VALUE)
    assert uplift.status == VariationStatus.AWAITING_FINANCE
    assert sum(line.amount for line in uplift.lines.all()) == Decimal("10200.00")  # £10,000 plus 2%
    declined = Variation.objects.get(status=VariationStatus.DECLINED)
    assert declined.award.reference == "AWD-2019-0005"
    assert declined.raised_by_provider
    assert "fully committed" in declined.decision_note


def test_the_final_spend_return_shows_an_underspend_recovered(seeded):
    spend = SpendReturn.objects.get(award__reference="AWD-2019-0002", fy=2019, kind=SpendReturnKind.FINAL)
    lines = list(spend.lines.all())
    assert len(lines) == 3
    assert sum(line.planned - line.actual for line in lines) == Decimal("1450.00")
    recovery = Recovery.objects.get(spend_return=spend)
    assert (recovery.status, recovery.amount) == (RecoveryStatus.RECOVERED, Decimal("1450.00"))
    assert list(Payment.objects.filter(recovery=recovery).values_list("amount", flat=True)) == [Decimal("-1450.00")]


def test_a_second_recovery_is_written_off_under_a_signed_decision(seeded):
    recovery = Recovery.objects.get(status=RecoveryStatus.WRITTEN_OFF)
    assert recovery.award.reference == "AWD-2019-0011"
    assert recovery.write_off_decision.is_signed
    assert Recovery.objects.count() == 2


def test_moj_money_is_carried_into_2020_21_under_a_decision(seeded):
    carry = CarryForward.objects.get()
    assert (carry.from_fy, carry.amount) == (2019, Decimal("12500.00"))
    assert carry.stream.name.startswith("MoJ")
    assert carry.decision.is_signed


def test_one_award_is_closed_in_2020_and_due_for_redaction_now(seeded):
    closure = AwardClosure.objects.get()
    assert closure.award.reference == "AWD-2019-0002"
    assert closure.closed_on == datetime.date(2020, 7, 15)
    assert closure.personal_data_until == datetime.date(2026, 7, 15)
    assert closure.recommission == Recommission.CHANGED
    assert closure.redacted_at is None
    assert list(retention_due(today=datetime.date(2026, 12, 6))) == [closure]
