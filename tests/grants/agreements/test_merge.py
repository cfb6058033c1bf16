"""Merge fields: every field filled from the figures as plain text, and unknown fields refused
with a message naming them and the known ones."""

import pytest

from grants.agreements.merge import MERGE_FIELDS, check_fields, merge, merge_field_help, unknown_fields

FIGURES = {
    "funder": "Office of the Police and Crime Commissioner",
    "provider": {"name": "Harbour Support Services", "address": "1 Quay Street\nSunderland", "postcode": "SR1 1AA"},
    "reference": "AWD-2019-0042",
    "title": "ISVAs",
    "kind_label": "Grant",
    "purpose": "Two ISVAs.",
    "total": "62500.00",
    "start_date": "2019-04-01",
    "end_date": "2021-03-31",
    "extension_until": "",
    "decision": "PCC-2019-007",
    "lead_officer": "Alex Lead",
    "signatories": ["Kim Chair", "Sam Signer", "Pat Treasurer"],
    "agreement": {"number": 2, "issued_on": "2019-05-07"},
    "variation": {
        "reference": "AWD-2019-0042-V1",
        "kind_label": "Time extension (no cost)",
        "reason": "Staff vacancy.",
        "new_end_date": "2021-09-30",
    },
}

EXPECTED = {
    "funder": "Office of the Police and Crime Commissioner",
    "provider": "Harbour Support Services",
    "provider_address": "1 Quay Street, Sunderland, SR1 1AA",
    "award_reference": "AWD-2019-0042",
    "award_title": "ISVAs",
    "award_kind": "grant",
    "purpose": "Two ISVAs.",
    "total_value": "£62,500.00",
    "start_date": "1 April 2019",
    "end_date": "31 March 2021",
    "extension_until": "",
    "decision": "PCC-2019-007",
    "approval": "PCC decision PCC-2019-007",
    "lead_officer": "Alex Lead",
    "signatories": "Kim Chair, Sam Signer and Pat Treasurer",
    "version": "2",
    "issue_date": "7 May 2019",
    "variation_reference": "AWD-2019-0042-V1",
    "variation_kind": "Time extension (no cost)",
    "variation_reason": "Staff vacancy.",
    "new_end_date": "30 September 2021",
}


def test_every_field_is_described_and_tested():
    assert set(EXPECTED) == set(MERGE_FIELDS)
    assert all(description for _name, description in merge_field_help())
    assert ("{{ provider }}", "The provider's name.") in merge_field_help()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_field_is_filled(name):
    assert merge(f"<{{{{ {name} }}}}>", FIGURES) == f"<{EXPECTED[name]}>"


def test_spacing_inside_braces_does_not_matter():
    assert merge("{{provider}} / {{  provider  }}", FIGURES) == "Harbour Support Services / Harbour Support Services"


def test_template_tags_are_not_run_and_values_are_plain_text():
    figures = {**FIGURES, "provider": {**FIGURES["provider"], "name": "{% now 'Y' %} <b>Ltd</b>"}}
    text = "{% load static %}{{ provider }}{# note #}"
    assert merge(text, figures) == "{% load static %}{% now 'Y' %} <b>Ltd</b>{# note #}"


def test_letters_fields_are_blank_without_a_variation():
    figures = {**FIGURES, "variation": None}
    assert merge("[{{ variation_reference }}][{{ new_end_date }}]", figures) == "[][]"


def test_one_signatory_is_named_alone():
    assert merge("{{ signatories }}", {**FIGURES, "signatories": ["Sam Signer"]}) == "Sam Signer"


def test_unknown_fields_are_found_once_each_in_order():
    text = "{{ provider }} {{ grantee }} {{ amount|upper }} {{ grantee }}"
    assert unknown_fields(text) == ["grantee", "amount|upper"]


def test_check_names_the_unknown_field_and_lists_the_known_ones():
    errors = {}
    check_fields("Dear {{ grantee }},", errors, field="terms")
    (message,) = errors["terms"]
    assert message.startswith("{{ grantee }} is not a merge field. The merge fields are: funder, provider, ")
    assert "total_value" in message and "new_end_date" in message


def test_check_passes_known_fields_and_plain_text():
    errors = {}
    check_fields("Dear {{ provider }}, £{{ total_value }} is {a set}.", errors, field="terms")
    assert errors == {}


def test_approval_names_the_decision_or_the_officers_delegated_authority():
    from grants.agreements.merge import merge

    base = {"decision": "PCC-2019-033"}
    assert merge("Made under {{ approval }}.", base) == "Made under PCC decision PCC-2019-033."
    assert (
        merge("Made under {{ approval }}.", {"decision": ""})
        == "Made under the delegated authority of the OPCC's officers."
    )
