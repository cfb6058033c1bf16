"""The rules an application's answers keep: the eligibility verdict, word counts, and what stops
an application being submitted. Pure reads of the application and its round (no writes), so
the journey's pages, the submit and resubmit moves and the import all apply the same rules.

Answers are kept by question key: a yes/no eligibility answer as ``true``/``false``, a number
as its text (``"250000"``), a text answer as its text, a date as ``YYYY-MM-DD``."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import date_problem

from ..models import ApplicationQuestion, EligibilityKind, EligibilityQuestion, QuestionKind

Problems = dict[str, list[str]]
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)


def word_count(text: str | None) -> int:
    """Words as a person counts them: runs of characters between spaces or line breaks."""
    return len((text or "").split())


def yes_no(value) -> bool | None:
    """A stored or typed yes/no answer as True/False (None: not answered, or not yes/no)."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return {"yes": True, "no": False, "true": True, "false": False}.get(text)


def number(value) -> Decimal | None:
    """A stored or typed number (commas between thousands allowed); None if not a number."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().removeprefix("£")
    # Digits, commas only between groups of three, a point before decimals: "1,50", "1e5" and
    # "NaN" are refused rather than guessed at (as amounts of money are, pcc_commissioning.money).
    if len(text) > 30 or not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def number_text(value: Decimal) -> str:
    """250000 -> "250,000"; 2.5 -> "2.5"."""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def _yes_no_text(value: bool) -> str:
    return "yes" if value else "no"


def requirement_failed(question: EligibilityQuestion, answer) -> str | None:
    """Why ``answer`` does not meet ``question``'s requirement, in words (None: it does)."""
    if question.kind == EligibilityKind.YES_NO:
        given = yes_no(answer)
        if given is not None and given != question.required_answer:
            return (
                f"{question.question} You answered {_yes_no_text(given)}: "
                f"only organisations that answer {_yes_no_text(question.required_answer)} can apply."
            )
        return None
    given = number(answer)
    if given is None:
        return None
    if question.min_value is not None and given < question.min_value:
        return f"{question.question} You answered {number_text(given)}: it must be at least {number_text(question.min_value)}."
    if question.max_value is not None and given > question.max_value:
        return f"{question.question} You answered {number_text(given)}: it must be at most {number_text(question.max_value)}."
    return None


def is_answered(question: EligibilityQuestion, answer) -> bool:
    if question.kind == EligibilityKind.YES_NO:
        return yes_no(answer) is not None
    return number(answer) is not None


def eligibility_verdict(round, answers: Mapping[str, object]) -> tuple[bool | None, list[str]]:
    """(eligible, reasons): False with each failed requirement in words; None when nothing
    failed but a question is unanswered; True when every question is answered and met. A
    yes/no answer must equal the required answer; a number must be at least ``min_value`` and
    at most ``max_value`` (both limits included)."""
    questions = _questions(round)
    reasons = []
    complete = True
    for question in questions:
        answer = answers.get(question.key)
        if not is_answered(question, answer):
            complete = False
            continue
        reason = requirement_failed(question, answer)
        if reason:
            reasons.append(reason)
    if reasons:
        return False, reasons
    return (True if complete else None), []


def _questions(round) -> list[EligibilityQuestion]:
    cached = getattr(round, "_prefetched_objects_cache", {}).get("eligibility_questions")
    return list(cached) if cached is not None else list(round.eligibility_questions.all())


def _add(problems: Problems, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def question_field(question: ApplicationQuestion) -> str:
    """The key a question's problems are kept under (as the import's column is named)."""
    return f"q:{question.key}"


def _answer_problems(application, questions: Iterable[ApplicationQuestion], problems: Problems) -> None:
    budget_keys = {line.question_key for line in application.budget_lines.all()}
    file_keys = {file.question_key for file in application.files.all()}
    for question in questions:
        field = question_field(question)
        value = application.answers.get(question.key)
        if question.kind == QuestionKind.BUDGET:
            given = question.key in budget_keys
        elif question.kind == QuestionKind.FILE:
            given = question.key in file_keys
        else:
            given = value not in (None, "")
        if not given:
            if question.required:
                _add(problems, field, f"Answer the question “{question.text}”.")
            continue
        if question.kind == QuestionKind.TEXT and question.word_limit:
            words = word_count(value)
            if words > question.word_limit:
                _add(
                    problems,
                    field,
                    f"Your answer to “{question.text}” has {words} words: the limit is {question.word_limit}.",
                )


def amount_problem(round, amount: Decimal | None) -> str | None:
    if amount is None:
        return "Enter the amount you are asking for."
    if amount < round.min_amount or amount > round.max_amount:
        return (
            f"The amount you ask for must be between {format_pence(round.min_amount)} and "
            f"{format_pence(round.max_amount)}."
        )
    return None


def submission_problems(application) -> Problems:
    """Why ``application`` cannot be submitted yet, by field (empty: it can): eligibility
    answers missing or failing a requirement, the title or amount missing, the amount outside
    the round's range, required answers missing and word limits exceeded."""
    round = application.round
    problems: Problems = {}
    eligible, reasons = eligibility_verdict(round, application.eligibility_answers or {})
    if eligible is False:
        for reason in reasons:
            _add(problems, "eligibility", f"Your organisation is not eligible: {reason}")
    elif eligible is None:
        _add(problems, "eligibility", "Answer every eligibility question.")
    if not (application.title or "").strip():
        _add(problems, "title", "Enter the project's title.")
    problem = amount_problem(round, application.amount_requested)
    if problem:
        _add(problems, "amount_requested", problem)
    _answer_problems(application, round.questions.all(), problems)
    return problems


def budget_total(lines) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00"))


def budget_warning(application, lines) -> str | None:
    """A warning (not a refusal) when a budget's total differs from the amount asked for."""
    if not lines or application.amount_requested is None:
        return None
    total = budget_total(lines)
    if total == application.amount_requested:
        return None
    return (
        f"Your budget adds up to {format_pence(total)} but you are asking for "
        f"{format_pence(application.amount_requested)}. Check both, or explain the difference in the budget's notes."
    )


def parse_date_answer(text: str) -> datetime.date | None:
    """A date written YYYY-MM-DD within the years the service accepts (None otherwise)."""
    cleaned = str(text).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned, re.ASCII):
        return None
    try:
        day = datetime.date.fromisoformat(cleaned)
    except ValueError:
        return None
    return None if date_problem(day) else day
