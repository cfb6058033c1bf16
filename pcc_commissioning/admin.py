"""The Django admin: users and roles are kept here, and the apps' code lists (reference data) in
theirs; every other record is only looked at here (``ReadOnlyAdmin``), as the pages, imports and
services that write it check the rules the admin would go around."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from .models import User

admin.site.register(User, UserAdmin)


class ReadOnlyAdmin:
    """Mix into a ``ModelAdmin`` or an inline (before the Django class): the records can be listed,
    opened and their history read, but not added, changed, reverted or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # Every field is shown, never edited; so fields Django cannot put in a form (auto_now
        # dates) may be listed in ``fields`` too.
        return tuple(dict.fromkeys([*super().get_readonly_fields(request, obj), *(self.fields or ())]))

    def history_form_view(self, request, *args, **kwargs):
        # django-simple-history's "revert to this copy" page saves a POST after checking only
        # that the user may view the record: the old copy may be looked at, not put back.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, *args, **kwargs)
