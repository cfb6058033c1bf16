"""The needs services check the actor's capability themselves: a board member (read-only)
calling one directly is refused with PermissionDenied and nothing changes."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from needs_assessment import intentions, services
from needs_assessment.models import Area, CommissioningIntention, IntentionStatus, Theme
from tests.factories.needs import AreaFactory, CommissioningIntentionFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "themes": Theme.objects.count(),
        "areas": list(Area.objects.values_list("pk", "name").order_by("pk")),
        "intentions": list(CommissioningIntention.objects.values_list("pk", "title", "status", "version")),
        "intention history": CommissioningIntention.history.count(),
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda actor, intention, area: services.theme_create(actor=actor, name="Housing"),
        lambda actor, intention, area: services.area_update(area=area, actor=actor, name="Elsewhere"),
        lambda actor, intention, area: intentions.intention_create(actor=actor, title="New", rank="must"),
        lambda actor, intention, area: intentions.intention_update(
            intention=intention, actor=actor, expected_version=None, title="Changed"
        ),
        lambda actor, intention, area: intentions.intention_set_status(
            intention=intention, actor=actor, status=IntentionStatus.AGREED
        ),
    ],
    ids=["theme_create", "area_update", "intention_create", "intention_update", "intention_set_status"],
)
def test_a_board_member_calling_a_service_directly_is_refused_and_nothing_changes(call, board_member):
    intention, area = CommissioningIntentionFactory(), AreaFactory()
    before = _snapshot()
    with pytest.raises(PermissionDenied, match=r"Your role does not allow this \(needs.edit\)\."):
        call(board_member, intention, area)
    assert _snapshot() == before


def test_an_intention_moves_through_its_machine_with_one_history_row(officer):
    intention = CommissioningIntentionFactory()
    rows = intention.history.count()
    moved = intentions.intention_set_status(intention=intention, actor=officer, status="Dropped ")
    assert (moved.status, moved.version) == (IntentionStatus.DROPPED, 2)
    assert intention.history.count() == rows + 1
    assert intention.history.first().history_user == officer
    # A dropped intention may be taken up again; its own status changes nothing.
    intentions.intention_set_status(intention=moved, actor=officer, status="")
    unchanged = intentions.intention_set_status(intention=moved, actor=officer, status="proposed")
    assert (unchanged.status, unchanged.version) == (IntentionStatus.PROPOSED, 3)
    assert intention.history.count() == rows + 2


def test_an_unknown_intention_status_is_refused_with_the_choices(officer):
    intention = CommissioningIntentionFactory()
    with pytest.raises(ValidationError) as refused:
        intentions.intention_set_status(intention=intention, actor=officer, status="shelved")
    assert refused.value.message_dict == {
        "status": ["Choose the status (proposed, agreed, in_procurement, commissioned, dropped)."]
    }
