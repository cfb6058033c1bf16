"""Who may see and write which progress update.

Officers (``delivery.edit``) may write every update; the other internal roles
(``delivery.view``: finance, board members) read them. A Partner contributor
(``delivery.contribute``) sees and writes only the updates of the activities whose
``lead_user`` they are, and nothing else in the service: any other update is "not found" to
them, so an address tried at random tells them nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from pcc_commissioning.roles import has_capability

from ..models import ProgressUpdate


def is_officer(user) -> bool:
    return has_capability(user, "delivery.edit")


def _updates() -> QuerySet[ProgressUpdate]:
    return ProgressUpdate.objects.select_related(
        "update_round__plan", "activity__objective", "activity__lead_user", "objective"
    )


def leads(user, update: ProgressUpdate) -> bool:
    """Whether ``user`` is the lead asked for ``update`` (an activity's update only)."""
    return (
        update.activity_id is not None
        and user.is_authenticated
        and update.activity.lead_user_id is not None
        and update.activity.lead_user_id == user.pk
    )


def require_may_write(actor, update: ProgressUpdate) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may write ``update``: an officer, or the
    activity's lead holding ``delivery.contribute``. ``actor`` None is the system (imports)."""
    if actor is None or is_officer(actor):
        return
    if has_capability(actor, "delivery.contribute") and leads(actor, update):
        return
    raise PermissionDenied("Only the activity's lead or a commissioning officer may change this update.")


def access_activity_update(user, update_id) -> ProgressUpdate:
    """The update ``update_id`` if ``user`` may see it: any internal role, or the activity's
    lead. Raises ``Http404`` for a contributor asking for another lead's update (or one that
    does not exist), ``PermissionDenied`` for anyone else."""
    update = _updates().filter(pk=update_id).first() if str(update_id).isdigit() else None
    if has_capability(user, "delivery.view"):
        if update is None:
            raise Http404("No such update.")
        return update
    if not has_capability(user, "delivery.contribute"):
        raise PermissionDenied("Your role does not allow this (delivery.view).")
    if update is None or not leads(user, update):
        raise Http404("No such update.")
    return update


def contributor_updates(user) -> QuerySet[ProgressUpdate]:
    """Every update of the activities ``user`` leads (a contributor's whole world)."""
    return _updates().filter(activity__lead_user=user)
