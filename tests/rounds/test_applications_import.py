"""The applications import: organisations matched by number, eligibility verdicts from the
answers, and every bad cell named with nothing written."""

import datetime
from decimal import Decimal

import pytest

from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from rounds.models import ApplicantOrganisation, Application, EligibilityKind, RoundStatus
from tests.factories import (
    ApplicantOrganisationFactory,
    ApplicationFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    OrganisationFactory,
    RoundFactory,
)
from tests.factories.rounds import UK

pytestmark = pytest.mark.django_db

HEADER = (
    "reference,organisation,charity_number,company_number,contact_email,title,amount_requested,submitted_at,"
    "elig:constituted,elig:income,q:need\n"
)


@pytest.fixture
def round():
    round = RoundFactory(reference="CSF-2026", status=RoundStatus.PUBLISHED)
    EligibilityQuestionFactory(round=round, key="constituted", question="Are you constituted?", required_answer=True)
    EligibilityQuestionFactory(
        round=round,
        key="income",
        question="Your income?",
        kind=EligibilityKind.NUMBER,
        required_answer=None,
        max_value=Decimal("100000"),
    )
    ApplicationQuestionFactory(round=round, key="need")
    return round


def _import(text: str, reference: str = "CSF-2026"):
    return run_import(
        "applications", (HEADER + text).encode(), filename="applications.csv", options={"round": reference}
    )


def _errors(text: str, reference: str = "CSF-2026") -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        _import(text, reference)
    assert not Application.objects.filter(source="import").exists()
    return [str(error) for error in caught.value.errors]


def test_rows_become_submitted_applications_with_their_organisations(round):
    known = ApplicantOrganisationFactory(charity_number="1098765")
    provider = OrganisationFactory(company_number="01234567", charity_number="")
    result = _import(
        "P-1,Riverside,1098765,,a@example.org,Youth club,5000,2026-04-10 09:30,yes,50000,Lots\n"
        ',Hillside Ltd,,01234567,,Patrols,"2,500.50",2026-04-11,yes,100000,\n'
        ",New Group,,,,Garden,1000,2026-04-12,yes,,\n"
    )
    assert result.created == 3
    first, second, third = Application.objects.order_by("submitted_at")
    assert (first.reference, first.organisation, first.status, first.source) == ("P-1", known, "submitted", "import")
    assert first.submitted_at == datetime.datetime(2026, 4, 10, 9, 30, tzinfo=UK)
    assert (first.eligibility_answers, first.answers, first.answers_eligible) == (
        {"constituted": True, "income": "50000"},
        {"need": "Lots"},
        True,
    )
    assert second.organisation.provider == provider and second.amount_requested == Decimal("2500.50")
    assert second.reference == "CSF-2026-0001" and third.reference == "CSF-2026-0002"
    assert third.organisation.name == "New Group" and third.answers_eligible is None


def test_failed_eligibility_answers_make_the_application_ineligible_with_the_reasons(round):
    _import("X-1,Riverside,,,,Youth club,5000,2026-04-10,no,100001,\n")
    application = Application.objects.get()
    assert (application.answers_eligible, application.eligibility) == (False, "ineligible")
    assert application.screening_reason == (
        "Eligibility answers: Are you constituted? You answered no: only organisations that answer yes can apply. "
        "Your income? You answered 100,001: it must be at most 100,000."
    )


def test_an_unknown_round_is_refused(round):
    assert _errors("X-1,Riverside,,,,Youth club,5000,2026-04-10,yes,1,\n", reference="NOPE") == [
        "Row 1: There is no round with the reference NOPE (given with --round)."
    ]


def test_columns_for_questions_the_round_does_not_have_are_refused(round):
    with pytest.raises(ImportFailed) as caught:
        run_import(
            "applications",
            (HEADER.strip() + ",q:unknown\nX-1,R,,,,T,5000,2026-04-10,yes,1,,z\n").encode(),
            filename="a.csv",
            options={"round": "CSF-2026"},
        )
    assert [str(error) for error in caught.value.errors] == [
        "Row 1, column q:unknown: Round CSF-2026 has no question with this key."
    ]


def test_bad_cells_are_each_named_and_nothing_is_written(round):
    ApplicationFactory(reference="TAKEN")
    errors = _errors(
        'TAKEN,Riverside,12,,,Youth club,"1,50",2026-02-30,maybe,lots,\n'
        "D-1,Riverside,,,,Youth club,999.99,2026-04-10,yes,1,\n"
        "D-1,Riverside,,,,Youth club,1000,2026-04-10,yes,1,\n"
    )
    assert errors[0].startswith("Row 2, column amount_requested: The amount '1,50' is ambiguous")
    columns = [error.split(":")[0] for error in errors]
    assert columns == [
        "Row 2, column amount_requested",
        "Row 2, column charity_number",
        "Row 2, column elig",
        "Row 2, column elig",
        "Row 2, column reference",
        "Row 2, column submitted_at",
        "Row 3, column amount_requested",
        "Row 4, column reference",
    ]
    assert "The amount asked for must be between £1,000.00 and £25,000.00." in errors[6]
    assert not ApplicantOrganisation.objects.filter(name="Riverside").exists()
