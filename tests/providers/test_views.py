"""The providers pages: list, detail tabs, forms and their bad input, downloads, permissions."""

import datetime
import re

import pytest
from django.urls import reverse

from pcc_commissioning import tabs as tab_registry
from pcc_commissioning.concurrency import STALE_MESSAGE
from providers.models import Contact, DueDiligenceDocument, Organisation
from tests.factories import ContactFactory, DueDiligenceDocumentFactory, OrganisationFactory
from tests.factories.providers import PDF_BYTES
from tests.submissions import assert_saved_once, post_twice

from .conftest import EXE_BYTES, PNG_BYTES, pdf_upload, upload

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
LIST = reverse("providers:list")


def form_data(**overrides) -> dict:
    data = {
        "name": "Harbour",
        "kind": "voluntary_sector",
        "charity_number": "1122334",
        "company_number": "",
        "org_id": "",
        "supplier_number": "",
        "address": "1 High Street\nDarlington",
        "postcode": "DL1 1AA",
        "website": "",
        "email": "",
        "phone": "",
        "active": "on",
        "notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def edit_data(organisation, **overrides) -> dict:
    values = {
        "name": organisation.name,
        "kind": organisation.kind,
        "charity_number": "",
        "version": organisation.version,
    }
    values.update(overrides)
    return form_data(**values)


def names_in(response) -> list[str]:
    return [o.name for o in response.context["organisations"]]


# List -----------------------------------------------------------------------------------------


def test_list_shows_organisations_with_count_and_expiry_tags(officer_client):
    harbour = OrganisationFactory(name="Harbour", charity_number="1122334")
    DueDiligenceDocumentFactory(organisation=harbour, expires_on=TODAY + datetime.timedelta(days=10))
    OrganisationFactory(name="HALO")
    response = officer_client.get(LIST)
    assert response.status_code == 200
    assert response.context["section"] == "providers"
    content = response.content.decode()
    assert "2 organisations" in content
    assert "Charity 1122334" in content
    assert content.count("Documents expiring") == 1
    assert reverse("providers:detail", args=[harbour.pk]) in content


def test_list_filters_by_kind_active_expiring_and_text(officer_client):
    expiring = OrganisationFactory(name="Expiring Org")
    DueDiligenceDocumentFactory(organisation=expiring, expires_on=TODAY + datetime.timedelta(days=5))
    OrganisationFactory(name="County Council", kind="local_authority")
    OrganisationFactory(name="Closed Org", active=False)
    assert names_in(officer_client.get(LIST, {"kind": "local_authority"})) == ["County Council"]
    assert names_in(officer_client.get(LIST, {"active": "no"})) == ["Closed Org"]
    assert names_in(officer_client.get(LIST, {"expiring": "on"})) == ["Expiring Org"]
    assert names_in(officer_client.get(LIST, {"q": "council"})) == ["County Council"]
    assert len(names_in(officer_client.get(LIST, {"active": "yes"}))) == 2


def test_filter_form_keeps_its_values_and_the_sort(officer_client):
    response = officer_client.get(LIST, {"q": "harb", "sort": "-name"})
    content = response.content.decode()
    assert 'value="harb"' in content
    assert '<input type="hidden" name="sort" value="-name">' in content


def test_list_sorts_by_whitelisted_columns_with_aria_sort(officer_client):
    OrganisationFactory(name="Beta", postcode="A1 1AA")
    OrganisationFactory(name="Alpha", postcode="B1 1AA")
    assert names_in(officer_client.get(LIST, {"sort": "name"})) == ["Alpha", "Beta"]
    assert names_in(officer_client.get(LIST, {"sort": "-name"})) == ["Beta", "Alpha"]
    assert names_in(officer_client.get(LIST, {"sort": "postcode"})) == ["Beta", "Alpha"]
    assert names_in(officer_client.get(LIST, {"sort": "notes; drop table"})) == ["Alpha", "Beta"]
    content = officer_client.get(LIST, {"sort": "-name"}).content.decode()
    assert 'aria-sort="descending"' in content


def test_list_paginates_25_a_page_keeping_filters(officer_client):
    for n in range(30):
        OrganisationFactory(name=f"Org {n:02d}", kind="health")
    OrganisationFactory(name="Not health", kind="police")
    first = officer_client.get(LIST, {"kind": "health"})
    assert len(names_in(first)) == 25
    assert "kind=health&amp;page=2" in first.content.decode()
    second = officer_client.get(LIST, {"kind": "health", "page": 2})
    assert names_in(second) == [f"Org {n:02d}" for n in range(25, 30)]


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_is_flat(officer_client, django_assert_max_num_queries, count):
    for n in range(count):
        organisation = OrganisationFactory()
        ContactFactory(organisation=organisation)
        DueDiligenceDocumentFactory(organisation=organisation, expires_on=TODAY + datetime.timedelta(days=n))
    officer_client.get(LIST)  # warm the session
    with django_assert_max_num_queries(6):
        response = officer_client.get(LIST, {"sort": "expiry"})
    assert response.status_code == 200
    assert len(response.context["organisations"]) == min(count, 25)


# Detail and tabs ------------------------------------------------------------------------------


def test_detail_shows_fields_tabs_and_edit_link_for_officers(officer_client):
    organisation = OrganisationFactory(name="Harbour", charity_number="1122334", org_id="GB-CHC-1122334")
    response = officer_client.get(reverse("providers:detail", args=[organisation.pk]))
    content = response.content.decode()
    assert "GB-CHC-1122334" in content
    assert 'class="moj-sub-navigation"' in content
    # The built-in tabs first; higher apps' tabs (grants' "Awards") follow.
    assert [tab["label"] for tab in response.context["tabs"]] == [
        "Details",
        "Contacts",
        "Documents",
        "Users",
        "History",
        "Awards",
    ]
    assert response.context["tabs"][0]["current"]
    assert reverse("providers:edit", args=[organisation.pk]) in content
    assert "govuk-warning-text" not in content


def test_detail_warns_when_a_document_is_expiring(board_client, organisation):
    DueDiligenceDocumentFactory(organisation=organisation, expires_on=TODAY + datetime.timedelta(days=59))
    content = board_client.get(reverse("providers:detail", args=[organisation.pk])).content.decode()
    assert "expires within 60 days" in content


def test_a_higher_app_can_add_a_tab_by_url_name_and_unknown_ones_are_hidden(officer_client, monkeypatch):
    registered = list(tab_registry.REGISTRY["organisation"])
    monkeypatch.setitem(tab_registry.REGISTRY, "organisation", list(registered))
    tab_registry.register_tab("organisation", "Nowhere", "grants:no_such_view")
    tab_registry.register_tab("organisation", "Edit", "providers:edit", capability="providers.edit")
    organisation = OrganisationFactory()
    response = officer_client.get(reverse("providers:detail", args=[organisation.pk]))
    labels = [tab["label"] for tab in response.context["tabs"]]
    assert "Nowhere" not in labels
    assert labels[-1] == "Edit"
    assert all(tab.url_name != "grants:no_such_view" for tab in registered)  # the stored list was left alone


def test_a_tab_registered_with_a_capability_is_shown_only_to_its_holders(board_client, monkeypatch):
    monkeypatch.setitem(tab_registry.REGISTRY, "organisation", list(tab_registry.REGISTRY["organisation"]))
    tab_registry.register_tab("organisation", "Edit", "providers:edit", capability="providers.edit")
    tab_registry.register_tab("organisation", "Edit again", "providers:edit", capability="providers.edit")
    organisation = OrganisationFactory()
    response = board_client.get(reverse("providers:detail", args=[organisation.pk]))
    labels = [tab["label"] for tab in response.context["tabs"]]
    assert "Edit" not in labels and "Edit again" not in labels
    assert [tab.url_name for tab in tab_registry.REGISTRY["organisation"]].count("providers:edit") == 1


@pytest.mark.parametrize("client_fixture", ["board_client", "finance_client"])
def test_board_and_finance_read_but_see_no_edit_links_and_get_403_on_edits(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    organisation = OrganisationFactory()
    contact = ContactFactory(organisation=organisation)
    document = DueDiligenceDocumentFactory(organisation=organisation)
    for name in ("detail", "contacts", "documents", "history"):
        response = client.get(reverse(f"providers:{name}", args=[organisation.pk]))
        assert response.status_code == 200
        content = response.content.decode()
        assert "/edit/" not in content and "/new/" not in content and "verify" not in content
    assert client.get(LIST).status_code == 200
    assert "Add an organisation" not in client.get(LIST).content.decode()
    forbidden = [
        ("get", reverse("providers:create")),
        ("post", reverse("providers:create")),
        ("get", reverse("providers:edit", args=[organisation.pk])),
        ("post", reverse("providers:edit", args=[organisation.pk])),
        ("get", reverse("providers:contact_add", args=[organisation.pk])),
        ("post", reverse("providers:contact_edit", args=[organisation.pk, contact.pk])),
        ("post", reverse("providers:contact_delete", args=[organisation.pk, contact.pk])),
        ("post", reverse("providers:document_add", args=[organisation.pk])),
        ("post", reverse("providers:document_verify", args=[organisation.pk, document.pk])),
    ]
    for method, url in forbidden:
        assert getattr(client, method)(url).status_code == 403, url
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_provider_users_get_403_on_every_internal_page(provider_client, organisation):
    contact = ContactFactory(organisation=organisation)
    document = DueDiligenceDocumentFactory(organisation=organisation)
    pk = organisation.pk
    urls = [
        LIST,
        reverse("providers:create"),
        *(
            reverse(f"providers:{name}", args=[pk])
            for name in ("detail", "edit", "contacts", "contact_add", "documents", "document_add", "history")
        ),
        reverse("providers:contact_edit", args=[pk, contact.pk]),
        reverse("providers:document_download", args=[pk, document.pk]),
    ]
    for url in urls:
        assert provider_client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, organisation):
    for url in (LIST, reverse("providers:detail", args=[organisation.pk]), reverse("providers:create")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_unknown_organisation_is_404(officer_client):
    assert officer_client.get(reverse("providers:detail", args=[999999])).status_code == 404


# Create and edit ------------------------------------------------------------------------------


def test_create_happy_path(officer_client, officer):
    response = officer_client.post(reverse("providers:create"), form_data(), follow=True)
    organisation = Organisation.objects.get(name="Harbour")
    assert response.redirect_chain[-1][0] == reverse("providers:detail", args=[organisation.pk])
    assert organisation.org_id == "GB-CHC-1122334"
    assert organisation.history.get().history_user == officer
    assert "Harbour has been added" in response.content.decode()


def test_create_form_renders_with_gds_markup(officer_client):
    content = officer_client.get(reverse("providers:create")).content.decode()
    assert 'class="govuk-input' in content and 'name="charity_number"' in content
    assert 'enctype="multipart/form-data"' not in content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "HARBOUR"}, "name", "already exists"),
        ({"charity_number": "12AB"}, "charity_number", "Enter a real charity number"),
        ({"company_number": "1234567"}, "company_number", "Company numbers have 8 characters"),
        ({"company_number": "XX123456"}, "company_number", "not a Companies House register prefix"),
        ({"name": ""}, "name", "Enter the organisation"),
    ],
)
def test_create_refuses_bad_input_with_an_error_summary(officer_client, overrides, field, message):
    OrganisationFactory(name="Harbour")
    response = officer_client.post(reverse("providers:create"), form_data(**overrides))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert f'href="#id_{field}"' in content
    assert "<title>Error:" in content
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    "url_name", ["providers:create", "providers:edit", "providers:contact_add", "providers:document_add"]
)
def test_an_empty_submission_shows_errors_and_saves_nothing(officer_client, organisation, url_name):
    args = [] if url_name == "providers:create" else [organisation.pk]
    response = officer_client.post(reverse(url_name, args=args), {})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_every_problem_is_shown_in_one_round(officer_client):
    """A missing kind must not hide the duplicate name or the malformed numbers."""
    OrganisationFactory(name="Harbour")
    response = officer_client.post(
        reverse("providers:create"),
        form_data(name="harbour", kind="", charity_number="12AB", company_number="123"),
    )
    errors = response.context["form"].errors
    assert set(errors) == {"name", "kind", "charity_number", "company_number"}
    assert Organisation.objects.count() == 1


