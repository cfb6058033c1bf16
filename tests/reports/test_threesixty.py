"""The 360Giving export (docs/formats.md "360Giving JSON"): the demo validates with zero errors against the
official schema (format checking on); each field as specified; which awards are grants; an
award that cannot be exported validly is reported by reference with the reason, on the page and
by the command, never silently dropped; permissions; flat query counts."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from grants.models import AwardKind, AwardStatus, DecisionStatus
from needs_assessment.models import AreaType
from reports.transparency import threesixty
from tests.factories import (
    AreaFactory,
    AwardFactory,
    CommissioningPriorityFactory,
    DecisionFactory,
    FundingLineFactory,
    OrganisationFactory,
    PaymentFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "360giving"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "standards" / "360giving"


def official_validator() -> Draft202012Validator:
    """The official package schema, as the standards README says: the grant schema registered
    under both its 1.4.3 id and the 1.4.2 address the package refers to, format checking on."""
    package = json.loads((FIXTURES / "360-giving-package-schema.json").read_text())
    grant = json.loads((FIXTURES / "360-giving-schema.json").read_text())
    resource = DRAFT202012.create_resource(grant)
    registry = Registry().with_resources(
        [
            (grant["$id"], resource),
            (
                "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
                resource,
            ),
        ]
    )
    return Draft202012Validator(package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(package: dict) -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in official_validator().iter_errors(package)]


def test_the_fixture_is_the_official_schema_with_its_licence_note():
    assert (FIXTURES / "README.md").read_text().count("CC BY 4.0") >= 1
    assert FIXTURES.resolve() == threesixty.SCHEMA_DIR  # one copy, used by the app and the tests
    if SHARED.is_dir():  # the reference copy of the standard, where it is available
        for name in ("360-giving-package-schema.json", "360-giving-schema.json"):
            assert (
                hashlib.sha256((FIXTURES / name).read_bytes()).digest()
                == hashlib.sha256((SHARED / name).read_bytes()).digest()
            )


def test_format_checking_is_on():
    """Without format checking a plain date matches both branches of awardDate's oneOf and fails."""
    grant = {
        "id": "360G-x-1",
        "title": "t",
        "description": "d",
        "currency": "GBP",
        "amountAwarded": 1,
        "awardDate": "2019-04-01",
        "recipientOrganization": [{"id": "GB-CHC-1", "name": "r"}],
        "fundingOrganization": [{"id": "GB-x", "name": "f"}],
    }
    assert errors_of({"grants": [grant]}) == []
    assert threesixty.grant_problems(grant) == []
    assert errors_of({"grants": [{**grant, "awardDate": "2019-13-01"}]})


def test_the_demo_export_validates_with_zero_errors(tmp_path):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    for fy in (None, 2019):
        export = threesixty.threesixty_giving(fy=fy)
        assert export.problems == []
        assert len(export.grants) > 10
        assert errors_of(export.package) == []
    output = tmp_path / "demo.json"
    out = io.StringIO()
    call_command("export_360giving", output=str(output), stdout=out, stderr=io.StringIO())
    package = json.loads(output.read_text())
    assert errors_of(package) == []
    assert f"Wrote {len(package['grants'])} grant(s)" in out.getvalue()
    assert all(grant["beneficiaryLocation"][0]["geoCode"] == "E23000008" for grant in package["grants"])
    assert all(grant["grantProgramme"][0]["code"] and grant["amountAwarded"] > 0 for grant in package["grants"])


def _grant_award(**extra):
    defaults = {"reference": "AWD-2019-0042", "status": AwardStatus.ACTIVE, "title": "Victims' hub"}
    award = AwardFactory(**{**defaults, **extra})
    return award


