"""The recovery machine: which statuses lead where, who may make each move, and which buttons
each role sees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants.models import RecoveryStatus
from grants.recoveries.transitions import RECOVERY_MACHINE, actions_for, receipt_move
from pcc_commissioning.roles import Role
from tests.factories import UserFactory
from tests.factories.recoveries import RecoveryFactory

S = RecoveryStatus


def test_the_statuses_lead_where_a_finance_team_expects():
    assert RECOVERY_MACHINE.targets(S.RAISED) == {S.PART_RECOVERED, S.RECOVERED, S.WRITTEN_OFF}
    assert RECOVERY_MACHINE.targets(S.PART_RECOVERED) == {S.PART_RECOVERED, S.RECOVERED, S.WRITTEN_OFF}
    assert RECOVERY_MACHINE.targets(S.RECOVERED) == frozenset()
    assert RECOVERY_MACHINE.targets(S.WRITTEN_OFF) == frozenset()


def test_receipts_are_finances_and_write_off_is_an_officers_with_a_decision():
    machine = RECOVERY_MACHINE.by_name
    assert machine["recover"].capability == machine["part_recover"].capability == "payments.edit"
    assert machine["write_off"].capability == "recoveries.edit"
    assert machine["write_off"].system is False  # a write-off is always someone's, never the system's
    assert machine["write_off"].warning and machine["write_off"].needs_note


@pytest.mark.parametrize(
    ("amount", "left", "move"),
    [("1250.50", "1250.50", "recover"), ("1000", "1250.50", "part_recover"), ("0.01", "0.01", "recover")],
)
def test_a_receipt_that_reaches_the_amount_settles_the_recovery(amount, left, move):
    assert receipt_move(amount=Decimal(amount), left=Decimal(left)) == move


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        (Role.OFFICER, ["Write off"]),
        (Role.FINANCE, ["Record money received"]),
        (Role.BOARD, []),
        (Role.PROVIDER, []),
    ],
)
def test_each_role_sees_its_own_buttons(role, buttons):
    recovery = RecoveryFactory()
    assert [action.label for action in actions_for(recovery, UserFactory(role=role))] == buttons
    recovery.status = S.RECOVERED
    assert actions_for(recovery, UserFactory(role=role)) == []
