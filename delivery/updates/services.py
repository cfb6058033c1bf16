"""Every write of the update cycle: opening an update round, each lead's progress update (its
status, narrative, evidence and the latest values of its metrics), the officer's review, and
the round's own moves. Moves go through the machines in ``transitions``.

Leads (Partner contributors) write only the updates of the activities they lead
(``access.require_may_write``); officers write any. E-mails are sent inside the transaction,
last; a mail server's refusal is logged and does not undo the write (the pages show the same)."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from simple_history.utils import bulk_create_with_history

from pcc_commissioning import clock
from pcc_commissioning.concurrency import lock_for_update
from pcc_commissioning.periods import parse_period_input, period_code
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import require_capability
from pcc_commissioning.transitions import Move, run
from pcc_commissioning.validation import Errors, add_error, clean_text, raise_if_errors
from providers.uploads import safe_upload_name, upload_problem

from ..models import (
    DeliveryPlan,
    Metric,
    Objective,
    PlanStatus,
    ProgressStatus,
    ProgressUpdate,
    UpdateEvidence,
    UpdateRound,
    UpdateRoundStatus,
    UpdateState,
)
from ..plans.services import metric_value_record
from .access import is_officer, require_may_write
from .transitions import EDITABLE, PROGRESS_UPDATE_MACHINE, UPDATE_ROUND_MACHINE

logger = logging.getLogger(__name__)

ROUND_KINDS = ("FY", "H", "Q")  # a year, a half or a quarter of the financial year
MAX_REMINDER_DAYS = 90
VALUE_FIELDS = ("value", "as_at", "comparison_value", "comparison_as_at")


def mail_quietly(subject: str, body: str, recipients: list[str]) -> bool:
    """Send one e-mail; False (and a log line) if the mail server refuses it."""
    try:
        send_mail(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (smtplib.SMTPException, OSError):
        logger.warning("Could not send an update-cycle e-mail to %s", ", ".join(recipients), exc_info=True)
        return False
    return True


def contribute_link(link_base: str) -> str:
    """The leads' page, as an address to click when ``link_base`` (scheme and host) is known."""
    path = reverse("contribute:home")
    return link_base.rstrip("/") + path if link_base else path


# Update rounds -------------------------------------------------------------------------------


def _clean_round(plan: DeliveryPlan, period: str, deadline, reminder_days) -> dict[str, Any]:
    errors: Errors = {}
    values: dict[str, Any] = {"deadline": deadline}
    parsed = None
    try:
        parsed = parse_period_input(clean_text(period), kinds=ROUND_KINDS)
    except ValueError as exc:
        add_error(errors, "period", str(exc) if clean_text(period) else "Enter the period, e.g. 2019-H1.")
    if parsed is not None:
        values.update(period=period_code(parsed), period_start=parsed.start, period_end=parsed.end)
        if UpdateRound.objects.filter(plan=plan, period=values["period"]).exists():
            add_error(errors, "period", f"{plan.reference} already has an update round for {values['period']}.")
    if not isinstance(deadline, datetime.date):
        add_error(errors, "deadline", "Enter the date the updates are due.")
    elif parsed is not None and deadline < parsed.start:
        add_error(errors, "deadline", "The deadline cannot be before the period starts.")
    try:
        values["reminder_days"] = int(reminder_days)
    except (TypeError, ValueError):
        add_error(errors, "reminder_days", "Enter how many days before the deadline to remind leads, e.g. 7.")
    else:
        if not 0 <= values["reminder_days"] <= MAX_REMINDER_DAYS:
            add_error(errors, "reminder_days", f"The reminder must be between 0 and {MAX_REMINDER_DAYS} days before.")
    if plan.status == PlanStatus.ARCHIVED:
        add_error(errors, "period", f"Plan {plan.reference} is archived: it takes no more updates.")
    raise_if_errors(errors)
    return values


@transaction.atomic
def update_round_open(
    *,
    actor,
    plan: DeliveryPlan,
    period: str,
    deadline: datetime.date,
    reminder_days: int = 7,
    notify: bool = True,
    link_base: str = "",
) -> UpdateRound:
    """Open an update round of ``plan`` for ``period`` (a period code: "2019-H1", "2019-Q3",
    "2019"), asking every activity's lead for a progress update by ``deadline``. One update is
    requested per activity; each lead with an account and an e-mail address gets one e-mail
    listing their activities (``notify`` False: none, for imports). ``link_base``: the scheme
    and host the e-mail's link starts with."""
    require_capability(actor, "delivery.edit", "delivery.import")
    values = _clean_round(plan, period, deadline, reminder_days)
    update_round = UpdateRound(plan=plan, opened_by=actor, status=UpdateRoundStatus.OPEN, **values)
    attribute_to(update_round, actor)
    try:
        with transaction.atomic():
            update_round.save()
    except IntegrityError:  # another officer opened it a moment ago
        raise ValidationError(
            {"period": [f"{plan.reference} already has an update round for {values['period']}."]}
        ) from None
    activities = list(plan.activities.select_related("lead_user").order_by("sort_key"))
    bulk_create_with_history(
        [ProgressUpdate(update_round=update_round, activity=activity) for activity in activities],
        ProgressUpdate,
        default_user=actor,
    )
    if notify:
        _ask_leads(update_round, activities, link_base)
    return update_round