def test_each_field_as_specified(settings):
    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.OPCC_ORG_ID = "GB-GOR-PC999"
    settings.OPCC_NAME = "Office of the Test PCC"
    AreaFactory(code="E23000008", name="Durham", type=AreaType.FORCE_AREA)
    decision = DecisionFactory(
        status=DecisionStatus.PUBLISHED, decided_on=datetime.date(2019, 3, 2), published_on=datetime.date(2019, 3, 9)
    )
    provider = OrganisationFactory(
        name="Harbour", charity_number="1122334", company_number="01234567", org_id="GB-CHC-1122334"
    )
    priority = CommissioningPriorityFactory(code="V", name="Victims services")
    award = _grant_award(
        provider=provider,
        priority=priority,
        decision=decision,
        purpose="Support for victims",
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2021, 3, 31),
    )
    FundingLineFactory(award=award, fy=2019, amount=D("20000.00"))
    FundingLineFactory(award=award, fy=2020, amount=D("5000.50"))
    PaymentFactory(award=award, amount=D("6000.00"), paid_date=datetime.date(2019, 5, 1))
    PaymentFactory(award=award, amount=D("4000.00"))  # scheduled: not disbursed
    export = threesixty.threesixty_giving(fy=2020)
    assert export.problems == []
    (grant,) = export.grants
    modified = grant.pop("dateModified")
    assert datetime.datetime.fromisoformat(modified).tzinfo is not None
    assert grant == {
        "id": "360G-pcctest-AWD-2019-0042",
        "title": "Victims' hub",
        "description": "Support for victims",
        "currency": "GBP",
        "amountAwarded": 25000.5,
        "amountDisbursed": 6000,
        "awardDate": "2019-03-02",
        "plannedDates": [{"startDate": "2019-04-01", "endDate": "2021-03-31", "duration": 24}],
        "recipientOrganization": [
            {"id": "GB-CHC-1122334", "name": "Harbour", "charityNumber": "1122334", "companyNumber": "01234567"}
        ],
        "fundingOrganization": [{"id": "GB-GOR-PC999", "name": "Office of the Test PCC"}],
        "grantProgramme": [{"code": "V", "title": "Victims services"}],
        "beneficiaryLocation": [{"geoCode": "E23000008", "geoCodeType": "PFA", "name": "Durham", "countryCode": "GB"}],
    }
    assert export.package["publisher"] == {"name": "Office of the Test PCC", "identifier": "GB-GOR-PC999"}
    assert errors_of(export.package) == []


def test_fallbacks_award_date_description_recipient_id_and_location(settings):
    settings.THREESIXTY_GIVING_PREFIX = "pcctest"
    settings.FORCE_AREA_CODE = "E23000013"
    settings.FORCE_AREA_NAME = "Cleveland"
    AreaFactory(code="E23000008", name="Durham", type=AreaType.FORCE_AREA)  # the setting wins
    provider = OrganisationFactory(name="Small group")
    award = _grant_award(
        provider=provider,
        purpose="",
        start_date=datetime.date(2019, 7, 15),
        end_date=datetime.date(2019, 9, 30),
        kind=AwardKind.CONTRIBUTION,
    )
    FundingLineFactory(award=award, fy=2019, amount=D("750.00"))
    (grant,) = threesixty.threesixty_giving().grants
    assert grant["awardDate"] == "2019-07-15"  # no decision: the start date
    assert grant["description"] == "Victims' hub"  # no purpose: the title
    assert grant["recipientOrganization"] == [{"id": f"360G-pcctest-org-{provider.pk}", "name": "Small group"}]
    assert grant["beneficiaryLocation"][0]["geoCode"] == "E23000013"
    assert grant["beneficiaryLocation"][0]["name"] == "Cleveland"
    assert grant["plannedDates"][0]["duration"] == 2.5  # 15 July to 30 September: 2 months and 16 days
    assert grant["amountDisbursed"] == 0


def test_planned_end_includes_the_extension_only_once_it_is_taken():
    # Both run 1 April 2019 to 31 March 2020 with an option to extend to 31 March 2021.
    option = _grant_award(
        reference="AWD-OPTION",
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
        extension_months=12,
        extension_until=datetime.date(2021, 3, 31),
        extension_taken=False,
    )
    taken = _grant_award(
        reference="AWD-TAKEN",
        start_date=datetime.date(2019, 4, 1),
        end_date=datetime.date(2020, 3, 31),
        extension_months=12,
        extension_until=datetime.date(2021, 3, 31),
        extension_taken=True,
    )
    for award in (option, taken):
        FundingLineFactory(award=award, fy=2019, amount=D("1000.00"))
    grants = {
        grant["id"].rsplit("-", 1)[-1]: grant["plannedDates"][0] for grant in threesixty.threesixty_giving().grants
    }
    assert grants["OPTION"] == {"startDate": "2019-04-01", "endDate": "2020-03-31", "duration": 12}
    assert grants["TAKEN"] == {"startDate": "2019-04-01", "endDate": "2021-03-31", "duration": 24}


