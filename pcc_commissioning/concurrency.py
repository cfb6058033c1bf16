"""Optimistic locking, so two people editing one record never silently overwrite each other.

A versioned model carries ``version = models.PositiveIntegerField(default=1)``; its edit form
sends back the version it was loaded with, and the update service calls ``lock_for_update``
before writing. The row lock makes the check-then-write safe under concurrency.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

STALE_MESSAGE = (
    "Someone else saved this record after you opened it. Nothing was changed: "
    "reload the page to see their changes, then make yours again."
)


def lock_for_update(instance: models.Model, *, expected_version: int | None) -> models.Model:
    """Lock the stored row and check it has not changed since the form was loaded.

    Must run inside ``transaction.atomic``. Returns the locked, fresh instance whose
    ``version`` has been bumped; the caller sets fields on it and saves it.
    """
    # The base manager: a record hidden by a default manager (a cancelled payment) is still found.
    locked = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE_MESSAGE, code="stale")
    locked.version += 1
    return locked
