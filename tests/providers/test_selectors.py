"""Reads: the expiry flag, the list filters and sorting, who may see which organisation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from providers.models import DocumentKind
from providers.selectors import (
    access_organisation,
    documents_expiring,
    organisation_documents,
    organisation_history,
    organisation_list,
)
from providers.services import contact_create, organisation_create, organisation_update
from tests.factories import DueDiligenceDocumentFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def flagged(organisation) -> bool:
    return organisation_list().get(pk=organisation.pk).needs_attention


@pytest.mark.parametrize(
    ("expires_in", "expected"),
    [(-1, True), (0, True), (30, True), (60, True), (61, False), (365, False)],
)
def test_a_document_expired_or_expiring_within_60_days_flags_its_organisation(organisation, expires_in, expected):
    DueDiligenceDocumentFactory(organisation=organisation, expires_on=days(expires_in), valid_from=days(-400))
    assert flagged(organisation) is expected


def test_the_warning_period_is_a_setting(organisation, settings):
    settings.DUE_DILIGENCE_WARNING_DAYS = 10
    DueDiligenceDocumentFactory(organisation=organisation, expires_on=days(30))
    assert not flagged(organisation)


def test_documents_that_never_expire_do_not_flag(organisation):
    DueDiligenceDocumentFactory(organisation=organisation, expires_on=None)
    assert not flagged(organisation)


def test_a_renewed_document_clears_the_flag_of_the_one_it_replaces(organisation):
    DueDiligenceDocumentFactory(organisation=organisation, kind=DocumentKind.INSURANCE, expires_on=days(10))
    assert flagged(organisation)
    DueDiligenceDocumentFactory(organisation=organisation, kind=DocumentKind.INSURANCE, expires_on=days(375))
    assert not flagged(organisation)
    statuses = sorted(row.status for row in organisation_documents(organisation))
    assert statuses == ["Replaced", "Valid"]


def test_a_new_document_of_another_kind_does_not_clear_the_flag(organisation):
    DueDiligenceDocumentFactory(organisation=organisation, kind=DocumentKind.INSURANCE, expires_on=days(10))
    DueDiligenceDocumentFactory(organisation=organisation, kind=DocumentKind.SAFEGUARDING, expires_on=days(375))
    assert flagged(organisation)


def test_documents_expiring_lists_current_documents_soonest_first():
    a, b = OrganisationFactory(), OrganisationFactory()
    later = DueDiligenceDocumentFactory(organisation=a, kind=DocumentKind.DBS, expires_on=days(20))
    sooner = DueDiligenceDocumentFactory(organisation=b, expires_on=days(5))
    DueDiligenceDocumentFactory(organisation=b, kind=DocumentKind.ACCOUNTS, expires_on=days(200))
    replaced = DueDiligenceDocumentFactory(organisation=a, kind=DocumentKind.INSURANCE, expires_on=days(1))
    DueDiligenceDocumentFactory(organisation=a, kind=DocumentKind.INSURANCE, expires_on=days(366))
    result = list(documents_expiring(60))
    assert result == [sooner, later]
    assert replaced not in result
    assert list(documents_expiring(10)) == [sooner]


def test_list_filters_combine():
    match = OrganisationFactory(name="Harbour", kind="voluntary_sector", postcode="DL1 1AA")
    OrganisationFactory(name="Harbour Council", kind="local_authority")
    OrganisationFactory(name="Harbour Gone", kind="voluntary_sector", active=False)
    OrganisationFactory(name="Other", kind="voluntary_sector")
    result = organisation_list(filters={"q": "harb", "kind": "voluntary_sector", "active": "yes"})
    assert list(result) == [match]


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("1122334", "charity_number", "1122334"),
        ("01234567", "company_number", "01234567"),
        ("SUP-99", "supplier_number", "SUP-99"),
        ("dh1 5", "postcode", "DH1 5TS"),
    ],
)
def test_search_covers_numbers_and_postcode(query, field, value):
    wanted = OrganisationFactory(**{field: value})
    OrganisationFactory(name="Unrelated")
    assert list(organisation_list(filters={"q": query})) == [wanted]


def test_sort_is_whitelisted_and_reversible():
    OrganisationFactory(name="b", postcode="A1")
    OrganisationFactory(name="A", postcode="C1")
    OrganisationFactory(name="c", postcode="B1")
    names = lambda sort: [o.name for o in organisation_list(sort=sort)]  # noqa: E731
    assert names("name") == ["A", "b", "c"]  # ignoring capitals
    assert names("-name") == ["c", "b", "A"]
    assert names("postcode") == ["b", "c", "A"]
    assert names("-postcode") == ["A", "c", "b"]
    assert names("password") == names("name")  # unknown keys fall back to name


# Access --------------------------------------------------------------------------------------


def test_internal_roles_read_and_only_officers_edit(organisation, officer, finance_officer, board_member):
    for user in (officer, finance_officer, board_member):
        assert access_organisation(user, organisation.pk) == organisation
    assert access_organisation(officer, organisation.pk, for_edit=True) == organisation
    for user in (finance_officer, board_member):
        with pytest.raises(PermissionDenied):
            access_organisation(user, organisation.pk, for_edit=True)


def test_a_provider_user_reads_only_its_own_organisation(provider_user, organisation):
    assert access_organisation(provider_user, organisation.pk) == organisation
    other = OrganisationFactory()
    with pytest.raises(Http404):
        access_organisation(provider_user, other.pk)
    with pytest.raises(PermissionDenied):
        access_organisation(provider_user, organisation.pk, for_edit=True)


# History -------------------------------------------------------------------------------------


def test_history_shows_who_changed_which_field_from_what_to_what(officer, superuser):
    organisation = organisation_create(actor=officer, name="Harbour", kind="voluntary_sector", postcode="DL1 1AA")
    organisation_update(
        organisation=organisation, actor=superuser, expected_version=1, postcode="DL2 2BB", kind="private"
    )
    contact_create(organisation=organisation, actor=officer, name="Ann")
    entries = organisation_history(organisation)
    assert [entry.title for entry in entries] == ["Contact added: Ann", "Organisation changed", "Organisation created"]
    changed = entries[1]
    assert changed.who == superuser.display_name
    assert sorted(changed.changes) == [
        ("Kind", "Voluntary or community sector", "Private company"),
        ("Postcode", "DL1 1AA", "DL2 2BB"),
    ]


def test_history_shows_every_step_of_a_providers_users_with_who_and_when(officer, organisation):
    """Invited, re-sent, withdrawn, accepted, lead set and unset, switched off and on: each an
    entry naming the person acted on, by whom, at the moment it happened (a minute apart)."""
    import re

    import time_machine
    from django.core import mail

    from providers.invitations import services

    def at(minute: int):
        return time_machine.travel(datetime.datetime(2026, 3, 2, 9, minute, tzinfo=datetime.UTC), tick=False)

    base = "https://commissioning.example.org"
    with at(1):
        withdrawn = services.invitation_create(
            organisation=organisation,
            actor=officer,
            email="wes@example.org",
            first_name="Wes",
            last_name="Went",
            link_base=base,
        )
    with at(2):
        services.invitation_withdraw(invitation=withdrawn, actor=officer)
    with at(3):
        invitation = services.invitation_create(
            organisation=organisation,
            actor=officer,
            email="jo@example.org",
            first_name="Jo",
            last_name="Bloggs",
            as_lead=True,
            link_base=base,
        )
    with at(4):
        services.invitation_resend(invitation=invitation, actor=officer, link_base=base)
    token = re.search(r"/invitations/([\w-]+)/", mail.outbox[-1].body).group(1)
    with at(5):
        jo = services.invitation_accept(token=token, password="granite lantern orchard 42")
    membership = jo.provider_membership
    with at(6):
        services.membership_set_lead(membership=membership, actor=officer, is_lead=False)
    with at(7):
        services.membership_set_lead(membership=membership, actor=officer, is_lead=True)
    with at(8):
        services.membership_switch_off(membership=membership, actor=officer)
    with at(9):
        services.membership_switch_on(membership=membership, actor=officer)

    # (The organisation's own "created" entry, from the fixture, is left aside.)
    entries = [entry for entry in organisation_history(organisation) if entry.title != "Organisation created"]

    by = officer.display_name
    assert [(entry.when.minute, entry.who, entry.title) for entry in entries] == [
        (9, by, "Access switched back on: Jo Bloggs"),
        (8, by, "Access switched off: Jo Bloggs"),
        (7, by, "Made a lead of the organisation: Jo Bloggs"),
        (6, by, "No longer a lead of the organisation: Jo Bloggs"),
        (5, "Jo Bloggs", "Invitation accepted: Jo Bloggs (jo@example.org) now has access as the organisation's lead"),
        (4, by, "Invitation re-sent to Jo Bloggs (jo@example.org) with a new link"),
        (3, by, "Invitation sent to Jo Bloggs (jo@example.org) as the organisation's lead"),
        (2, by, "Invitation withdrawn: Wes Went (wes@example.org)"),
        (1, by, "Invitation sent to Wes Went (wes@example.org)"),
    ]
    # 14 days after 09:03 and after 09:04 on 2 March (UK time is UTC then).
    assert entries[5].changes == [("Link expires", "16 March 2026 at 09:03", "16 March 2026 at 09:04")]


def test_history_of_users_stays_with_their_organisation(officer, organisation):
    from providers.invitations import services

    other = OrganisationFactory(name="Zephyr Other Trust")
    services.invitation_create(
        organisation=other,
        actor=officer,
        email="zed@example.org",
        first_name="Zed",
        last_name="Zephyr",
        link_base="https://commissioning.example.org",
    )
    assert not any("Zed" in entry.title for entry in organisation_history(organisation))
    assert any("Zed" in entry.title for entry in organisation_history(other))


def test_a_user_linked_outside_an_invitation_appears_in_history(organisation):
    import time_machine

    from providers.services import membership_set
    from tests.factories import UserFactory

    user = UserFactory(first_name="Ada", last_name="Admin")
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False):
        membership_set(user=user, organisation=organisation)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC), tick=False):
        membership_set(user=user, organisation=None)
    titles = [entry.title for entry in organisation_history(organisation) if entry.title != "Organisation created"]
    assert titles == ["User unlinked from the organisation: Ada Admin", "User linked to the organisation: Ada Admin"]