def test_edit_happy_path_shows_in_history(officer_client):
    organisation = OrganisationFactory(name="Harbour", postcode="DL1 1AA")
    url = reverse("providers:edit", args=[organisation.pk])
    form = officer_client.get(url).content.decode()
    assert f'name="version" value="{organisation.version}"' in form
    response = officer_client.post(url, edit_data(organisation, postcode="DL9 9ZZ"), follow=True)
    assert "Harbour has been updated" in response.content.decode()
    organisation.refresh_from_db()
    assert (organisation.postcode, organisation.version) == ("DL9 9ZZ", 2)
    history = officer_client.get(reverse("providers:history", args=[organisation.pk])).content.decode()
    assert "DL1 1AA" in history and "DL9 9ZZ" in history


def test_a_stale_edit_form_is_refused_and_nothing_is_overwritten(officer_client):
    organisation = OrganisationFactory(name="Harbour", postcode="DL1 1AA")
    url = reverse("providers:edit", args=[organisation.pk])
    loaded = edit_data(organisation, postcode="MINE 1")
    # Someone else saves in between.
    officer_client.post(url, edit_data(organisation, postcode="THEIRS 1"))
    response = officer_client.post(url, loaded)
    assert response.status_code == 200
    content = response.content.decode()
    assert "govuk-error-summary" in content
    assert STALE_MESSAGE.split(":")[0] in content
    organisation.refresh_from_db()
    assert organisation.postcode == "THEIRS 1"
    assert organisation.version == 2
    assert [h.postcode for h in organisation.history.order_by("history_date")] == ["DL1 1AA", "THEIRS 1"]


