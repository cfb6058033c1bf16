"""The Django admin is no second write path: every domain record is read-only there
(``pcc_commissioning.admin.ReadOnlyAdmin``), written only through the pages, imports and
services that check the rules. Users, roles (groups) and the code lists stay editable."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from outcomes.models import KPQ, CodeListEntry, CommissioningPriority, CountingDefinition, PlanOutcome
from pcc_commissioning.admin import ReadOnlyAdmin
from pcc_commissioning.models import User
from providers.models import RequiredDocument

pytestmark = pytest.mark.django_db

# Reference data the system administrator keeps in the admin (no page or service writes it).
EDITABLE = {User, Group, CodeListEntry, CountingDefinition, RequiredDocument, PlanOutcome, KPQ, CommissioningPriority}


def test_every_admin_but_users_roles_and_code_lists_is_read_only():
    assert set(admin.site._registry) >= EDITABLE
    writable = []
    for model, model_admin in admin.site._registry.items():
        if model in EDITABLE:
            assert not isinstance(model_admin, ReadOnlyAdmin), model
            continue
        if not isinstance(model_admin, ReadOnlyAdmin):
            writable.append(model._meta.label)
        writable += [inline.__name__ for inline in model_admin.inlines if not issubclass(inline, ReadOnlyAdmin)]
    assert not writable, f"Admin pages that write domain records around their services: {writable}"


def test_a_read_only_admin_refuses_every_write(superuser, rf):
    model_admin = next(ma for ma in admin.site._registry.values() if isinstance(ma, ReadOnlyAdmin))
    request = rf.get("/")
    request.user = superuser
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_an_intention_can_be_viewed_but_not_changed(superuser, login_as):
    from needs_assessment.models import CommissioningIntention
    from tests.factories import CommissioningIntentionFactory

    intention = CommissioningIntentionFactory(title="IDVA capacity")
    client = login_as(superuser)
    url = reverse("admin:needs_assessment_commissioningintention_change", args=[intention.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"title": "Changed", "rank": "must", "status": "proposed"}).status_code == 403
    assert CommissioningIntention.objects.get(pk=intention.pk).title == "IDVA capacity"


def test_code_lists_users_and_roles_stay_editable(superuser, login_as):
    client = login_as(superuser)
    entry = CodeListEntry.objects.filter(list="disability", code="yes").get()
    response = client.post(
        reverse("admin:outcomes_codelistentry_change", args=[entry.pk]),
        {
            "list": entry.list,
            "code": entry.code,
            "label": "Yes, disabled",
            "definition": entry.definition,
            "sort_order": entry.sort_order,
            "valid_from_fy": entry.valid_from_fy or "",
            "valid_to_fy": entry.valid_to_fy or "",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.label == "Yes, disabled"
    for name in ("outcomes_codelistentry", "pcc_commissioning_user", "auth_group", "providers_requireddocument"):
        assert client.get(reverse(f"admin:{name}_add")).status_code == 200, name
