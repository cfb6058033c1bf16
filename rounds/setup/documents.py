"""The ``round_definition`` document (docs/formats.md): a round's definition as one JSON object.

The same document is exported, imported and kept in a ``RoundVersion`` when a round is changed
after it opened, so a version can be read (or re-imported) exactly as the round then was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pcc_commissioning import clock

from ..models import EligibilityKind, Round
from .validation import DEFINITION_FIELDS

# Every key of the document (the importer refuses any other): the round's names, its KPQs, the
# definition's fields (which services and validation share) and the three lists.
DOCUMENT_KEYS = ("reference", "name", "kind", "kpqs", *DEFINITION_FIELDS, "eligibility", "questions", "criteria")


def money_text(amount: Decimal) -> str:
    return f"{amount:.2f}"


def number_text(value: Decimal) -> str:
    """A percentage or a weight as written: 50, 33.33 (never 50.00 or 5E+1)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _eligibility(question) -> dict[str, Any]:
    entry: dict[str, Any] = {"key": question.key, "question": question.question, "kind": question.kind}
    if question.kind == EligibilityKind.YES_NO:
        entry["required_answer"] = question.required_answer
        return entry
    if question.min_value is not None:
        entry["min"] = number_text(question.min_value)
    if question.max_value is not None:
        entry["max"] = number_text(question.max_value)
    return entry


def _question(question) -> dict[str, Any]:
    entry = {
        "key": question.key,
        "text": question.text,
        "kind": question.kind,
        "word_limit": question.word_limit,
        "required": question.required,
    }
    if question.choice_list:
        entry["choices"] = question.choice_list
    return entry


def definition_document(round: Round) -> dict[str, Any]:
    """``round``'s definition document (five queries: the round's lists and its KPQs)."""
    return {
        "reference": round.reference,
        "name": round.name,
        "kind": round.kind,
        "priority": round.priority.name,
        "kpqs": sorted(kpq.number for kpq in round.kpqs.all()),
        "funding_stream": round.funding_stream.name,
        "fy": round.fy,
        "budget": money_text(round.budget),
        "overallocation_percent": number_text(round.overallocation_percent),
        "min_amount": money_text(round.min_amount),
        "max_amount": money_text(round.max_amount),
        "opens_at": clock.localtime(round.opens_at).isoformat(),
        "closes_at": clock.localtime(round.closes_at).isoformat(),
        "panel_date": round.panel_date.isoformat() if round.panel_date else None,
        "pass_mark": number_text(round.pass_mark),
        "eligibility": [_eligibility(question) for question in round.eligibility_questions.all()],
        "questions": [_question(question) for question in round.questions.all()],
        "criteria": [
            {
                "key": criterion.key,
                "text": criterion.text,
                "weight": number_text(criterion.weight),
                "max_score": criterion.max_score,
            }
            for criterion in round.criteria.all()
        ],
    }