def test_edit_refuses_a_duplicate_name(officer_client):
    OrganisationFactory(name="Harbour")
    other = OrganisationFactory(name="HALO")
    response = officer_client.post(reverse("providers:edit", args=[other.pk]), edit_data(other, name="harbour"))
    assert "already exists" in response.context["form"].errors["name"][0]
    other.refresh_from_db()
    assert other.name == "HALO"


# Contacts -----------------------------------------------------------------------------------


def test_contacts_add_edit_remove(officer_client, organisation):
    add = reverse("providers:contact_add", args=[organisation.pk])
    officer_client.post(add, {"name": "Ann Smith", "job_title": "CEO", "email": "ann@example.org", "is_primary": "on"})
    contact = Contact.objects.get()
    assert contact.is_primary
    page = officer_client.get(reverse("providers:contacts", args=[organisation.pk])).content.decode()
    assert "Ann Smith" in page and "Main contact" in page
    officer_client.post(
        reverse("providers:contact_edit", args=[organisation.pk, contact.pk]),
        {"name": "Ann Jones", "version": contact.version},
    )
    contact.refresh_from_db()
    assert (contact.name, contact.is_primary) == ("Ann Jones", False)
    officer_client.post(reverse("providers:contact_delete", args=[organisation.pk, contact.pk]))
    assert not Contact.objects.exists()