def _ask_leads(update_round: UpdateRound, activities: Iterable, link_base: str) -> int:
    """E-mail each lead their activities; returns how many e-mails went."""
    by_lead: dict[Any, list] = defaultdict(list)
    for activity in activities:
        if activity.lead_user is not None and activity.lead_user.is_active and activity.lead_user.email:
            by_lead[activity.lead_user].append(activity)
    sent = 0
    for lead, theirs in sorted(by_lead.items(), key=lambda item: item[0].pk):
        context = {
            "lead": lead,
            "round": update_round,
            "plan": update_round.plan,
            "activities": theirs,
            "link": contribute_link(link_base),
            "service_name": settings.SERVICE_NAME,
        }
        body = render_to_string("delivery/updates/email/round_opened.txt", context)
        subject = f"Progress update needed by {update_round.deadline:%d %B %Y}: {update_round.plan.title}"
        sent += mail_quietly(subject, body, [lead.email])
    return sent


def _round_locker(expected_version: int | None):
    return lambda update_round: lock_for_update(update_round, expected_version=expected_version)


@transaction.atomic
def update_round_accept(*, actor, update_round: UpdateRound, expected_version: int | None = None) -> UpdateRound:
    """Accept the round once every activity's update is accepted: ready for the board."""
    require_capability(actor, "delivery.edit")

    def apply(move: Move) -> None:
        move.obj.accepted_at = clock.now()

    return run(
        UPDATE_ROUND_MACHINE, update_round, "accept", actor=actor, lock=_round_locker(expected_version), apply=apply
    )


@transaction.atomic
def update_round_reopen(*, actor, update_round: UpdateRound, expected_version: int | None = None) -> UpdateRound:
    """Open an accepted round again, so updates can be changed before the board sees it."""
    require_capability(actor, "delivery.edit")

    def apply(move: Move) -> None:
        move.obj.accepted_at = None

    return run(
        UPDATE_ROUND_MACHINE, update_round, "reopen", actor=actor, lock=_round_locker(expected_version), apply=apply
    )


@transaction.atomic
def update_round_cancel(*, actor, update_round: UpdateRound, expected_version: int | None = None) -> UpdateRound:
    """Cancel an open round (opened by mistake, or for the wrong period). Its updates are kept."""
    require_capability(actor, "delivery.edit")
    return run(UPDATE_ROUND_MACHINE, update_round, "cancel", actor=actor, lock=_round_locker(expected_version))


@transaction.atomic
def objective_update_get_or_create(*, actor, update_round: UpdateRound, objective: Objective) -> ProgressUpdate:
    """The objective's own update in the round (officers and imports write these)."""
    require_capability(actor, "delivery.edit", "delivery.import")
    if objective.plan_id != update_round.plan_id:
        raise ValidationError({"objective": ["That objective belongs to another plan."]})
    if update_round.status != UpdateRoundStatus.OPEN:
        raise ValidationError(f"The {update_round.period} update round is {update_round.get_status_display().lower()}.")
    update, _ = ProgressUpdate.objects.get_or_create(update_round=update_round, objective=objective, activity=None)
    return update


# Progress updates ----------------------------------------------------------------------------


def allowed_metrics(actor, update: ProgressUpdate) -> list[Metric]:
    """The metrics whose values may be given with ``update``: the activity's own, and for
    officers (and imports) the objective's as well."""
    metrics: list[Metric] = []
    if update.activity_id is not None:
        metrics += list(update.activity.metrics.all())
    objective_id = update.objective_id or (update.activity.objective_id if update.activity_id else None)
    if (actor is None or is_officer(actor)) and objective_id is not None:
        metrics += list(Metric.objects.filter(objective_id=objective_id, activity__isnull=True))
    return metrics


