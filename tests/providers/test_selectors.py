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


def test_history_shows_who_changed_which_field_from_what_to_what(officer, finance_officer):
    organisation = organisation_create(actor=officer, name="Harbour", kind="voluntary_sector", postcode="DL1 1AA")
    organisation_update(organisation=organisation, actor=finance_officer, expected_version=1, postcode="DL2 2BB", kind="private")
    contact_create(organisation=organisation, actor=officer, name="Ann")
    entries = organisation_history(organisation)
    assert [entry.title for entry in entries] == ["Contact added: Ann", "Organisation changed", "Organisation created"]
    changed = entries[1]
    assert changed.who == finance_officer.display_name
    assert sorted(changed.changes) == [
        ("Kind", "Voluntary or community sector", "Private company"),
        ("Postcode", "DL1 1AA", "DL2 2BB"),
    ]
