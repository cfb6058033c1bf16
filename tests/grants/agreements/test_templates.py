"""Agreement templates: the starters seeded, officers add, edit (no lost update) and retire
them; finance and board read them; nobody else sees them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from grants.agreements import services
from grants.agreements.merge import unknown_fields
from grants.models import AgreementKind, AgreementTemplate
from pcc_commissioning.concurrency import STALE_MESSAGE
from pcc_commissioning.roles import Role
from tests.factories.agreements import AgreementTemplateFactory
from tests.factories.users import UserFactory

pytestmark = pytest.mark.django_db

OUTSIDERS = [Role.PROVIDER, Role.APPLICANT, Role.ASSESSOR, Role.PARTNER]


def _values(**changes):
    values = {
        "name": "Small grants agreement",
        "kind": AgreementKind.GRANT_AGREEMENT,
        "terms": "Between {{ funder }} and {{ provider }}.",
        "special_conditions": "",
        "is_active": True,
    }
    return {**values, **changes}


def test_a_starter_template_of_each_kind_is_seeded_with_known_fields_only():
    starters = AgreementTemplate.objects.filter(is_active=True)
    assert sorted(starters.values_list("kind", flat=True)) == sorted(AgreementKind.values)
    for template in starters:
        assert unknown_fields(template.terms) == [], template.name
        assert "{{ provider }}" in template.terms


def test_officer_adds_a_template(officer):
    template = services.agreement_template_create(actor=officer, **_values(terms="  Dear {{ provider }}.  "))
    assert template.terms == "Dear {{ provider }}."
    assert template.history.first().history_user == officer


def test_a_template_naming_an_unknown_field_is_refused(officer):
    with pytest.raises(ValidationError) as refusal:
        services.agreement_template_create(actor=officer, **_values(terms="Dear {{ grantee }}, {{ provider }}"))
    (message,) = refusal.value.message_dict["terms"]
    assert message.startswith("{{ grantee }} is not a merge field. The merge fields are: funder, provider,")


def test_names_are_unique_ignoring_capitals_and_other_rules(officer):
    AgreementTemplateFactory(name="Small Grants Agreement")
    with pytest.raises(ValidationError) as refusal:
        services.agreement_template_create(actor=officer, **_values(kind="letter", terms=""))
    errors = refusal.value.message_dict
    assert errors["name"] == ["There is already an agreement template called “Small grants agreement”."]
    assert errors["kind"] == ["Choose what kind of agreement the template is for."]
    assert errors["terms"] == ["Enter the standard terms."]


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD, Role.PROVIDER])
def test_only_officers_write_templates(role):
    actor = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        services.agreement_template_create(actor=actor, **_values())
    template = AgreementTemplateFactory()
    with pytest.raises(PermissionDenied):
        services.agreement_template_update(template=template, actor=actor, expected_version=1, is_active=False)


def test_retiring_and_a_stale_edit(officer):
    template = AgreementTemplateFactory(name="To retire")
    retired = services.agreement_template_update(template=template, actor=officer, expected_version=1, is_active=False)
    assert (retired.is_active, retired.version) == (False, 2)
    with pytest.raises(ValidationError, match="Someone else saved this record"):
        services.agreement_template_update(template=template, actor=officer, expected_version=1, name="Lost")
    template.refresh_from_db()
    assert template.name == "To retire"


def test_an_edit_changing_nothing_keeps_the_version(officer):
    template = AgreementTemplateFactory(name="Same")
    same = services.agreement_template_update(template=template, actor=officer, expected_version=1, name="Same")
    assert same.version == 1


# Pages -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.OFFICER, Role.FINANCE, Role.BOARD])
def test_internal_roles_read_the_list(login_as, role):
    client = login_as(UserFactory(role=role))
    response = client.get(reverse("grants:agreement_template_list"))
    assert response.status_code == 200
    assert "Standard grant agreement" in response.content.decode()
    assert ("Add a template" in response.content.decode()) == (role == Role.OFFICER)


@pytest.mark.parametrize("role", OUTSIDERS)
def test_others_are_refused(login_as, role):
    client = login_as(UserFactory(role=role))
    assert client.get(reverse("grants:agreement_template_list")).status_code == 403
    assert client.get(reverse("grants:agreement_template_create")).status_code == 403


@pytest.mark.parametrize("role", [Role.FINANCE, Role.BOARD])
def test_finance_and_board_cannot_add_or_edit(login_as, role):
    client = login_as(UserFactory(role=role))
    template = AgreementTemplateFactory()
    assert client.get(reverse("grants:agreement_template_create")).status_code == 403
    assert client.post(reverse("grants:agreement_template_create"), _values()).status_code == 403
    assert client.get(reverse("grants:agreement_template_edit", args=[template.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("grants:agreement_template_list"))
    assert response.status_code == 302 and "login" in response.url


def test_officer_adds_one_through_the_form_with_the_merge_fields_as_help(officer_client):
    page = officer_client.get(reverse("grants:agreement_template_create")).content.decode()
    assert "{{ total_value }}" in page and "The award&#x27;s total value in pounds" in page
    response = officer_client.post(reverse("grants:agreement_template_create"), _values())
    assert response.status_code == 302
    assert (
        AgreementTemplate.objects.get(name="Small grants agreement").terms == "Between {{ funder }} and {{ provider }}."
    )


def test_the_form_names_the_unknown_field_in_its_error_summary(officer_client):
    response = officer_client.post(reverse("grants:agreement_template_create"), _values(terms="{{ grantee }}"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "{{ grantee }} is not a merge field" in page


def test_officer_edits_and_a_stale_form_is_refused(officer_client):
    template = AgreementTemplateFactory(name="Edit me")
    url = reverse("grants:agreement_template_edit", args=[template.pk])
    form = {**_values(name="Edited"), "version": 1}
    assert officer_client.post(url, form).status_code == 302
    stale = officer_client.post(url, {**form, "name": "Lost"})
    assert STALE_MESSAGE.split(":")[0] in stale.content.decode()
    template.refresh_from_db()
    assert template.name == "Edited"