def _record_values(actor, update: ProgressUpdate, metric_values: Iterable[Mapping[str, Any]]) -> Errors:
    """Record each metric value given (those with no value are skipped); the errors are keyed
    ``metric_<id>_<field>``, so a form can put each under its box."""
    errors: Errors = {}
    allowed = {metric.pk: metric for metric in allowed_metrics(actor, update)}
    for given in metric_values:
        metric = given["metric"]
        prefix = f"metric_{metric.pk}_"
        if metric.pk not in allowed:
            raise PermissionDenied(f"{metric.name} is not a metric of this update.")
        if given.get("value") in (None, "") and all(given.get(name) in (None, "") for name in VALUE_FIELDS[1:]):
            continue
        as_at = given.get("as_at")
        if as_at is None:
            add_error(errors, f"{prefix}as_at", f"Enter the date the value of {metric.name} is as at.")
            continue
        try:
            metric_value_record(
                actor=actor,
                metric=metric,
                as_at=as_at,
                value=given.get("value"),
                comparison_value=given.get("comparison_value"),
                comparison_as_at=given.get("comparison_as_at"),
                period_label=given.get("period_label", ""),
                update_round=update.update_round,
            )
        except ValidationError as exc:
            for name, messages in _as_dict(exc).items():
                key = f"{prefix}{name}" if name in VALUE_FIELDS else f"{prefix}value"
                for message in messages:
                    add_error(errors, key, message)
    return errors


def _update_locker(expected_version: int | None):
    def lock(update: ProgressUpdate) -> ProgressUpdate:
        locked = lock_for_update(update, expected_version=expected_version)
        # The round is read afresh (it may have been cancelled meanwhile); the activity is the
        # one the access check read.
        if update.activity_id is not None:
            locked.activity = update.activity
        return locked

    return lock


def _clean_progress(progress: str | None, narrative: str | None) -> dict[str, str]:
    values = {"progress": clean_text(progress), "narrative": clean_text(narrative)}
    if values["progress"] and values["progress"] not in ProgressStatus.values:
        raise ValidationError({"progress": [f"Choose one of the statuses, not {values['progress']}."]})
    return values


def _write(
    *,
    actor,
    update: ProgressUpdate,
    names: tuple[str, ...],
    progress: str | None,
    narrative: str | None,
    metric_values: Iterable[Mapping[str, Any]],
    evidence: Iterable,
    expected_version: int | None,
    stamp: bool,
) -> ProgressUpdate:
    require_capability(actor, "delivery.contribute", "delivery.edit", "delivery.import")
    require_may_write(actor, update)
    values = _clean_progress(progress, narrative)
    round_open = update.update_round.status == UpdateRoundStatus.OPEN
    value_errors = _record_values(actor, update, metric_values) if round_open else {}
    added: list[UpdateEvidence] = []
    if round_open and update.state in EDITABLE:
        for file in evidence:
            try:
                added.append(evidence_add(actor=actor, update=update, file=file))
            except ValidationError as exc:
                for message in exc.messages:
                    add_error(value_errors, "evidence", message)

    if _unchanged_draft(update, values, stamp=stamp, added=added) and not value_errors:
        # Saving a draft as it stands changes nothing, so it must not make a colleague's open
        # form stale (the version is bumped only by a real change).
        return update

    def apply(move: Move) -> None:
        move.obj.progress = values["progress"]
        move.obj.narrative = values["narrative"]
        if stamp:
            move.obj.submitted_by = actor
            move.obj.submitted_at = clock.now()

    try:
        saved = run(
            PROGRESS_UPDATE_MACHINE,
            update,
            names,
            actor=actor,
            context=dict(values),
            lock=_update_locker(expected_version),
            apply=apply,
        )
    except ValidationError as exc:
        _forget_files(added)
        raise ValidationError({**value_errors, **_as_dict(exc)}) from None
    if value_errors:
        _forget_files(added)
        raise ValidationError(value_errors)
    return saved


def _unchanged_draft(update: ProgressUpdate, values: Mapping[str, str], *, stamp: bool, added: list) -> bool:
    return (
        not stamp
        and not added
        and update.state in (UpdateState.DRAFT, UpdateState.CHANGES_REQUESTED)
        and values["progress"] == update.progress
        and values["narrative"] == update.narrative
    )


def _forget_files(added: list[UpdateEvidence]) -> None:
    """The stored files of evidence whose rows are about to be rolled back (no orphans)."""
    for evidence in added:
        evidence.file.delete(save=False)


def _as_dict(exc: ValidationError) -> dict[str, list[str]]:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