def test_no_force_area_means_no_location_and_says_why():
    award = _grant_award()
    FundingLineFactory(award=award, amount=D("100.00"))
    export = threesixty.threesixty_giving()
    assert "beneficiaryLocation" not in export.grants[0]
    assert "no force area is recorded" in export.publisher.location_note


def test_only_grants_and_contributions_made_are_exported():
    for reference, kind, status in (
        ("G-active", AwardKind.GRANT, AwardStatus.ACTIVE),
        ("G-awarded", AwardKind.GRANT, AwardStatus.AWARDED),
        ("G-ended", AwardKind.GRANT, AwardStatus.ENDED),
        ("K-active", AwardKind.CONTRIBUTION, AwardStatus.ACTIVE),
        ("G-planned", AwardKind.GRANT, AwardStatus.PLANNED),
        ("G-procuring", AwardKind.GRANT, AwardStatus.PROCURING),
        ("G-cancelled", AwardKind.GRANT, AwardStatus.CANCELLED),
        ("C-active", AwardKind.CONTRACT, AwardStatus.ACTIVE),
        ("S-active", AwardKind.SLA, AwardStatus.ACTIVE),
    ):
        award = AwardFactory(reference=reference, kind=kind, status=status)
        FundingLineFactory(award=award, fy=2019 if reference != "G-ended" else 2018, amount=D("1000.00"))
    ids = [grant["id"].removeprefix("360G-pccdurham-") for grant in threesixty.threesixty_giving().grants]
    assert ids == ["G-active", "G-awarded", "G-ended", "K-active"]
    assert len(threesixty.threesixty_giving(fy=2019).grants) == 3  # G-ended has no line in 2019


def _invalid_setup():
    good = _grant_award(reference="AWD-OK")
    FundingLineFactory(award=good, amount=D("1000.00"))
    _grant_award(reference="AWD-NO-MONEY")  # no funding lines: £0
    zero = _grant_award(reference="AWD-ZERO")
    FundingLineFactory(award=zero, amount=D("0.00"))


def test_an_award_that_cannot_be_exported_is_reported_by_reference():
    _invalid_setup()
    export = threesixty.threesixty_giving()
    assert [grant["id"].endswith("AWD-OK") for grant in export.grants] == [True]
    assert [problem.reference for problem in export.problems] == ["AWD-NO-MONEY", "AWD-ZERO"]
    assert "amountAwarded is £0" in str(export.problems[0])


def test_schema_errors_are_reported_with_where_and_why():
    grant = {
        "id": "360G-x-1",
        "title": "t",
        "description": "d",
        "currency": "GBP",
        "amountAwarded": 1,
        "awardDate": "1 April 2019",
        "recipientOrganization": [],
        "fundingOrganization": [{"id": "x", "name": "f"}],
    }
    problems = threesixty.grant_problems(grant)
    assert any(problem.startswith("awardDate:") for problem in problems)
    assert any(problem.startswith("recipientOrganization:") for problem in problems)


def test_blank_settings_are_reported(settings):
    settings.OPCC_ORG_ID = ""
    award = _grant_award()
    FundingLineFactory(award=award, amount=D("100.00"))
    export = threesixty.threesixty_giving()
    assert export.grants == []
    assert "OPCC_ORG_ID" in str(export.problems[0])


def test_command_refuses_and_writes_nothing_when_an_award_is_invalid(tmp_path):
    _invalid_setup()
    output = tmp_path / "grants.json"
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 award\\(s\\) cannot be exported"):
        call_command("export_360giving", output=str(output), stdout=io.StringIO(), stderr=err)
    assert not output.exists()
    assert "Cannot export AWD-NO-MONEY: amountAwarded is £0" in err.getvalue()
    assert "Cannot export AWD-ZERO" in err.getvalue()


