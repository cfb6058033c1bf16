"""The ``round_definition`` import (docs/formats.md): one JSON document makes a draft round with
its eligibility questions, application questions and criteria, or (``--update``) replaces the
definition of a round that has not opened. All or nothing; each problem names its field path
(``criteria[2].weight``), counted from 1."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from grants.models import FundingStream
from outcomes.models import KPQ, CommissioningPriority
from pcc_commissioning.interchange.imports import ImportResult, RowContext, importer
from pcc_commissioning.money import AmountError, amount_from

from ..models import Round, RoundKind
from . import services
from .documents import DOCUMENT_KEYS
from .validation import criterion_problems, eligibility_problems, question_problems, weights_problem

ROW = 1  # a document's errors are all "row 1": the column is the field's path
ITEMS = {
    "eligibility": ({"key", "question", "kind"}, {"required_answer", "min", "max"}),
    "questions": ({"key", "text", "kind", "word_limit", "required"}, {"choices"}),
    "criteria": ({"key", "text", "weight", "max_score"}, set()),
}
# The document's names of the eligibility limits, and the model's.
ELIGIBILITY_FIELDS = {"min": "min_value", "max": "max_value"}


class Reader:
    """Reads values out of the document, noting each problem under its path."""

    def __init__(self, context: RowContext):
        self.context = context
        self.ok = True

    def error(self, path: str, message: str) -> None:
        self.ok = False
        self.context.add(ROW, path, message)

    def keys(self, data: Any, path: str, required: set[str], optional: set[str]) -> bool:
        if not isinstance(data, dict):
            self.error(path, "This must be an object ({...}).")
            return False
        missing, unknown = sorted(required - set(data)), sorted(set(data) - required - optional)
        for key in missing:
            self.error(f"{path}.{key}" if path else key, "This field is missing.")
        for key in unknown:
            self.error(f"{path}.{key}" if path else key, "This field is not part of the format.")
        # The values are read only from a complete object: one problem reported once.
        return not (missing or unknown)

    def text(self, value: Any, path: str, *, blank: bool = False) -> str:
        if not isinstance(value, str) or (not blank and not value.strip()):
            self.error(path, "Enter some text here.")
            return ""
        return value.strip()

    def integer(self, value: Any, path: str, *, null: bool = False) -> int | None:
        if value is None and null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, "This must be a whole number.")
            return None
        return value

    def number(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(path, 'This must be a number written as text, such as "50" or "33.5".')
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self.error(path, f"{value!r} is not a number.")
            return None
        return number

    def money(self, value: Any, path: str) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.error(path, 'Write the amount as text in pounds, such as "50000.00".')
            return None
        try:
            return amount_from(str(value), what=path, allow_negative=False)
        except AmountError as exc:
            self.error(path, str(exc))
            return None

    def moment(self, value: Any, path: str) -> datetime.datetime | None:
        try:
            moment = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            self.error(path, "Write the time as ISO 8601 with its offset, such as 2026-04-01T12:00:00+01:00.")
            return None
        return moment

    def day(self, value: Any, path: str) -> datetime.date | None:
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value) if isinstance(value, str) else self._bad_day(path)
        except ValueError:
            return self._bad_day(path)

    def _bad_day(self, path: str) -> None:
        self.error(path, "Write the date as YYYY-MM-DD, or null.")

    def record(self, model, name: Any, path: str, what: str):
        name = self.text(name, path)
        if not name:
            return None
        found = list(model.objects.filter(name__iexact=name)[:2])
        if len(found) != 1:
            self.error(path, f"There is {'no' if not found else 'more than one'} {what} called “{name}”.")
            return None
        return found[0]


def _round_values(reader: Reader, document: dict) -> dict[str, Any]:
    kind = document.get("kind")
    if kind not in RoundKind.values:
        reader.error("kind", f"Choose one of {', '.join(RoundKind.values)}.")
    return {
        "reference": reader.text(document.get("reference"), "reference"),
        "name": reader.text(document.get("name"), "name"),
        "kind": kind,
        "priority": reader.record(CommissioningPriority, document.get("priority"), "priority", "priority"),
        "funding_stream": reader.record(FundingStream, document.get("funding_stream"), "funding_stream", "stream"),
        "fy": reader.integer(document.get("fy"), "fy"),
        "budget": reader.money(document.get("budget"), "budget"),
        "overallocation_percent": reader.number(document.get("overallocation_percent"), "overallocation_percent"),
        "min_amount": reader.money(document.get("min_amount"), "min_amount"),
        "max_amount": reader.money(document.get("max_amount"), "max_amount"),
        "opens_at": reader.moment(document.get("opens_at"), "opens_at"),
        "closes_at": reader.moment(document.get("closes_at"), "closes_at"),
        "panel_date": reader.day(document.get("panel_date"), "panel_date"),
        "pass_mark": reader.number(document.get("pass_mark"), "pass_mark"),
    }


def _kpqs(reader: Reader, numbers: Any) -> list:
    if not isinstance(numbers, list):
        reader.error("kpqs", "This must be a list of KPQ numbers, such as [1, 3].")
        return []
    wanted = [reader.integer(number, f"kpqs[{index}]") for index, number in enumerate(numbers, start=1)]
    found = {kpq.number: kpq for kpq in KPQ.objects.filter(number__in=[n for n in wanted if n is not None])}
    for index, number in enumerate(wanted, start=1):
        if number is not None and number not in found:
            reader.error(f"kpqs[{index}]", f"There is no KPQ {number}.")
    return list(found.values())


def _item(reader: Reader, part: str, entry: dict, path: str) -> dict[str, Any]:
    if part == "eligibility":
        values = {"key": entry.get("key"), "question": entry.get("question"), "kind": entry.get("kind")}
        answer = entry.get("required_answer")
        if answer is not None and not isinstance(answer, bool):
            reader.error(f"{path}.required_answer", "This must be true, false or null.")
        values["required_answer"] = answer if isinstance(answer, bool) else None
        for name, field in ELIGIBILITY_FIELDS.items():
            given = entry.get(name)
            values[field] = None if given is None else reader.number(given, f"{path}.{name}")
        return values
    if part == "questions":
        values = {name: entry.get(name) for name in ("key", "text", "kind")}
        values["word_limit"] = reader.integer(entry.get("word_limit"), f"{path}.word_limit", null=True)
        if not isinstance(entry.get("required"), bool):
            reader.error(f"{path}.required", "This must be true or false.")
        values["required"] = bool(entry.get("required"))
        choices = entry.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            reader.error(f"{path}.choices", "This must be a list of texts.")
            choices = []
        values["choices"] = "\n".join(choices)
        return values
    return {
        "key": entry.get("key"),
        "text": entry.get("text"),
        "weight": reader.number(entry.get("weight"), f"{path}.weight"),
        "max_score": reader.integer(entry.get("max_score"), f"{path}.max_score"),
    }


RULES = {"eligibility": eligibility_problems, "questions": question_problems, "criteria": criterion_problems}


def _check_item(reader: Reader, part: str, values: dict[str, Any], path: str) -> None:
    """The pages' rules for an entry, checked here too so a file's problems come all at once
    (the service checks them again when it writes)."""
    if any(value is None for name, value in values.items() if name in ("weight", "max_score")):
        return  # already reported as not a number
    texts = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    for field, messages in RULES[part](texts).items():
        for message in messages:
            reader.error(_path_of(f"{path}.{field}"), message)


def _duplicate_keys(reader: Reader, part: str, entries: list) -> None:
    """Keys used twice in a list (the service checks against the stored rows only, and an
    earlier entry refused for another reason is never stored)."""
    first: dict[Any, int] = {}
    for index, entry in enumerate(entries, start=1):
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str) or not key:
            continue
        if key in first:
            reader.error(f"{part}[{index}].key", f"The key {key} is also used by {part}[{first[key]}].")
        else:
            first[key] = index


def _items(reader: Reader, document: dict) -> dict[str, list[dict[str, Any]]]:
    items: dict[str, list[dict[str, Any]]] = {}
    for part, (required, optional) in ITEMS.items():
        entries = document.get(part)
        if not isinstance(entries, list):
            reader.error(part, "This must be a list ([...]).")
            continue
        items[part] = []
        for index, entry in enumerate(entries, start=1):
            path = f"{part}[{index}]"
            if reader.keys(entry, path, required, optional):
                values = _item(reader, part, entry, path)
                _check_item(reader, part, values, path)
                items[part].append(values)
        _duplicate_keys(reader, part, entries)
    weights = [entry["weight"] for entry in items.get("criteria", [])]
    if None not in weights and (problem := weights_problem(weights)):
        reader.error("criteria", problem)
    return items


def _path_of(key: str) -> str:
    """A service's error key as the document's path (the limits have other names there)."""
    for name, field in ELIGIBILITY_FIELDS.items():
        if key.startswith("eligibility[") and key.endswith(f".{field}"):
            return key[: -len(field)] + name
    return "" if key == "__all__" else key


@importer(
    "round_definition",
    columns=(),
    required=(),
    capability="rounds.import",
    description="A round's definition (one JSON document): its money, dates, questions and criteria.",
    file_format="json",
)
def import_round_definition(document, *, actor, update, context) -> ImportResult:
    result = ImportResult(kind="round_definition")
    reader = Reader(context)
    if not reader.keys(document, "", set(DOCUMENT_KEYS), set()):
        return result
    values = _round_values(reader, document)
    kpqs = _kpqs(reader, document.get("kpqs"))
    items = _items(reader, document)
    if not reader.ok:
        return result
    existing = Round.objects.filter(reference=values["reference"]).first() if update else None
    try:
        services.round_define(actor=actor, values=values, kpqs=kpqs, items=items, replace=existing)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            for message in messages:
                context.add(ROW, _path_of(key), message)
        return result
    if existing is None:
        result.created = 1
    else:
        result.updated = 1
    return result
