"""Which applications a user may see: their own organisation's (filled in by the applying track)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


def access_application(user, application_id: int):
    raise PermissionDenied("Not built yet.")