def test_command_with_skip_invalid_writes_the_valid_grants_and_still_reports(tmp_path):
    _invalid_setup()
    output = tmp_path / "grants.json"
    out, err = io.StringIO(), io.StringIO()
    call_command("export_360giving", output=str(output), skip_invalid=True, stdout=out, stderr=err)
    package = json.loads(output.read_text())
    assert [grant["id"] for grant in package["grants"]] == ["360G-pccdurham-AWD-OK"]
    assert errors_of(package) == []
    assert "AWD-NO-MONEY" in err.getvalue() and "2 award(s) left out" in out.getvalue()


def test_command_input_errors(tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("export_360giving", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a financial year"):
        call_command("export_360giving", fy="20x9", output=str(tmp_path / "x.json"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no grants"):
        call_command("export_360giving", fy="2019", output=str(tmp_path / "x.json"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_360giving", output=str(tmp_path / "missing" / "x.json"), stdout=io.StringIO())


# The page ------------------------------------------------------------------------------------------


def test_page_reports_invalid_awards_and_offers_the_download(board_client):
    _invalid_setup()
    page = board_client.get(reverse("reports:threesixty") + "?fy=all").content.decode()  # "All years"
    assert "Awards that cannot be published" in page
    assert "AWD-NO-MONEY" in page and "amountAwarded is £0" in page
    assert reverse("reports:threesixty_download") + "?fy=all" in page
    response = board_client.get(reverse("reports:threesixty_download") + "?fy=all")
    assert response["Content-Disposition"] == 'attachment; filename="360giving.json"'
    package = json.loads(response.content)
    assert errors_of(package) == [] and len(package["grants"]) == 1


def test_the_page_opens_on_the_year_rules_year_and_all_years_is_a_choice(board_client):
    """No funding line in the current year: the latest earlier year with one, 2019/20."""
    old = _grant_award(reference="AWD-OLD")
    FundingLineFactory(award=old, fy=2018, amount=D("1000.00"))
    new = _grant_award(reference="AWD-NEW")
    FundingLineFactory(award=new, fy=2019, amount=D("2000.00"))
    page = board_client.get(reverse("reports:threesixty")).content.decode()
    assert "Grants as 360Giving open data, 2019/20" in page
    assert f"{reverse('reports:threesixty_download')}?fy=2019" in page
    assert "Showing 2019/20, the latest year with funding lines." in page
    every_year = board_client.get(reverse("reports:threesixty") + "?fy=all").content.decode()
    assert "Grants as 360Giving open data</h1>" in every_year
    assert '<option value="all" selected>All years</option>' in every_year


def test_download_with_nothing_to_publish_goes_back_with_a_message(officer_client):
    response = officer_client.get(reverse("reports:threesixty_download") + "?fy=2019", follow=True)
    assert response.status_code == 200
    assert "There is no grant to publish" in response.content.decode()


@pytest.mark.parametrize(
    "client_name, expected",
    [
        ("officer_client", 200),
        ("finance_client", 200),
        ("board_client", 200),
        ("provider_client", 403),
    ],
)
def test_who_may_see_the_page(request, client_name, expected):
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("reports:threesixty")).status_code == expected


def test_query_counts_stay_flat(board_client):
    def build(start, count):
        for n in range(start, start + count):
            award = _grant_award(
                reference=f"AWD-{n:04d}", decision=DecisionFactory(decided_on=datetime.date(2019, 3, 1))
            )
            FundingLineFactory(award=award, amount=D("1000.00"))
            PaymentFactory(award=award, amount=D("100.00"), paid_date=datetime.date(2019, 6, 1))

    def counts():
        result = []
        for url in (reverse("reports:threesixty"), reverse("reports:threesixty_download")):
            with CaptureQueriesContext(connection) as captured:
                assert board_client.get(url).status_code == 200
            result.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            threesixty.threesixty_giving_json(fy=2019)
        result.append(len(captured))
        return result

    build(0, 3)
    small = counts()
    build(3, 30)
    assert counts() == small
    assert small[2] <= 2


def test_package_errors_check_the_envelope_and_unique_ids():
    award = _grant_award()
    FundingLineFactory(award=award, amount=D("100.00"))
    export = threesixty.threesixty_giving()
    assert export.package_errors() == []
    export.grants.append(dict(export.grants[0]))
    assert export.package_errors() == [f"grants: the id {export.grants[0]['id']} is used more than once"]
    export.grants.clear()
    assert any("grants" in error for error in export.package_errors())  # at least one grant


def test_planned_end_is_the_extended_end_only_when_the_extension_is_taken():
    from grants.models import Award

    original, extended = datetime.date(2020, 3, 31), datetime.date(2021, 3, 31)
    option = Award(end_date=original, extension_months=12, extension_until=extended, extension_taken=False)
    taken = Award(end_date=original, extension_months=12, extension_until=extended, extension_taken=True)
    taken_without_a_date = Award(end_date=original, extension_taken=True, extension_until=None)
    assert threesixty.planned_end(option) == datetime.date(2020, 3, 31)
    assert threesixty.planned_end(taken) == datetime.date(2021, 3, 31)
    assert threesixty.planned_end(taken_without_a_date) == datetime.date(2020, 3, 31)


def test_duration_counts_the_end_day_in_whole_months():
    assert threesixty.duration_months(datetime.date(2019, 4, 1), datetime.date(2019, 4, 30)) == 1
    assert type(threesixty.duration_months(datetime.date(2019, 4, 1), datetime.date(2020, 3, 31))) is int
    # 1 April to 15 April: 15 days, half a month.
    assert threesixty.duration_months(datetime.date(2019, 4, 1), datetime.date(2019, 4, 15)) == 0.5


def test_the_export_counts_every_award_it_considered_and_each_ones_own_payments():
    for reference, paid in (("AWD-C-1", "10.00"), ("AWD-C-2", "30.00")):
        award = _grant_award(reference=reference)
        FundingLineFactory(award=award, fy=2019, amount=D("100.00"))
        PaymentFactory(award=award, amount=D(paid), paid_date=datetime.date(2019, 5, 1))
    export = threesixty.threesixty_giving()
    assert export.considered == 2
    assert {g["id"].rsplit("-", 1)[-1]: g["amountDisbursed"] for g in export.grants} == {"1": 10, "2": 30}


def test_the_publisher_cannot_be_changed_once_read():
    import dataclasses

    who = threesixty.publisher()
    with pytest.raises(dataclasses.FrozenInstanceError):
        who.name = "Someone else"


def test_two_force_areas_and_no_setting_mean_no_location_and_say_why():
    AreaFactory(code="E23000001", name="Alpha", type=AreaType.FORCE_AREA)
    AreaFactory(code="E23000002", name="Beta", type=AreaType.FORCE_AREA)
    award = _grant_award()
    FundingLineFactory(award=award, amount=D("100.00"))
    export = threesixty.threesixty_giving()
    assert "beneficiaryLocation" not in export.grants[0]
    assert (
        export.publisher.location_note
        == "no beneficiary location: several force areas are recorded, so set FORCE_AREA_CODE"
    )


def test_only_the_repeated_id_is_reported_as_used_more_than_once():
    for reference in ("AWD-1", "AWD-2", "AWD-3"):
        FundingLineFactory(award=_grant_award(reference=reference), amount=D("100.00"))
    export = threesixty.threesixty_giving()
    ids = [grant["id"] for grant in export.grants]
    assert len(set(ids)) == 3
    export.grants.append(dict(export.grants[1]))
    assert export.package_errors() == [f"grants: the id {ids[1]} is used more than once"]


def test_the_file_keeps_characters_as_they_are_and_is_indented_by_two_spaces():
    # Published for people as well as programs: "’" and "£" stay themselves (not \u escapes),
    # and the nesting is readable and stable from one publication to the next.
    FundingLineFactory(award=_grant_award(title="Victims’ hub for £-free advice"), amount=D("100.00"))
    text = threesixty.threesixty_giving().to_json()
    assert "Victims’ hub for £-free advice" in text
    assert "\\u2019" not in text
    lines = text.splitlines()
    assert lines[0] == "{"
    assert lines[1].startswith('  "') and not lines[1].startswith('   "')


# Checking many grants quickly -----------------------------------------------------------------------

_GOOD = {
    "id": "360G-x-1",
    "title": "t",
    "description": "d",
    "currency": "GBP",
    "amountAwarded": 1,
    "awardDate": "2019-04-01",
    "plannedDates": [{"startDate": "2019-04-01", "endDate": "2020-03-31", "duration": 12}],
    "recipientOrganization": [{"id": "GB-CHC-1", "name": "r", "charityNumber": "1"}],
    "fundingOrganization": [{"id": "GB-x", "name": "f"}],
    "beneficiaryLocation": [{"geoCode": "E23000008", "geoCodeType": "PFA", "name": "D", "countryCode": "GB"}],
    "dateModified": "2019-04-01T10:00:00+01:00",
}


@pytest.mark.parametrize(
    "record",
    [
        _GOOD,
        {**_GOOD, "awardDate": "1 April 2019", "dateModified": "yesterday"},
        {**_GOOD, "recipientOrganization": [], "fundingOrganization": [{"name": "no id"}]},
        {key: value for key, value in _GOOD.items() if key not in ("title", "currency")},
        {**_GOOD, "amountAwarded": "1000", "title": 5, "currency": "EUR"},
        {**_GOOD, "amountAwarded": True, "plannedDates": [{"startDate": "2019-02-30", "duration": "a year"}]},
        {**_GOOD, "beneficiaryLocation": [{"geoCodeType": "nowhere", "countryCode": 44}], "unknown": 1},
        ["not", "a", "grant"],
    ],
    ids=["valid", "dates", "organisations", "missing", "types", "booleans", "location", "not-an-object"],
)
def test_the_quick_check_finds_exactly_what_the_whole_schema_finds(record):
    whole = sorted(threesixty._schema_error_text(error) for error in threesixty.grant_validator().iter_errors(record))
    checker = threesixty.GrantChecker()
    assert checker.errors(record) == whole
    assert checker.errors(record) == whole  # and again, from what it remembered
    # A value remembered from another grant gives that grant's errors no more and no less.
    assert checker.errors(_GOOD) == []


def test_the_quick_check_applies_to_the_schema_as_shipped():
    """Its shortcuts hold for the vendored schema; a schema that broke them is checked whole."""
    checker = threesixty.GrantChecker()
    assert checker._split
    assert {"id", "title", "description", "amountAwarded"} <= checker._type_only
    assert "awardDate" not in checker._type_only and "dateModified" not in checker._type_only


def test_the_page_lists_the_grants_in_the_file_25_to_a_page(board_client):
    for number in range(27):
        award = _grant_award(reference=f"AWD-{number:03d}", title=f"Grant {number}")
        FundingLineFactory(award=award, amount=D("1000.50") + number)
    _grant_award(reference="AWD-ZZZ-EMPTY")  # no lines: left out, listed as a problem
    url = reverse("reports:threesixty") + "?fy=all"  # all years
    first = board_client.get(url).content.decode()
    assert "page 1 of 2" in first
    assert "AWD-000" in first and "AWD-024" in first and "AWD-025" not in first
    second = board_client.get(url + "&page=2").content.decode()
    award = threesixty.award_queryset().get(reference="AWD-026")
    assert f'href="{reverse("grants:award_detail", kwargs={"pk": award.pk})}">AWD-026</a>' in second
    assert "£1,026.50" in second and "AWD-024" not in second
    empty = threesixty.award_queryset().get(reference="AWD-ZZZ-EMPTY")
    assert f'href="{reverse("grants:award_detail", kwargs={"pk": empty.pk})}">AWD-ZZZ-EMPTY</a>' in second


def test_awards_left_out_are_paged_on_their_own(board_client, settings):
    """With the org-id setting blank every award is left out: 26 of them, 25 then 1."""
    settings.OPCC_ORG_ID = ""
    for number in range(26):
        FundingLineFactory(award=_grant_award(reference=f"AWD-{number:03d}"), amount=D("100.00"))
    url = reverse("reports:threesixty") + "?fy=all"
    first = board_client.get(url).content.decode()
    assert "Showing awards left out 1 to 25 of 26" in first and "AWD-025" not in first
    assert "left_out_page=2#problems" in first
    second = board_client.get(url + "&left_out_page=2").content.decode()
    assert "AWD-025" in second and "AWD-024" not in second and "Showing awards left out 26 to 26 of 26" in second
