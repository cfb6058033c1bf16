"""The role groups and what each role may do (``pcc_commissioning.roles``)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from pcc_commissioning.roles import CAPABILITIES, Role, has_capability, require
from tests.factories import UserFactory

EDIT_SUFFIXES = (".edit", ".import")


@pytest.mark.django_db
def test_the_seven_role_groups_exist_after_migrations():
    names = set(Group.objects.values_list("name", flat=True))
    assert {role.value for role in Role} <= names
    assert len(Role) == 7


# What each role may do, typed out by hand from what each role is for (README "Who it is for"):
# officers run the commissioning (providers, awards, needs, the MoJ return's preparation);
# finance pays, overrides payment limits, imports payments and signs the MoJ return off; both
# import funding streams and read the finance exports; board members only read; provider users
# see only the portal, and apply to grant rounds as applicants do; applicants only apply;
# external assessors only score; board members may score as panel members; partner contributors
# only update the delivery-plan activities they lead. Deliberately NOT
# built from ``CAPABILITIES``: a change to that table must be made here too, on purpose. Superusers hold everything (tested below).
MATRIX = """
capability          officer finance board provider applicant assessor partner
dashboard.view         x       x      x      .      .        .       .
plan.view              x       x      x      .      .        .       .
providers.view         x       x      x      .      .        .       .
providers.edit         x       .      .      .      .        .       .
providers.import       x       .      .      .      .        .       .
grants.view            x       x      x      .      .        .       .
grants.edit            x       .      .      .      .        .       .
grants.import          x       .      .      .      .        .       .
payments.edit          .       x      .      .      .        .       .
payments.override      .       x      .      .      .        .       .
payments.import        .       x      .      .      .        .       .
streams.import         x       x      .      .      .        .       .
needs.view             x       x      x      .      .        .       .
needs.edit             x       .      .      .      .        .       .
needs.import           x       .      .      .      .        .       .
reports.view           x       x      x      .      .        .       .
reports.request        x       x      x      .      .        .       .
moj.view               x       x      x      .      .        .       .
moj.prepare            x       .      .      .      .        .       .
moj.sign_off           .       x      .      .      .        .       .
exports.finance        x       x      .      .      .        .       .
transparency.view      x       x      x      .      .        .       .
portal.view            .       .      .      x      .        .       .
rounds.view            x       x      x      .      .        .       .
rounds.edit            x       .      .      .      .        .       .
rounds.screen          x       .      .      .      .        .       .
rounds.panel           x       .      .      .      .        .       .
rounds.import          x       .      .      .      .        .       .
rounds.apply           .       .      .      x      x        .       .
rounds.score           x       .      x      .      .        x       .
delivery.view          x       x      x      .      .        .       .
delivery.edit          x       .      .      .      .        .       .
delivery.import        x       .      .      .      .        .       .
delivery.contribute    .       .      .      .      .        .       x
agreements.edit        x       .      .      .      .        .       .
agreements.accept      .       .      .      x      .        .       .
variations.request     x       .      .      x      .        .       .
variations.approve     x       .      .      .      .        .       .
variations.finance     .       x      .      .      .        .       .
recoveries.edit        x       .      .      .      .        .       .
awards.close           x       .      .      .      .        .       .
retention.redact       x       .      .      .      .        .       .
"""
MATRIX_ROLES = {
    "officer": Role.OFFICER,
    "finance": Role.FINANCE,
    "board": Role.BOARD,
    "provider": Role.PROVIDER,
    "applicant": Role.APPLICANT,
    "assessor": Role.ASSESSOR,
    "partner": Role.PARTNER,
}


def _expected() -> dict[str, dict[Role, bool]]:
    header, *rows = MATRIX.strip().splitlines()
    roles = [MATRIX_ROLES[name] for name in header.split()[1:]]
    expected = {}
    for row in rows:
        capability, *marks = row.split()
        assert len(marks) == len(roles) and set(marks) <= {"x", "."}, row
        expected[capability] = {role: mark == "x" for role, mark in zip(roles, marks, strict=True)}
    return expected


EXPECTED = _expected()


def test_the_matrix_names_every_capability_once():
    rows = [row.split()[0] for row in MATRIX.strip().splitlines()[1:]]
    assert len(rows) == len(set(rows))
    assert set(rows) == set(CAPABILITIES)


@pytest.mark.django_db
def test_each_role_holds_exactly_the_capabilities_the_matrix_gives_it():
    users = {role: UserFactory(role=role) for role in Role}
    actual = {capability: {role: has_capability(users[role], capability) for role in Role} for capability in EXPECTED}
    assert actual == EXPECTED


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
def test_provider_users_see_only_the_portal_apply_to_rounds_and_handle_their_agreements():
    provider_user = UserFactory(role=Role.PROVIDER)
    held = {capability for capability in CAPABILITIES if has_capability(provider_user, capability)}
    assert held == {"portal.view", "rounds.apply", "agreements.accept", "variations.request"}


@pytest.mark.django_db
def test_applicants_only_apply_and_assessors_only_score():
    applicant = UserFactory(role=Role.APPLICANT)
    assessor = UserFactory(role=Role.ASSESSOR)
    assert {capability for capability in CAPABILITIES if has_capability(applicant, capability)} == {"rounds.apply"}
    assert {capability for capability in CAPABILITIES if has_capability(assessor, capability)} == {"rounds.score"}


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
