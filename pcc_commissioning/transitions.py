"""State machines declared as data, and the one function that runs a move.

A ``Machine`` is a status field and its ``Transition`` s: each names the states it leaves
from, the state it goes to, its label (the button), the capability the actor needs and the
guards that may refuse it. ``run`` makes a move, always in the same order:

1. who: the transition's ``access`` check (record-level rules, such as a provider user's own
   organisation) and its capability (``pcc_commissioning.roles``). ``actor`` None is the
   system (imports, the daily run, the command line) and is allowed unless the transition
   says ``system=False``. Refused: ``PermissionDenied``.
2. ``lock``: the service's row lock (``pcc_commissioning.concurrency.lock_for_update``).
3. where from: the move must leave from the current state, else the machine's
   ``wrong_state`` message is the refusal.
4. guards, in order: each returns a refusal reason (or ``{field: [messages]}``) or None. A
   guard marked ``always`` also runs when the state is wrong, so a form hears about both.
   All refusals are raised together as one ``ValidationError`` and nothing is written.
5. ``apply`` (the move's own writes; it may still raise ``ValidationError``), the new state,
   the save (attributed to ``actor`` for simple_history) and the machine's ``record`` hook,
   called once, for the models that keep their own history rows (``AwardTransition``,
   ``MojReturnEvent``).

Call ``run`` inside ``transaction.atomic``. ``available`` lists the moves an actor may make
from a state, for the buttons on a page. ``run_update`` moves rows by a conditional UPDATE,
for jobs that workers move without holding a lock (report jobs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models

from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import has_capability

Refusal = str | Mapping[str, Sequence[str]] | None


@dataclass
class Move:
    """One move being made: what guards, ``apply``, ``save`` and ``record`` are given.

    ``context`` holds the service's arguments (a reason, a date…); a guard may leave there
    what it worked out (the date it settled on, a note for the history) for the later steps."""

    machine: Machine
    transition: Transition
    obj: Any
    actor: Any
    from_state: str
    context: dict[str, Any]

    @property
    def to_state(self) -> str:
        return self.transition.target_from(self.from_state)


@dataclass(frozen=True)
class Guard:
    """A rule a move must pass. ``check(move)`` returns None, a reason (kept under ``field``)
    or a dict of reasons by field. ``always``: run even when the move's state is wrong."""

    check: Callable[[Move], Refusal]
    field: str = NON_FIELD_ERRORS
    always: bool = False


@dataclass(frozen=True)
class Transition:
    """A move from any of ``sources`` to ``target`` (None: the state stays as it is)."""

    name: str
    sources: frozenset[str]
    target: str | None
    label: str
    # The actor needs one of these (a single name, or several for "any of"); None: no capability.
    capability: str | tuple[str, ...] | None = None
    guards: tuple[Guard, ...] = ()
    # A record-level check of the actor (raises PermissionDenied), run before the capability.
    access: Callable[[Any, Any], None] | None = None
    system: bool = True  # actor None (imports, the daily run, the command line) may make it
    needs_note: bool = False  # the page asks why (the guard that enforces it is in ``guards``)
    warning: bool = False  # drawn as a warning button

    def target_from(self, state: str) -> str:
        return state if self.target is None else self.target

    @property
    def capabilities(self) -> tuple[str, ...]:
        if self.capability is None:
            return ()
        return (self.capability,) if isinstance(self.capability, str) else tuple(self.capability)


def _default_denied(transition: Transition, capability: str) -> str:
    return f"Your role does not allow this ({capability})."


@dataclass(frozen=True)
class Machine:
    """A status field and the moves between its values.

    ``wrong_state(obj, name)`` is the refusal when move ``name`` does not leave from ``obj``'s
    state (or there is no such move); it is kept under ``error_field`` (None: a plain
    ``ValidationError`` raised on its own). ``denied(transition, capability)`` is the message
    of a refused capability. ``record(move)`` writes the history row, after the save."""

    name: str
    states: tuple[str, ...]
    transitions: tuple[Transition, ...]
    wrong_state: Callable[[Any, str], str]
    state_field: str = "status"
    error_field: str | None = "status"
    record: Callable[[Move], None] | None = None
    denied: Callable[[Transition, str], str] = _default_denied
    by_name: Mapping[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names: dict[str, Transition] = {}
        for transition in self.transitions:
            if transition.name in names:
                raise ValueError(f"{self.name}: two transitions are named {transition.name!r}.")
            unknown = (set(transition.sources) | {transition.target} - {None}) - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}.{transition.name}: unknown states {sorted(unknown)}.")
            names[transition.name] = transition
        object.__setattr__(self, "by_name", names)

    def get(self, name: str) -> Transition | None:
        return self.by_name.get(name)

    def state_of(self, obj) -> str:
        return getattr(obj, self.state_field)

    def leaving(self, state: str) -> list[Transition]:
        """The moves that leave from ``state``, in declaration order (whoever the actor)."""
        return [transition for transition in self.transitions if state in transition.sources]

    def allows(self, state: str, name: str) -> bool:
        transition = self.get(name)
        return transition is not None and state in transition.sources

    def targets(self, state: str) -> frozenset[str]:
        """The states ``state`` may move to."""
        return frozenset(transition.target_from(state) for transition in self.leaving(state))


