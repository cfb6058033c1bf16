"""Import kinds of the assessment stage (pcc_commissioning.interchange): a round's ``panel`` and
the ``scores`` of a panel that met on paper. Both are all-or-nothing and need ``--round``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from pcc_commissioning import clock
from pcc_commissioning.interchange.cells import parse_int, parse_yes_no
from pcc_commissioning.interchange.imports import ImportResult, RowContext, RowReader, importer
from pcc_commissioning.roles import Role

from ..models import Application, Assignment, AssignmentStatus, Criterion, PanelMember, Round, Score
from . import panel, selectors
from .services import DECIDED


def _round(context: RowContext) -> Round | None:
    round = Round.objects.filter(reference=context.options["round"]).first()
    if round is None:
        context.add(1, "", f"There is no round {context.options['round']}.")
    elif round.status in DECIDED:
        context.add(1, "", f"Round {round.reference} is {round.get_status_display().lower()}: its panel cannot change.")
        return None
    return round


@importer(
    "panel",
    columns=("username", "name", "email"),
    required=("username",),
    capability="rounds.import",
    options=("round",),
    description="A round's panel members: existing users by username, new assessor accounts otherwise.",
)
def import_panel(rows, *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult("panel")
    round = _round(context)
    if round is None:
        return result
    User = get_user_model()
    for row in rows:
        reader = RowReader(row, context)
        username = reader.value("username", required=True)
        if not username:
            continue
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            user = _new_assessor(reader, username)
            if user is None:
                continue
        elif PanelMember.objects.filter(round=round, user=user).exists():
            result.skipped += 1
            continue
        try:
            panel.add_member(round, user, actor=actor)
        except ValidationError as exc:
            context.add_validation_error(row, exc, {"user": "username"})
            continue
        result.created += 1
    return result


def _new_assessor(reader: RowReader, username: str):
    """An Assessor account that cannot sign in until the person accepts an invitation sent to
    its address (which sets their password): paper panels need no sign-in at all."""
    email = (reader.value("email") or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        reader.error("email", "A new assessor needs a valid email address.")
        return None
    if get_user_model().objects.filter(email__iexact=email).exists():
        reader.error("email", "This email address belongs to another account.")
        return None
    first, _, last = (reader.value("name") or "").strip().partition(" ")
    user = get_user_model().objects.create(
        username=username, email=email, first_name=first, last_name=last.strip(), is_active=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=Role.ASSESSOR.value))
    return user


@importer(
    "scores",
    columns=("application_reference", "assessor", "criterion", "score", "comment", "conflict"),
    required=("application_reference", "assessor"),
    capability="rounds.import",
    options=("round",),
    description="A paper panel's scores and conflicts of interest, one row per assessor, application and criterion.",
)
def import_scores(rows, *, actor, update: bool, context: RowContext) -> ImportResult:
    result = ImportResult("scores")
    round = _round(context)
    if round is None:
        return result
    lookup = _Lookup(round)
    for row in rows:
        _score_row(row, context, lookup, result)
    if not context.errors:
        _finish(lookup)
    return result


class _Lookup:
    def __init__(self, round: Round):
        self.round = round
        self.criteria = {c.key.lower(): c for c in Criterion.objects.filter(round=round)}
        self.applications = {a.reference.lower(): a for a in Application.objects.filter(round=round)}
        self.assessable = set(selectors.assessable_applications(round).values_list("pk", flat=True))
        self.members = {
            m.user.username.lower(): m for m in PanelMember.objects.filter(round=round).select_related("user")
        }
        self.assignments = {(a.member_id, a.application_id): a for a in Assignment.objects.filter(member__round=round)}
        self.touched: set[int] = set()


def _assignment(reader: RowReader, lookup: _Lookup) -> Assignment | None:
    application = lookup.applications.get(reader.value("application_reference", required=True).lower())
    member = lookup.members.get((reader.value("assessor", required=True) or "").lower())
    if application is None:
        reader.error(
            "application_reference", f"There is no application with this reference in {lookup.round.reference}."
        )
    if member is None:
        reader.error("assessor", f"This username is not on the panel of {lookup.round.reference}.")
    if application is None or member is None:
        return None
    found = lookup.assignments.get((member.pk, application.pk))
    if found is None:
        # A paper panel's members may never have been assigned on the service: their scores
        # assign them, for applications the panel assesses.
        if application.pk not in lookup.assessable:
            reader.error("application_reference", "This application is not one the panel assesses (not eligible).")
            return None
        found = Assignment.objects.create(member=member, application=application)
        lookup.assignments[(member.pk, application.pk)] = found
    return found


def _score_row(row, context: RowContext, lookup: _Lookup, result: ImportResult) -> None:
    reader = RowReader(row, context)
    conflict = reader.value("conflict", parse_yes_no, default=False)
    score = reader.value("score", parse_int)
    assignment = _assignment(reader, lookup)
    if assignment is None or not reader.ok:
        return
    if assignment.status == AssignmentStatus.SUBMITTED:
        reader.error("assessor", "This assessor's scores for this application are already submitted.")
        return
    if conflict:
        if score is not None:
            reader.error("score", "A conflicted assessor cannot score: leave the score empty.")
            return
        assignment.status = AssignmentStatus.CONFLICTED
        assignment.conflict_note = reader.value("comment") or "Declared on the paper panel."
        assignment.declared_at = clock.now()
        assignment.save()
        result.updated += 1
        return
    if assignment.status == AssignmentStatus.CONFLICTED:
        reader.error("assessor", "This assessor declared a conflict of interest with this application.")
        return
    criterion = lookup.criteria.get((reader.value("criterion", required=True) or "").lower())
    if criterion is None:
        reader.error("criterion", f"There is no criterion with this key in {lookup.round.reference}.")
        return
    if score is None or score > criterion.max_score:
        reader.error("score", f"Give a score from 0 to {criterion.max_score} for {criterion.key}.")
        return
    _, created = Score.objects.update_or_create(
        assignment=assignment, criterion=criterion, defaults={"score": score, "comment": reader.value("comment") or ""}
    )
    result.created += int(created)
    result.updated += int(not created)
    lookup.touched.add(assignment.pk)


def _finish(lookup: _Lookup) -> None:
    """An assignment with every criterion scored is submitted; otherwise it is in progress."""
    total = len(lookup.criteria)
    now = clock.now()
    for assignment in Assignment.objects.filter(pk__in=lookup.touched):
        complete = assignment.scores.count() == total
        assignment.status = AssignmentStatus.SUBMITTED if complete else AssignmentStatus.IN_PROGRESS
        assignment.submitted_at = now if complete else None
        assignment.declared_at = assignment.declared_at or now
        assignment.save()