def test_a_contact_of_another_organisation_is_404(officer_client, organisation):
    stranger = ContactFactory()
    url = reverse("providers:contact_edit", args=[organisation.pk, stranger.pk])
    assert officer_client.get(url).status_code == 404


# Documents ----------------------------------------------------------------------------------


def document_post(file, **overrides) -> dict:
    valid = TODAY - datetime.timedelta(days=10)
    expires = TODAY + datetime.timedelta(days=300)
    data = {
        "kind": "insurance",
        "file": file,
        "valid_from_0": valid.day,
        "valid_from_1": valid.month,
        "valid_from_2": valid.year,
        "expires_on_0": expires.day,
        "expires_on_1": expires.month,
        "expires_on_2": expires.year,
        "notes": "",
    }
    data.update(overrides)
    return data


def test_document_upload_happy_path_and_verify(officer_client, officer, organisation):
    url = reverse("providers:document_add", args=[organisation.pk])
    assert 'enctype="multipart/form-data"' in officer_client.get(url).content.decode()
    response = officer_client.post(url, document_post(pdf_upload("Insurance 2025.pdf")), follow=True)
    assert "has been uploaded" in response.content.decode()
    document = DueDiligenceDocument.objects.get()
    assert document.original_name == "Insurance 2025.pdf"
    assert document.expires_on == TODAY + datetime.timedelta(days=300)
    officer_client.post(reverse("providers:document_verify", args=[organisation.pk, document.pk]))
    document.refresh_from_db()
    assert document.verified_by == officer


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload("policy.pdf", EXE_BYTES), "must be a PDF"),
        (upload("photo.pdf", PNG_BYTES, "application/pdf"), "contains a PNG"),
    ],
)
def test_document_upload_refuses_the_wrong_type_by_content(officer_client, organisation, file, message):
    response = officer_client.post(reverse("providers:document_add", args=[organisation.pk]), document_post(file))
    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert "govuk-error-summary" in response.content.decode()
    assert not DueDiligenceDocument.objects.exists()


