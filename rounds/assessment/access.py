"""Which assignments a panel member may open: only their own. Someone else's assignment does
not exist for them (404); a conflicted one they may never open (``require_unconflicted``, 403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from pcc_commissioning.roles import require

from ..models import Assignment, AssignmentStatus

CONFLICTED_MESSAGE = "You declared a conflict of interest with this application, so you cannot see or score it."


def access_assignment(user, assignment_id: int) -> Assignment:
    """The assignment ``assignment_id`` if it is ``user``'s own (403 without ``rounds.score``,
    404 for anyone else's, officers and administrators included: scores are the member's own)."""
    require(user, "rounds.score")
    try:
        return Assignment.objects.select_related(
            "member__round", "application__organisation", "application__round"
        ).get(pk=assignment_id, member__user_id=user.pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such assignment of yours.") from None


def require_unconflicted(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.CONFLICTED:
        raise PermissionDenied(CONFLICTED_MESSAGE)
