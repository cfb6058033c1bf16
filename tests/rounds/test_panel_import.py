"""The panel import: existing users by username, new (inactive) assessor accounts otherwise."""

import pytest
from django.contrib.auth import get_user_model

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from rounds.models import PanelMember, RoundStatus
from tests.factories import UserFactory
from tests.factories.rounds import RoundFactory


@pytest.fixture
def round(db):
    return RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)


def _import(text: str, reference="CSF-2026"):
    return run_import("panel", text.encode(), filename="panel.csv", options={"round": reference})


def test_adds_existing_and_creates_assessor(round):
    board = UserFactory(username="bob", role="Board member")
    result = _import("username,name,email\nbob,,\nnew.person,Nia Jones,Nia@Example.org\n")
    assert (result.created, result.skipped) == (2, 0)
    created = get_user_model().objects.get(username="new.person")
    assert (created.first_name, created.last_name, created.email, created.is_active) == (
        "Nia",
        "Jones",
        "nia@example.org",
        False,
    )
    assert created.groups.filter(name="Assessor").exists()
    assert set(PanelMember.objects.filter(round=round).values_list("user__username", flat=True)) == {
        board.username,
        "new.person",
    }
    assert _import("username,name,email\nbob,,\n").skipped == 1


def test_all_or_nothing_naming_row_and_column(round):
    UserFactory(username="prov", role="Provider user")
    with pytest.raises(ImportFailed) as exc:
        _import("username,name,email\nnew.one,A B,a@example.org\nprov,,\nnobody,,not-an-email\n")
    assert [(e.row, e.column) for e in exc.value.errors] == [(3, "username"), (4, "email")]
    assert not PanelMember.objects.exists()
    assert not get_user_model().objects.filter(username="new.one").exists()


def test_decided_round_refused(round):
    round.status = RoundStatus.DECIDED
    round.save()
    with pytest.raises(ImportFailed) as exc:
        _import("username,name,email\nx,,x@example.org\n")
    assert [str(e) for e in exc.value.errors] == ["Row 1: Round CSF-2026 is decided: its panel cannot change."]