def test_document_upload_refuses_an_oversized_file(officer_client, organisation, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    big = upload("big.pdf", b"%PDF-1.4\n" + b"0" * 4096, "application/pdf")
    response = officer_client.post(reverse("providers:document_add", args=[organisation.pk]), document_post(big))
    assert "must be smaller than" in response.context["form"].errors["file"][0]
    assert not DueDiligenceDocument.objects.exists()


def test_document_upload_refuses_expiry_before_valid_from(officer_client, organisation):
    data = document_post(pdf_upload(), expires_on_2=TODAY.year - 2)
    response = officer_client.post(reverse("providers:document_add", args=[organisation.pk]), data)
    assert "expiry date" in response.context["form"].errors["expires_on"][0]
    assert 'href="#id_expires_on_0"' in response.content.decode()  # the summary links to the day box


@pytest.mark.parametrize("client_fixture", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_download_documents_as_attachments(request, client_fixture, organisation):
    client = request.getfixturevalue(client_fixture)
    document = DueDiligenceDocumentFactory(organisation=organisation, original_name="certificate.pdf")
    response = client.get(reverse("providers:document_download", args=[organisation.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="certificate.pdf"' in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_download_is_refused_to_anonymous_and_for_another_organisations_document(client, officer_client, organisation):
    document = DueDiligenceDocumentFactory()
    assert (
        client.get(reverse("providers:document_download", args=[document.organisation_id, document.pk])).status_code
        == 302
    )
    wrong = reverse("providers:document_download", args=[organisation.pk, document.pk])
    assert officer_client.get(wrong).status_code == 404


def test_files_are_not_stored_under_a_guessable_name(officer_client, organisation):
    officer_client.post(
        reverse("providers:document_add", args=[organisation.pk]), document_post(pdf_upload("insurance.pdf"))
    )
    stored = DueDiligenceDocument.objects.get().file.name
    assert "insurance" not in stored
    assert re.fullmatch(r"due-diligence/[0-9a-f]{32}\.pdf", stored)


def test_documents_tab_shows_status_and_download_links(board_client, organisation):
    document = DueDiligenceDocumentFactory(organisation=organisation, expires_on=TODAY - datetime.timedelta(days=1))
    content = board_client.get(reverse("providers:documents", args=[organisation.pk])).content.decode()
    assert "Expired" in content
    assert reverse("providers:document_download", args=[organisation.pk, document.pk]) in content
    assert "Not verified" in content


def test_a_stale_contact_edit_is_refused_and_nothing_is_overwritten(officer_client, organisation):
    contact = ContactFactory(organisation=organisation, name="Ann Smith", phone="0100")
    url = reverse("providers:contact_edit", args=[organisation.pk, contact.pk])
    loaded = {"name": "Ann Smith", "phone": "MINE", "version": contact.version}
    officer_client.post(url, {**loaded, "phone": "THEIRS"})  # someone else saves first
    response = officer_client.post(url, loaded)
    assert STALE_MESSAGE.split(":")[0] in response.content.decode()
    contact.refresh_from_db()
    assert (contact.phone, contact.version) == ("THEIRS", 2)


# Create forms sent twice (a double click, a retry) save once --------------------------------------


def test_the_organisation_form_sent_twice_adds_one_organisation(officer_client):
    first, second = post_twice(officer_client, reverse("providers:create"), form_data())
    assert Organisation.objects.filter(name="Harbour").count() == 1
    assert_saved_once(first, second, "Harbour has been added.")


def test_the_contact_form_sent_twice_adds_one_contact(officer_client, organisation):
    first, second = post_twice(
        officer_client,
        reverse("providers:contact_add", args=[organisation.pk]),
        {"name": "Ann Smith", "job_title": "CEO", "email": "ann@example.org"},
    )
    assert Contact.objects.filter(organisation=organisation).count() == 1
    assert_saved_once(first, second, "Ann Smith has been added as a contact.")


def test_the_document_form_sent_twice_uploads_one_document(officer_client, organisation):
    first, second = post_twice(
        officer_client,
        reverse("providers:document_add", args=[organisation.pk]),
        lambda: document_post(pdf_upload("insurance.pdf")),
    )
    assert DueDiligenceDocument.objects.filter(organisation=organisation).count() == 1
    assert_saved_once(first, second, "Insurance certificate (insurance.pdf) has been uploaded.")
