"""Reads of the MoJ return's records (its versions and history). The figures themselves are
computed in ``reports.moj.figures``."""

from __future__ import annotations

from django.db.models import QuerySet

from reports.models import MojReturn


def moj_return_versions(*, fy: int, half: int) -> QuerySet[MojReturn]:
    """Every version of a half's return, newest first."""
    return MojReturn.objects.filter(fy=fy, half=half).select_related("signed_off_by", "created_by").order_by("-number")


def moj_return_latest(*, fy: int, half: int) -> MojReturn | None:
    """The newest version of a half's return, or None if nobody has started it."""
    return moj_return_versions(fy=fy, half=half).first()
