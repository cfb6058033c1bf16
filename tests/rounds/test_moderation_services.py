"""recommendation_change: every change kept, the application holds the latest, refused after the
decision and for anyone but an officer."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rounds.models import RecommendationChange, RoundStatus
from rounds.moderation.services import recommendation_change
from tests.factories import UserFactory
from tests.factories.rounds import ApplicationFactory, RoundFactory

pytestmark = pytest.mark.django_db


def change(actor, application, **overrides):
    fields = {"recommended": True, "amount_offered": Decimal("5000"), "reason": "Strong case.", "feedback": ""}
    fields.update(overrides)
    return recommendation_change(actor=actor, application=application, **fields)


def test_each_change_is_kept_and_the_application_holds_the_latest(officer):
    application = ApplicationFactory(round=RoundFactory(status=RoundStatus.PUBLISHED))
    change(officer, application, feedback="  Well evidenced.  ")
    saved = change(officer, application, recommended=None, amount_offered=None, reason="Back as it was.")
    assert saved.recommended_override is None and saved.amount_offered_override is None
    assert saved.feedback == ""
    history = list(RecommendationChange.objects.filter(application=application))
    assert [(c.recommended, c.amount_offered, c.reason) for c in history] == [
        (None, None, "Back as it was."),
        (True, Decimal("5000"), "Strong case."),
    ]
    assert history[0].by == officer
    change(officer, application, recommended=False, amount_offered=None, feedback="Not enough evidence of need.")
    application.refresh_from_db()
    assert application.recommended_override is False
    assert application.feedback == "Not enough evidence of need."


def test_reason_required_and_amount_within_the_largest_grant(officer):
    application = ApplicationFactory(round=RoundFactory(status=RoundStatus.PUBLISHED, max_amount=Decimal("25000")))
    with pytest.raises(ValidationError) as caught:
        change(officer, application, reason="  ", amount_offered=Decimal("25000.01"))
    assert set(caught.value.message_dict) == {"reason", "amount_offered"}
    with pytest.raises(ValidationError) as caught:
        change(officer, application, recommended=False, amount_offered=Decimal("100"))
    assert "amount_offered" in caught.value.message_dict
    change(officer, application, amount_offered=Decimal("25000"))  # exactly the largest is allowed
    assert RecommendationChange.objects.count() == 1


@pytest.mark.parametrize("status", [RoundStatus.DECIDED, RoundStatus.RESULTS_PUBLISHED])
def test_refused_once_decided(officer, status):
    application = ApplicationFactory(round=RoundFactory(status=status))
    with pytest.raises(ValidationError) as caught:
        change(officer, application)
    assert "cannot change now" in str(caught.value)
    assert not RecommendationChange.objects.exists()
    application.refresh_from_db()
    assert application.recommended_override is None


@pytest.mark.parametrize("role", ["Board member", "Assessor", "Applicant", "Provider user"])
def test_only_officers_change(role):
    from pcc_commissioning.roles import Role

    roles = {"Board member": Role.BOARD, "Assessor": Role.ASSESSOR, "Applicant": Role.APPLICANT}
    user = UserFactory(role=roles.get(role, Role.PROVIDER))
    application = ApplicationFactory(round=RoundFactory(status=RoundStatus.PUBLISHED))
    with pytest.raises(PermissionDenied):
        change(user, application)
    assert not RecommendationChange.objects.exists()
