"""Optimistic locking, so two people editing one record never silently overwrite each other.

A versioned model carries ``version = models.PositiveIntegerField(default=1)``; its edit form
(a ``VersionedForm``) sends back, in a hidden box, the version it was loaded with, and the
update service calls ``lock_for_update`` inside ``transaction.atomic`` before writing. The row
lock makes the check-then-write safe under concurrency. A stale form gets ``STALE_MESSAGE``
at the top of the form and nothing is changed.

Every edit page is covered by ``tests/pcc_commissioning/test_no_lost_updates.py``, which also
fails when an edit page is added without a version.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

STALE_MESSAGE = (
    "Someone else saved this record after you opened it. Nothing was changed: "
    "reload the page to see their changes, then make yours again."
)


# The version a form sends for a record that did not exist when the page was drawn (a payment
# plan not set up yet): stored versions start at 1, so it never matches one someone created since.
NO_RECORD_VERSION = 0


class VersionedForm(forms.Form):
    """The hidden ``version`` box of an edit form: the view sets its initial value to the
    record's version and passes the cleaned value to the service as ``expected_version``.

    Put it first among the bases (``class XEditForm(VersionedForm, XForm)``) so the box comes
    after the form's own fields."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=NO_RECORD_VERSION)


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
