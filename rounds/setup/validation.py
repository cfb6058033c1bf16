"""The rules a round's definition must keep: on each edit (the round's money and dates, each
question and criterion), before it is published and when it is imported (the money and dates
in order, the weights adding up to exactly 100, at least one criterion and one question).

Each check returns ``{field: [messages]}`` (empty: nothing wrong), so a page can show every
problem at once and an import can name the field path."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pcc_commissioning.validation import Errors, add_error

from ..models import EligibilityKind, QuestionKind, Round

WEIGHTS_TOTAL = Decimal(100)
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
KEY_MESSAGE = "A key starts with a small letter and has only small letters, digits and underscores (e.g. need_met)."
DEFINITION_FIELDS = (
    "priority",
    "funding_stream",
    "fy",
    "budget",
    "overallocation_percent",
    "min_amount",
    "max_amount",
    "opens_at",
    "closes_at",
    "panel_date",
    "pass_mark",
)


def weights_problem(weights) -> str | None:
    """The refusal for a set of criterion weights that do not add up to exactly 100."""
    total = sum((Decimal(weight) for weight in weights), Decimal(0))
    if total != WEIGHTS_TOTAL:
        return f"The criteria's weights add up to {total.normalize():f}; they must add up to 100."
    return None


def key_problem(key: str) -> str | None:
    if not key:
        return "Enter a key."
    if len(key) > 40:
        return "A key is 40 characters or fewer."
    if not KEY_PATTERN.fullmatch(key):
        return KEY_MESSAGE
    return None


def _key(values: dict[str, Any], errors: Errors) -> None:
    problem = key_problem(values.get("key") or "")
    if problem:
        add_error(errors, "key", problem)


def round_problems(values: dict[str, Any]) -> Errors:
    """The round's own money, dates and pass mark (``values``: the round's fields)."""
    errors: Errors = {}
    low, high = values.get("min_amount"), values.get("max_amount")
    if low is not None and low < 0:
        add_error(errors, "min_amount", "The smallest request cannot be negative.")
    if low is not None and high is not None and low > high:
        add_error(errors, "max_amount", "The largest request must be at least the smallest request.")
    budget = values.get("budget")
    if budget is not None and budget < 0:
        add_error(errors, "budget", "The budget cannot be negative.")
    over = values.get("overallocation_percent")
    if over is not None and not Decimal(0) <= over <= Decimal(100):
        add_error(errors, "overallocation_percent", "The over-allocation is a percentage from 0 to 100.")
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        add_error(errors, "closes_at", "The round must close after it opens.")
    mark = values.get("pass_mark")
    if mark is not None and not Decimal(0) <= mark <= Decimal(100):
        add_error(errors, "pass_mark", "The pass mark is a score from 0 to 100.")
    start, end = values.get("award_start"), values.get("award_end")
    if start is not None and end is not None and end < start:
        add_error(errors, "award_end", "The grants cannot end before they start.")
    return errors


def eligibility_problems(values: dict[str, Any]) -> Errors:
    errors: Errors = {}
    _key(values, errors)
    if not values.get("question"):
        add_error(errors, "question", "Enter the question.")
    kind = values.get("kind")
    low, high = values.get("min_value"), values.get("max_value")
    if kind == EligibilityKind.YES_NO:
        if values.get("required_answer") is None:
            add_error(errors, "required_answer", "Say which answer (yes or no) an applicant needs to give.")
        if low is not None or high is not None:
            add_error(errors, "kind", "A yes or no question has no limits; choose Number for a limit.")
    elif kind == EligibilityKind.NUMBER:
        if low is None and high is None:
            add_error(errors, "min_value", "A number question needs a smallest or a largest answer allowed.")
        elif low is not None and high is not None and low > high:
            add_error(errors, "max_value", "The largest answer allowed must be at least the smallest.")
    else:
        add_error(errors, "kind", "Choose yes or no, or number.")
    return errors


def question_problems(values: dict[str, Any]) -> Errors:
    errors: Errors = {}
    _key(values, errors)
    if not values.get("text"):
        add_error(errors, "text", "Enter the question.")
    kind = values.get("kind")
    if kind not in QuestionKind.values:
        add_error(errors, "kind", f"Choose the kind of answer ({', '.join(QuestionKind.values)}).")
        return errors  # what else fits depends on the kind
    limit = values.get("word_limit")
    if limit is not None and kind != QuestionKind.TEXT:
        add_error(errors, "word_limit", "Only text questions have a word limit.")
    elif limit is not None and limit < 1:
        add_error(errors, "word_limit", "A word limit is at least 1.")
    options = [line.strip() for line in (values.get("choices") or "").splitlines() if line.strip()]
    if kind == QuestionKind.CHOICE and len(options) < 2:
        add_error(errors, "choices", "A choice question needs at least two choices, one per line.")
    elif kind != QuestionKind.CHOICE and options:
        add_error(errors, "choices", "Only choice questions have choices.")
    return errors


def criterion_problems(values: dict[str, Any]) -> Errors:
    errors: Errors = {}
    _key(values, errors)
    if not values.get("text"):
        add_error(errors, "text", "Enter the criterion.")
    weight = values.get("weight")
    if weight is None:
        add_error(errors, "weight", "Enter the weight.")
    elif not Decimal(0) < weight <= WEIGHTS_TOTAL:
        add_error(errors, "weight", "A weight is more than 0 and at most 100.")
    score = values.get("max_score")
    if score is None:
        add_error(errors, "max_score", "Enter the maximum score.")
    elif score < 1:
        add_error(errors, "max_score", "The maximum score is at least 1.")
    return errors


def definition_problems(round: Round) -> list[str]:
    """Why ``round`` cannot be published yet (empty: it can)."""
    problems: list[str] = []
    criteria = list(round.criteria.all())
    if not criteria:
        problems.append("Add at least one assessment criterion.")
    else:
        problem = weights_problem(criterion.weight for criterion in criteria)
        if problem:
            problems.append(problem)
    if not round.questions.exists():
        problems.append("Add at least one application question.")
    values = {name: getattr(round, name) for name in (*DEFINITION_FIELDS[2:], "award_start", "award_end")}
    for messages in round_problems(values).values():
        problems.extend(messages)
    return problems
