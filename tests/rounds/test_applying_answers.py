"""The answers' rules: eligibility verdicts, word counts and what stops a submission (worked out
by hand from the round's requirements)."""

from decimal import Decimal

import pytest

from rounds.applying.answers import budget_warning, eligibility_verdict, submission_problems, word_count
from rounds.models import ApplicationStatus, BudgetLine, EligibilityKind, QuestionKind
from tests.factories import (
    ApplicationFactory,
    ApplicationQuestionFactory,
    EligibilityQuestionFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def round():
    round = RoundFactory()
    EligibilityQuestionFactory(
        round=round, key="constituted", question="Is your organisation constituted?", required_answer=True, position=1
    )
    EligibilityQuestionFactory(
        round=round,
        key="income",
        question="What was your income last year?",
        kind=EligibilityKind.NUMBER,
        required_answer=None,
        min_value=Decimal("10000"),
        max_value=Decimal("500000"),
        position=2,
    )
    return round


def test_every_requirement_met_is_eligible(round):
    assert eligibility_verdict(round, {"constituted": True, "income": "10000"}) == (True, [])
    assert eligibility_verdict(round, {"constituted": "yes", "income": "500000"}) == (True, [])


def test_a_wrong_yes_no_answer_is_ineligible_with_the_reason(round):
    eligible, reasons = eligibility_verdict(round, {"constituted": False, "income": "20000"})
    assert eligible is False
    assert reasons == [
        "Is your organisation constituted? You answered no: only organisations that answer yes can apply."
    ]


def test_numbers_outside_the_limits_fail_and_the_limits_themselves_pass(round):
    assert eligibility_verdict(round, {"constituted": True, "income": "9999.99"}) == (
        False,
        ["What was your income last year? You answered 9,999.99: it must be at least 10,000."],
    )
    assert eligibility_verdict(round, {"constituted": True, "income": "500001"}) == (
        False,
        ["What was your income last year? You answered 500,001: it must be at most 500,000."],
    )


def test_every_failure_is_listed(round):
    eligible, reasons = eligibility_verdict(round, {"constituted": False, "income": "1"})
    assert eligible is False
    assert len(reasons) == 2


def test_an_unanswered_question_gives_no_verdict_yet(round):
    assert eligibility_verdict(round, {"constituted": True}) == (None, [])
    # A failure is a failure even before the rest is answered.
    assert eligibility_verdict(round, {"constituted": False})[0] is False


def test_words_are_counted_between_spaces_and_line_breaks():
    assert word_count("") == 0
    assert word_count("  one two\nthree\t four  ") == 4


def test_submission_problems_name_each_field(round):
    question = ApplicationQuestionFactory(round=round, key="need", text="What is the need?", word_limit=3)
    ApplicationQuestionFactory(round=round, key="plan", kind=QuestionKind.BUDGET, word_limit=None, text="Budget")
    application = ApplicationFactory(
        round=round,
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
        title="",
        amount_requested=Decimal("999.99"),
        eligibility_answers={"constituted": True, "income": "20000"},
        answers={"need": "one two three four"},
    )
    problems = submission_problems(application)
    assert problems == {
        "title": ["Enter the project's title."],
        "amount_requested": ["The amount you ask for must be between £1,000.00 and £25,000.00."],
        "q:need": ["Your answer to “What is the need?” has 4 words: the limit is 3."],
        "q:plan": ["Answer the question “Budget”."],
    }
    assert question.key == "need"


def test_a_complete_eligible_application_has_no_problems(round):
    ApplicationQuestionFactory(round=round, key="need", word_limit=3)
    application = ApplicationFactory(
        round=round,
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
        amount_requested=Decimal("1000.00"),
        eligibility_answers={"constituted": True, "income": "20000"},
        answers={"need": "one two three"},
    )
    assert submission_problems(application) == {}


def test_ineligible_answers_stop_a_submission(round):
    application = ApplicationFactory(
        round=round,
        status=ApplicationStatus.DRAFT,
        submitted_at=None,
        eligibility_answers={"constituted": False, "income": "20000"},
    )
    assert submission_problems(application)["eligibility"] == [
        "Your organisation is not eligible: Is your organisation constituted? You answered no: "
        "only organisations that answer yes can apply."
    ]


def test_the_budget_warns_when_its_total_differs_from_the_amount(round):
    application = ApplicationFactory(round=round, amount_requested=Decimal("10000.00"))
    lines = [
        BudgetLine(application=application, question_key="b", item="Staff", amount=Decimal("6000.00")),
        BudgetLine(application=application, question_key="b", item="Rent", amount=Decimal("3000.50")),
    ]
    assert budget_warning(application, lines) == (
        "Your budget adds up to £9,000.50 but you are asking for £10,000.00. "
        "Check both, or explain the difference in the budget's notes."
    )
    lines[1].amount = Decimal("4000.00")
    assert budget_warning(application, lines) is None


def test_numbers_and_dates_that_could_be_misread_are_not_answers():
    from rounds.applying.answers import number, parse_date_answer

    assert number("250,000") == Decimal("250000")
    assert number("£1,000.50") == Decimal("1000.50")
    assert [number(text) for text in ("1,50", "1e5", "NaN", "Infinity", "")] == [None] * 5
    assert str(parse_date_answer("2026-09-01")) == "2026-09-01"
    assert [parse_date_answer(text) for text in ("2026-02-30", "0001-01-01", "1/9/2026")] == [None] * 3
