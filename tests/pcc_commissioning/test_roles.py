"""The role groups and what each role may do (``pcc_commissioning.roles``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from pcc_commissioning.roles import CAPABILITIES, Role, has_capability, require
from tests.factories import UserFactory

EDIT_SUFFIXES = (".edit", ".import")


@pytest.mark.django_db
def test_the_four_role_groups_exist_after_migrations():
    names = set(Group.objects.values_list("name", flat=True))
    assert {role.value for role in Role} <= names
    assert len(Role) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.name.lower())
@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_a_role_holds_exactly_the_capabilities_declared_for_it(role, capability):
    user = UserFactory(role=role)
    assert has_capability(user, capability) is (role in CAPABILITIES[capability])


@pytest.mark.django_db
def test_board_members_can_change_nothing():
    board = UserFactory(role=Role.BOARD)
    editing = [capability for capability in CAPABILITIES if capability.endswith(EDIT_SUFFIXES)]
    assert editing, "no edit capabilities found: the suffixes are wrong"
    assert [capability for capability in editing if has_capability(board, capability)] == []


@pytest.mark.django_db
def test_who_edits_what():
    officer = UserFactory(role=Role.OFFICER)
    finance = UserFactory(role=Role.FINANCE)
    for capability in ("providers.edit", "grants.edit", "needs.edit"):
        assert has_capability(officer, capability)
        assert not has_capability(finance, capability)
    assert has_capability(finance, "payments.edit")
    assert not has_capability(officer, "payments.edit")


@pytest.mark.django_db
def test_provider_users_see_only_the_portal():
    provider_user = UserFactory(role=Role.PROVIDER)
    held = {capability for capability in CAPABILITIES if has_capability(provider_user, capability)}
    assert held == {"portal.view"}


@pytest.mark.django_db
def test_superuser_holds_every_capability():
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert all(has_capability(admin, capability) for capability in CAPABILITIES)


@pytest.mark.django_db
def test_a_user_without_a_role_or_inactive_or_anonymous_holds_nothing():
    nobody = UserFactory()
    inactive = UserFactory(role=Role.OFFICER, is_active=False)
    for user in (nobody, inactive, AnonymousUser()):
        assert not any(has_capability(user, capability) for capability in CAPABILITIES)


@pytest.mark.django_db
def test_a_user_in_two_roles_holds_both_roles_capabilities():
    user = UserFactory(role=Role.OFFICER)
    user.groups.add(Group.objects.get(name=Role.FINANCE.value))
    assert has_capability(user, "grants.edit")
    assert has_capability(user, "payments.edit")


@pytest.mark.django_db
def test_unknown_capability_is_a_programming_error_not_a_refusal():
    officer = UserFactory(role=Role.OFFICER)
    with pytest.raises(KeyError, match="providers.delete"):
        has_capability(officer, "providers.delete")
    with pytest.raises(KeyError):
        has_capability(UserFactory(is_superuser=True), "no.such")


@pytest.mark.django_db
def test_require_refuses_with_permission_denied():
    board = UserFactory(role=Role.BOARD)
    require(board, "providers.view")
    with pytest.raises(PermissionDenied):
        require(board, "providers.edit")
