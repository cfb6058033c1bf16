"""The providers write rules, shared by pages, imports and commands."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from pcc_commissioning.concurrency import STALE_MESSAGE
from providers.models import Contact, DueDiligenceDocument, Organisation, ProviderMembership
from providers.services import (
    contact_create,
    contact_delete,
    contact_update,
    document_add,
    document_verify,
    membership_set,
    organisation_create,
    organisation_update,
    organisation_upsert_from_row,
)
from tests.factories import DueDiligenceDocumentFactory, OrganisationFactory, UserFactory

from .conftest import DOCX_BYTES, EXE_BYTES, JPEG_BYTES, ODT_BYTES, PNG_BYTES, XLSX_BYTES, pdf_upload, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def errors_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# Organisations ---------------------------------------------------------------------------------


def test_create_normalises_numbers_derives_org_id_and_records_who(officer):
    organisation = organisation_create(
        actor=officer, name="Harbour", kind="voluntary_sector", charity_number=" 1122334 ", website="harbour.org.uk"
    )
    organisation.refresh_from_db()
    assert organisation.charity_number == "1122334"
    assert organisation.org_id == "GB-CHC-1122334"
    assert organisation.website == "https://harbour.org.uk"
    assert organisation.history.get().history_user == officer


@pytest.mark.parametrize("other_spelling", ["Harbour", "HARBOUR", "harbour", "  Harbour  "])
def test_duplicate_names_are_refused_whatever_the_capitals(officer, other_spelling):
    organisation_create(actor=officer, name="Harbour", kind="voluntary_sector")
    with pytest.raises(ValidationError) as excinfo:
        organisation_create(actor=officer, name=other_spelling, kind="other")
    assert "already exists" in errors_of(excinfo)["name"][0]
    assert Organisation.objects.count() == 1


def test_renaming_onto_another_organisations_name_is_refused(officer):
    OrganisationFactory(name="Harbour")
    other = OrganisationFactory(name="HALO")
    with pytest.raises(ValidationError) as excinfo:
        organisation_update(organisation=other, actor=officer, expected_version=other.version, name="harbour")
    assert "name" in errors_of(excinfo)
    other.refresh_from_db()
    assert other.name == "HALO"


def test_changing_only_the_capitals_of_ones_own_name_is_allowed(officer):
    organisation = OrganisationFactory(name="Harbour")
    updated = organisation_update(organisation=organisation, actor=officer, expected_version=1, name="HARBOUR")
    assert updated.name == "HARBOUR"


def test_every_problem_is_reported_against_its_field(officer):
    with pytest.raises(ValidationError) as excinfo:
        organisation_create(
            actor=officer, name="", kind="charity", charity_number="12AB", company_number="1234567", email="nope"
        )
    assert set(errors_of(excinfo)) == {"name", "kind", "charity_number", "company_number", "email"}
    assert "8 characters" in errors_of(excinfo)["company_number"][0]


def test_a_stale_update_is_refused_and_changes_nothing(officer):
    organisation = organisation_create(actor=officer, name="Harbour", kind="voluntary_sector", postcode="DL1 1AA")
    loaded_version = organisation.version
    organisation_update(organisation=organisation, actor=officer, expected_version=loaded_version, postcode="DL2 2BB")
    history_before = organisation.history.count()

    with pytest.raises(ValidationError) as excinfo:
        organisation_update(
            organisation=organisation, actor=officer, expected_version=loaded_version, postcode="DL3 3CC"
        )

    assert excinfo.value.messages == [STALE_MESSAGE]
    organisation.refresh_from_db()
    assert organisation.postcode == "DL2 2BB"
    assert organisation.version == loaded_version + 1
    assert organisation.history.count() == history_before


def test_an_update_bumps_the_version_and_an_unchanged_save_writes_nothing(officer):
    organisation = organisation_create(actor=officer, name="Harbour", kind="voluntary_sector")
    updated = organisation_update(organisation=organisation, actor=officer, expected_version=1, phone="0191 000")
    assert updated.version == 2
    same = organisation_update(organisation=updated, actor=officer, expected_version=2, phone="0191 000")
    assert same.version == 2
    assert Organisation.objects.get().version == 2
    assert organisation.history.count() == 2  # created, changed


def test_a_derived_org_id_follows_a_new_charity_number_but_a_typed_one_is_kept(officer):
    derived = organisation_create(actor=officer, name="A", kind="other", company_number="01234567")
    derived = organisation_update(organisation=derived, actor=officer, expected_version=None, charity_number="1122334")
    assert derived.org_id == "GB-CHC-1122334"

    typed = organisation_create(actor=officer, name="B", kind="local_authority", org_id="GB-LAE-DUR")
    typed = organisation_update(organisation=typed, actor=officer, expected_version=None, company_number="01234567")
    assert typed.org_id == "GB-LAE-DUR"


# Upsert for imports --------------------------------------------------------------------------


def test_upsert_creates_then_updates_only_from_non_blank_cells(officer):
    organisation, created = organisation_upsert_from_row(
        actor=officer, fields={"name": "Harbour", "kind": "voluntary_sector", "postcode": "DL1 1AA", "phone": "0191"}
    )
    assert created
    again, created = organisation_upsert_from_row(
        actor=officer,
        fields={"name": "HARBOUR", "kind": "", "postcode": "", "phone": None, "email": "info@harbour.org.uk"},
    )
    assert not created and again.pk == organisation.pk
    again.refresh_from_db()
    assert (again.name, again.kind, again.postcode, again.phone, again.email) == (
        "Harbour",
        "voluntary_sector",
        "DL1 1AA",
        "0191",
        "info@harbour.org.uk",
    )


def test_upsert_errors_name_the_column(officer):
    with pytest.raises(ValidationError) as excinfo:
        organisation_upsert_from_row(actor=officer, fields={"name": "X", "company_number": "123"})
    assert list(errors_of(excinfo)) == ["company_number"]
    with pytest.raises(ValidationError) as excinfo:
        organisation_upsert_from_row(actor=officer, fields={"name": "  ", "kind": "other"})
    assert list(errors_of(excinfo)) == ["name"]
    assert not Organisation.objects.exists()


def test_upserting_an_identical_row_writes_no_history(officer):
    row = {"name": "Harbour", "kind": "voluntary_sector", "charity_number": "1122334"}
    organisation_upsert_from_row(actor=officer, fields=row)
    organisation_upsert_from_row(actor=officer, fields=row)
    assert Organisation.history.count() == 1


# Contacts ------------------------------------------------------------------------------------


def test_a_new_main_contact_replaces_the_old_one(officer, organisation):
    first = contact_create(organisation=organisation, actor=officer, name="Ann", is_primary=True)
    second = contact_create(organisation=organisation, actor=officer, name="Bob", is_primary=True)
    first.refresh_from_db()
    assert not first.is_primary and second.is_primary
    assert list(Contact.objects.filter(organisation=organisation, is_primary=True)) == [second]


def test_contact_update_and_delete_keep_history(officer, organisation):
    contact = contact_create(organisation=organisation, actor=officer, name="Ann", email="ann@example.org")
    contact_update(contact=contact, actor=officer, job_title="Director")
    contact_delete(contact=contact, actor=officer)
    assert not Contact.objects.exists()
    assert [h.history_type for h in Contact.history.order_by("history_date")] == ["+", "~", "-"]


def test_a_contact_needs_a_name_and_a_real_email(officer, organisation):
    with pytest.raises(ValidationError) as excinfo:
        contact_create(organisation=organisation, actor=officer, name=" ", email="not-an-email")
    assert set(errors_of(excinfo)) == {"name", "email"}


# Documents ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("policy.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("policy.docx", DOCX_BYTES, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("accounts.xlsx", XLSX_BYTES, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("policy.odt", ODT_BYTES, "application/vnd.oasis.opendocument.text"),
        ("scan.png", PNG_BYTES, "image/png"),
        ("scan.JPG", JPEG_BYTES, "image/jpeg"),
    ],
)
def test_documents_of_each_accepted_type_are_stored_under_a_random_name(
    officer, organisation, name, content, content_type
):
    document = document_add(
        organisation=organisation,
        actor=officer,
        kind="insurance",
        file=upload(name, content),
        valid_from=TODAY,
        expires_on=TODAY + datetime.timedelta(days=365),
    )
    assert document.content_type == content_type
    assert document.original_name == name
    assert name.rsplit(".", 1)[0] not in document.file.name
    assert document.file.name.startswith("due-diligence/")
    with document.file.open("rb") as stored:
        assert stored.read() == content


def test_a_long_file_name_is_shortened_keeping_its_extension(officer, organisation):
    document = document_add(
        organisation=organisation,
        actor=officer,
        kind="insurance",
        file=upload("a" * 250 + ".pdf", b"%PDF-1.7\n"),
        valid_from=TODAY,
    )
    assert document.original_name == "a" * 196 + ".pdf"  # 200 characters, the field's limit
    assert document.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("virus.pdf", EXE_BYTES, "must be a PDF"),  # right name, wrong contents
        ("virus.exe", EXE_BYTES, "must be a PDF"),
        ("photo.pdf", PNG_BYTES, "contains a PNG"),  # contents and name disagree
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 40, "must be a PDF"),  # not a real zip
        ("notes.txt", b"hello", "must be a PDF"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_files_are_refused_by_their_contents(officer, organisation, name, content, message):
    with pytest.raises(ValidationError) as excinfo:
        document_add(
            organisation=organisation, actor=officer, kind="insurance", file=upload(name, content), valid_from=TODAY
        )
    assert message in errors_of(excinfo)["file"][0]
    assert not DueDiligenceDocument.objects.exists()


def test_oversized_files_are_refused(officer, organisation, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = upload("big.pdf", b"%PDF-1.4\n" + b"0" * 2048)
    with pytest.raises(ValidationError) as excinfo:
        document_add(organisation=organisation, actor=officer, kind="insurance", file=big, valid_from=TODAY)
    assert "smaller than 1 KB" in errors_of(excinfo)["file"][0]
    assert not DueDiligenceDocument.objects.exists()


def test_expiry_before_valid_from_is_refused(officer, organisation):
    with pytest.raises(ValidationError) as excinfo:
        document_add(
            organisation=organisation,
            actor=officer,
            kind="insurance",
            file=pdf_upload(),
            valid_from=TODAY,
            expires_on=TODAY - datetime.timedelta(days=1),
        )
    assert list(errors_of(excinfo)) == ["expires_on"]


def test_verifying_records_who_and_when(officer, organisation):
    document = DueDiligenceDocumentFactory(organisation=organisation)
    verified = document_verify(document=document, actor=officer)
    verified.refresh_from_db()
    assert (verified.verified_by, verified.verified_on) == (officer, TODAY)


# Provider users ------------------------------------------------------------------------------


def test_membership_set_links_moves_and_removes(organisation):
    user = UserFactory()
    other = OrganisationFactory()
    membership_set(user=user, organisation=organisation)
    membership_set(user=user, organisation=other)
    assert ProviderMembership.objects.get(user=user).organisation == other
    membership_set(user=user, organisation=None)
    assert not ProviderMembership.objects.filter(user=user).exists()


def test_membership_set_makes_a_lead_only_when_told_and_otherwise_leaves_it_alone(organisation):
    user = UserFactory()
    assert membership_set(user=user, organisation=organisation).is_lead is False
    membership_set(user=user, organisation=organisation, is_lead=True)
    membership_set(user=user, organisation=organisation)
    assert ProviderMembership.objects.get(user=user).is_lead is True
    membership_set(user=user, organisation=organisation, is_lead=False)
    assert ProviderMembership.objects.get(user=user).is_lead is False
