"""The transitions helper on a small machine of its own: a plain object stands in for a model
(``save`` counts its saves), so these need no tables beyond the users'."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pcc_commissioning.transitions import Guard, Machine, Move, Transition, available, run, run_update


class Door:
    """Stands in for a model: a status and a count of saves."""

    def __init__(self, status: str, *, painted: bool = True):
        self.status = status
        self.painted = painted
        self.saves = 0

    def save(self) -> None:
        self.saves += 1


def _painted(move: Move) -> str | None:
    return None if move.obj.painted else "Paint the door before opening it."


def _reason(move: Move) -> str | None:
    return None if move.context.get("reason") else "Say why."


def make_machine(history: list) -> Machine:
    return Machine(
        name="door",
        states=("shut", "open", "locked"),
        transitions=(
            Transition(
                "open", frozenset({"shut"}), "open", "Open", capability="grants.edit", guards=(Guard(_painted),)
            ),
            Transition("shut", frozenset({"open"}), "shut", "Shut", capability="grants.edit"),
            Transition(
                "lock",
                frozenset({"shut"}),
                "locked",
                "Lock",
                capability=("payments.edit", "grants.edit"),
                guards=(Guard(_reason, field="reason", always=True),),
            ),
            Transition("wipe", frozenset({"shut", "open"}), None, "Wipe", capability="grants.edit"),
            Transition("force", frozenset({"locked"}), "open", "Force", system=True, capability="grants.edit"),
        ),
        wrong_state=lambda door, name: f"A {door.status} door cannot be {name}ed.",
        record=lambda move: history.append((move.from_state, move.obj.status, move.actor, move.transition.name)),
    )


@pytest.fixture
def history() -> list:
    return []


@pytest.fixture
def machine(history) -> Machine:
    return make_machine(history)


def test_a_move_is_made_saved_and_recorded_once(machine, history, officer):
    door = Door("shut")
    assert run(machine, door, "open", actor=officer) is door
    assert door.status == "open"
    assert door.saves == 1
    assert history == [("shut", "open", officer, "open")]
    assert door._history_user == officer  # the simple_history row is attributed to the actor


def test_a_refused_guard_says_why_and_nothing_is_written(machine, history, officer):
    door = Door("shut", painted=False)
    with pytest.raises(ValidationError) as refused:
        run(machine, door, "open", actor=officer)
    assert refused.value.message_dict == {"__all__": ["Paint the door before opening it."]}
    assert (door.status, door.saves, history) == ("shut", 0, [])


def test_a_move_not_in_the_table_is_refused_with_the_machines_message(machine, history, officer):
    door = Door("open")
    with pytest.raises(ValidationError) as refused:
        run(machine, door, "open", actor=officer)
    assert refused.value.message_dict == {"status": ["A open door cannot be opened."]}
    with pytest.raises(ValidationError) as unknown:
        run(machine, door, "paint", actor=officer)
    assert unknown.value.message_dict == {"status": ["A open door cannot be painted."]}
    assert (door.status, door.saves, history) == ("open", 0, [])


def test_a_missing_capability_is_refused(machine, history, board_member, finance_officer):
    door = Door("shut")
    with pytest.raises(PermissionDenied, match=r"Your role does not allow this \(grants.edit\)\."):
        run(machine, door, "open", actor=board_member)
    assert (door.status, door.saves, history) == ("shut", 0, [])
    # One of several capabilities is enough.
    run(machine, door, "lock", actor=finance_officer, context={"reason": "Night"})
    assert door.status == "locked"


def test_the_system_may_move_unless_the_move_says_otherwise(history):
    door = Door("shut")
    run(make_machine(history), door, "open", actor=None)
    assert door.status == "open"
    people_only = Machine(
        name="door",
        states=("shut", "open"),
        transitions=(Transition("open", frozenset({"shut"}), "open", "Open", system=False),),
        wrong_state=lambda door, name: "No.",
    )
    with pytest.raises(PermissionDenied):
        run(people_only, Door("shut"), "open", actor=None)


def test_the_wrong_state_and_an_always_guard_are_reported_together(machine, officer):
    door = Door("open")
    with pytest.raises(ValidationError) as refused:
        run(machine, door, "lock", actor=officer)
    assert refused.value.message_dict == {"status": ["A open door cannot be locked."], "reason": ["Say why."]}


def test_several_names_make_the_first_that_leaves_from_here_and_none_keeps_the_state(machine, history, officer):
    door = Door("open")
    run(machine, door, ("force", "wipe"), actor=officer)
    assert door.status == "open"
    assert history == [("open", "open", officer, "wipe")]


def test_a_lock_is_used_and_its_copy_returned(machine, officer):
    door, fresh = Door("shut"), Door("shut")
    assert run(machine, door, "open", actor=officer, lock=lambda _: fresh) is fresh
    assert (door.status, fresh.status) == ("shut", "open")


def test_apply_and_save_replace_the_plain_save_and_see_the_context(machine, officer):
    door = Door("shut")
    seen = {}

    def apply(move: Move) -> None:
        move.context["applied"] = True
        door.painted = "red"

    def save(move: Move) -> None:
        seen.update(move.context)

    context = {"reason": "Night"}
    run(machine, door, "lock", actor=officer, context=context, apply=apply, save=save)
    assert door.saves == 0
    assert seen == context == {"reason": "Night", "applied": True}


def test_available_lists_the_moves_an_actor_may_make_from_a_state(machine, officer, board_member, finance_officer):
    assert [t.name for t in available(machine, state="shut", actor=officer)] == ["open", "lock", "wipe"]
    assert [t.name for t in available(machine, state="shut", actor=finance_officer)] == ["lock"]
    assert available(machine, state="shut", actor=board_member) == []
    assert [t.name for t in available(machine, state="locked", actor=None)] == ["force"]


def test_a_machine_refuses_unknown_states_and_repeated_names():
    with pytest.raises(ValueError, match="unknown states"):
        Machine(
            name="m",
            states=("a",),
            transitions=(Transition("go", frozenset({"a"}), "b", "Go"),),
            wrong_state=lambda obj, name: "",
        )
    with pytest.raises(ValueError, match="two transitions"):
        Machine(
            name="m",
            states=("a", "b"),
            transitions=(Transition("go", frozenset({"a"}), "b", "Go"), Transition("go", frozenset({"b"}), "a", "Go")),
            wrong_state=lambda obj, name: "",
        )


@pytest.mark.django_db
def test_run_update_moves_only_the_rows_in_a_source_state(officer, board_member):
    from pcc_commissioning.models import User

    machine = Machine(
        name="user",
        states=("a", "b"),
        transitions=(Transition("switch_off", frozenset({"a"}), "b", "Switch off"),),
        wrong_state=lambda obj, name: "",
        state_field="first_name",
    )
    User.objects.filter(pk=officer.pk).update(first_name="a")
    User.objects.filter(pk=board_member.pk).update(first_name="c")
    assert run_update(machine, User.objects.all(), "switch_off", last_name="Off") == 1
    assert dict(User.objects.values_list("pk", "first_name")) == {officer.pk: "b", board_member.pk: "c"}
    assert User.objects.get(pk=officer.pk).last_name == "Off"