def may(actor, transition: Transition) -> bool:
    """Whether ``actor``'s role allows ``transition`` (whatever the state; record-level
    ``access`` rules are not consulted). ``actor`` None is the system."""
    if actor is None:
        return transition.system
    capabilities = transition.capabilities
    return not capabilities or any(has_capability(actor, capability) for capability in capabilities)


def check_actor(machine: Machine, transition: Transition, *, actor, obj=None) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may make ``transition`` (on ``obj``)."""
    if actor is None:
        if not transition.system:
            raise PermissionDenied("This needs a signed-in user.")
        return
    if transition.access is not None:
        transition.access(actor, obj)
    if not may(actor, transition):
        raise PermissionDenied(machine.denied(transition, transition.capabilities[0]))


def available(machine: Machine, *, state: str, actor) -> list[Transition]:
    """The moves ``actor`` may make from ``state``, in declaration order (for the buttons).
    Guards are not run: a refused guard is explained when the button is pressed."""
    return [transition for transition in machine.leaving(state) if may(actor, transition)]


def _merge(errors: dict[str, list[str]], refusal: Refusal, field_name: str) -> None:
    if not refusal:
        return
    if isinstance(refusal, str):
        errors.setdefault(field_name, []).append(refusal)
        return
    for key, messages in refusal.items():
        errors.setdefault(key, []).extend(messages)


def _pick(machine: Machine, names: Sequence[str], state: str) -> tuple[str, Transition | None]:
    for name in names:
        if machine.allows(state, name):
            return name, machine.get(name)
    return names[0], None


def run(
    machine: Machine,
    obj,
    name: str | Sequence[str],
    *,
    actor,
    context: dict[str, Any] | None = None,
    lock: Callable[[Any], Any] | None = None,
    apply: Callable[[Move], None] | None = None,
    save: Callable[[Move], None] | None = None,
) -> Any:
    """Make move ``name`` on ``obj`` (see the module's docstring for the order of the checks)
    and return the object saved (the locked copy when ``lock`` is given).

    ``name`` may be several names: the first that leaves from the current state is made (a
    "save" that turns a due return into a draft and keeps a draft a draft). ``save(move)``
    replaces ``obj.save()`` when the move writes more than the row. ``context`` is the dict
    given to guards, ``apply`` and ``save``: what they leave there the caller can read after.
    Refusals: ``PermissionDenied`` (who) or ``ValidationError`` (where from, guards), with
    nothing written. A name the machine does not have is refused with ``wrong_state``."""
    names = [name] if isinstance(name, str) else list(name)
    declared = [machine.get(each) for each in names]
    if any(transition is None for transition in declared):
        unknown = names[declared.index(None)]
        current = obj if lock is None else lock(obj)
        raise _wrong_state(machine, current, unknown)
    for transition in {t.name: t for t in declared if t is not None}.values():
        check_actor(machine, transition, actor=actor, obj=obj)
    current = obj if lock is None else lock(obj)
    state = machine.state_of(current)
    chosen_name, transition = _pick(machine, names, state)
    errors: dict[str, list[str]] = {}
    from_here = transition is not None
    if transition is None:
        refusal = _wrong_state(machine, current, chosen_name)
        if machine.error_field is None:
            raise refusal
        _merge(errors, refusal.message_dict, machine.error_field)
        transition = machine.get(chosen_name)
    move = Move(machine, transition, current, actor, state, {} if context is None else context)
    for guard in transition.guards:
        if from_here or guard.always:
            _merge(errors, guard.check(move), guard.field)
    if errors:
        raise ValidationError(errors)
    if apply is not None:
        apply(move)
    setattr(current, machine.state_field, move.to_state)
    attribute_to(current, actor)
    if save is not None:
        save(move)
    else:
        current.save()
    if machine.record is not None:
        machine.record(move)
    return current


def _wrong_state(machine: Machine, obj, name: str) -> ValidationError:
    message = machine.wrong_state(obj, name)
    if machine.error_field is None:
        return ValidationError(message)
    return ValidationError({machine.error_field: [message]})


def run_update(
    machine: Machine, rows: models.QuerySet, name: str, *, sources: Iterable[str] | None = None, **fields: Any
) -> int:
    """Move every row of ``rows`` that is in one of move ``name``'s states (or of ``sources``,
    a subset of them) by one conditional UPDATE, setting ``fields`` too; returns how many
    moved. For jobs that workers move without a row lock: the database decides, so two
    workers never both make the move. No checks of the actor (workers are the system) and no
    history hook (such machines keep none)."""
    transition = machine.get(name)
    if transition is None or transition.target is None:
        raise ValueError(f"{machine.name}: no move {name!r} to a state.")
    leaving = set(transition.sources) if sources is None else set(sources)
    if not leaving <= set(transition.sources):
        raise ValueError(f"{machine.name}.{name} does not leave from {sorted(leaving - set(transition.sources))}.")
    return rows.filter(**{f"{machine.state_field}__in": sorted(leaving)}).update(
        **{machine.state_field: transition.target}, **fields
    )