@transaction.atomic
def progress_update_save(
    *,
    actor,
    update: ProgressUpdate,
    progress: str | None = None,
    narrative: str | None = None,
    metric_values: Iterable[Mapping[str, Any]] = (),
    evidence: Iterable = (),
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Save a lead's update as a draft (a changes-requested update stays so until submitted
    again), with the metric values given (each a dict: ``metric``, ``value``, ``as_at`` and
    optionally ``comparison_value``, ``comparison_as_at``) and the evidence files attached."""
    return _write(
        actor=actor,
        update=update,
        names=("save", "save_changes"),
        progress=progress,
        narrative=narrative,
        metric_values=metric_values,
        evidence=evidence,
        expected_version=expected_version,
        stamp=False,
    )


@transaction.atomic
def progress_update_submit(
    *,
    actor,
    update: ProgressUpdate,
    progress: str | None = None,
    narrative: str | None = None,
    metric_values: Iterable[Mapping[str, Any]] = (),
    evidence: Iterable = (),
    expected_version: int | None = None,
) -> ProgressUpdate:
    """Submit the update for the officer's review: it needs a status and a narrative."""
    return _write(
        actor=actor,
        update=update,
        names=("submit",),
        progress=progress,
        narrative=narrative,
        metric_values=metric_values,
        evidence=evidence,
        expected_version=expected_version,
        stamp=True,
    )


@transaction.atomic
def progress_update_request_changes(
    *, actor, update: ProgressUpdate, comment: str, expected_version: int | None = None, link_base: str = ""
) -> ProgressUpdate:
    """Send a submitted (or, in a reopened round, accepted) update back to its lead, saying what
    needs to change; the lead is e-mailed."""
    require_capability(actor, "delivery.edit")
    comment = clean_text(comment)

    def apply(move: Move) -> None:
        move.obj.officer_comment = comment
        move.obj.accepted_by = None
        move.obj.accepted_at = None

    saved = run(
        PROGRESS_UPDATE_MACHINE,
        update,
        "request_changes",
        actor=actor,
        context={"comment": comment},
        lock=_update_locker(expected_version),
        apply=apply,
    )
    lead = saved.activity.lead_user if saved.activity_id else None
    if lead is not None and lead.is_active and lead.email:
        context = {
            "lead": lead,
            "update": saved,
            "round": saved.update_round,
            "comment": comment,
            "link": contribute_link(link_base),
            "service_name": settings.SERVICE_NAME,
        }
        body = render_to_string("delivery/updates/email/changes_requested.txt", context)
        mail_quietly(f"Changes asked for: your update on activity {saved.activity.number}", body, [lead.email])
    return saved


@transaction.atomic
def progress_update_accept(*, actor, update: ProgressUpdate, expected_version: int | None = None) -> ProgressUpdate:
    """Accept a submitted update."""
    require_capability(actor, "delivery.edit")

    def apply(move: Move) -> None:
        move.obj.accepted_by = actor
        move.obj.accepted_at = clock.now()

    return run(
        PROGRESS_UPDATE_MACHINE, update, "accept", actor=actor, lock=_update_locker(expected_version), apply=apply
    )


# Evidence ------------------------------------------------------------------------------------


def _require_editable(update: ProgressUpdate) -> None:
    if update.update_round.status != UpdateRoundStatus.OPEN:
        raise ValidationError(
            {"file": [f"The {update.update_round.period} update round is {update.update_round.get_status_display()}."]}
        )
    if update.state not in EDITABLE:
        raise ValidationError({"file": [f"This update is {update.get_state_display().lower()}: it cannot change."]})


@transaction.atomic
def evidence_add(*, actor, update: ProgressUpdate, file) -> UpdateEvidence:
    """Attach a file to the update (PDF, Word, Excel, OpenDocument text, PNG or JPEG, checked by
    its contents as every uploaded document is), while the update can still be changed."""
    require_capability(actor, "delivery.contribute", "delivery.edit")
    require_may_write(actor, update)
    _require_editable(update)
    errors: Errors = {}
    if file is None:
        add_error(errors, "file", "Choose a file to upload.")
    else:
        problem, _ = upload_problem(
            name=file.name or "", stream=file, size=file.size, max_bytes=settings.UPLOAD_MAX_BYTES
        )
        if problem:
            add_error(errors, "file", problem)
    raise_if_errors(errors)
    name = safe_upload_name(file.name, UpdateEvidence._meta.get_field("original_name").max_length)
    file.seek(0)
    evidence = UpdateEvidence(update=update, original_name=name, uploaded_by=actor)
    evidence.file.save(name, file, save=False)
    try:
        evidence.save()
    except Exception:
        evidence.file.delete(save=False)  # no orphan file
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, actor, evidence: UpdateEvidence) -> None:
    """Remove a file from an update that can still be changed."""
    require_capability(actor, "delivery.contribute", "delivery.edit")
    update = evidence.update
    require_may_write(actor, update)
    _require_editable(update)
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
