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
from django.db import models, router, transaction

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


# The admin ---------------------------------------------------------------------------------------


class VersionCheckedAdminForm(forms.ModelForm):
    """An admin form (or inline row) of a versioned record: it carries the version the page
    was drawn with and, when the row is changed, checks it under the row lock and moves it on,
    so an administrator's stale page and an officer's stale form each refuse the other's."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # The stored row's version, not the instance's: a history page's instance is an old copy.
            manager = type(self.instance)._base_manager
            self.fields["loaded_version"].initial = (
                manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and self.has_changed():
            loaded = cleaned.get("loaded_version")
            locked = lock_for_update(self.instance, expected_version=NO_RECORD_VERSION if loaded is None else loaded)
            self.instance.version = locked.version  # saved with the form's changes
        return cleaned


class VersionCheckedAdmin:
    """Mix into the ``ModelAdmin`` or inline of a versioned model (before the Django class):
    the version is shown, never edited, and a stale page is refused with ``STALE_MESSAGE``."""

    form = VersionCheckedAdminForm

    def get_readonly_fields(self, request, obj=None):
        fields = tuple(super().get_readonly_fields(request, obj))
        return fields if "version" in fields else (*fields, "version")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))  # an admin listing its fields still gets the box
        return fields if "loaded_version" in fields else [*fields, "loaded_version"]

    def history_form_view(self, request, *args, **kwargs):
        # Reverting to an old copy (django-simple-history) runs outside the admin's transaction;
        # the row lock needs one.
        with transaction.atomic(using=router.db_for_write(self.model)):
            return super().history_form_view(request, *args, **kwargs)
