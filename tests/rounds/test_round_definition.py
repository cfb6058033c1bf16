"""The round_definition document: exported, imported (all or nothing, errors by field path),
and the same after a round trip."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from pcc_commissioning.interchange.exports import run_export
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from rounds.models import EligibilityKind, QuestionKind, Round, RoundStatus
from tests.factories import (
    ApplicationQuestionFactory,
    CommissioningPriorityFactory,
    CriterionFactory,
    EligibilityQuestionFactory,
    FundingStreamFactory,
    KPQFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db
UK = timezone.get_default_timezone()


@pytest.fixture
def records():
    return {
        "priority": CommissioningPriorityFactory(name="Victims and witnesses"),
        "stream": FundingStreamFactory(name="Community Safety Fund"),
        "kpqs": [KPQFactory(number=2), KPQFactory(number=5)],
    }


def _document(**changes) -> dict:
    document = {
        "reference": "CSF-2026",
        "name": "Community Safety Fund 2026",
        "kind": "open_call",
        "priority": "Victims and witnesses",
        "kpqs": [2, 5],
        "funding_stream": "Community Safety Fund",
        "fy": 2026,
        "budget": "100000.00",
        "overallocation_percent": "10",
        "min_amount": "1000.00",
        "max_amount": "20000.00",
        "opens_at": "2026-04-01T09:00:00+01:00",
        "closes_at": "2026-05-01T17:00:00+01:00",
        "panel_date": "2026-05-20",
        "pass_mark": "60",
        "eligibility": [
            {"key": "constituted", "question": "Are you constituted?", "kind": "yes_no", "required_answer": True},
            {"key": "income", "question": "Your income last year?", "kind": "number", "max": "500000"},
        ],
        "questions": [
            {"key": "need", "text": "What need will it meet?", "kind": "text", "word_limit": 300, "required": True},
            {
                "key": "size",
                "text": "How big is your group?",
                "kind": "choice",
                "word_limit": None,
                "required": False,
                "choices": ["Small", "Large"],
            },
        ],
        "criteria": [
            {"key": "fit", "text": "Fits the plan", "weight": "60", "max_score": 5},
            {"key": "value", "text": "Value for money", "weight": "40", "max_score": 5},
        ],
    }
    document.update(changes)
    return document


def _import(document, **options):
    return run_import("round_definition", json.dumps(document).encode(), filename="round.json", **options)


def _export(reference: str) -> dict:
    output = io.BytesIO()
    run_export("round_definition", format="json", output=output, options={"round": reference})
    return json.loads(output.getvalue())


def _problems(document, **options) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportFailed) as excinfo:
        _import(document, **options)
    return [(error.row, error.column, error.message) for error in excinfo.value.errors]


def test_importing_a_definition_makes_a_draft_round(records):
    result = _import(_document())
    assert result.created == 1
    round = Round.objects.get(reference="CSF-2026")
    assert round.status == RoundStatus.DRAFT
    assert (round.priority, round.funding_stream) == (records["priority"], records["stream"])
    assert sorted(k.number for k in round.kpqs.all()) == [2, 5]
    assert round.opens_at == datetime.datetime(2026, 4, 1, 8, 0, tzinfo=datetime.UTC)
    assert (round.budget, round.overallocation_percent, round.pass_mark) == (
        Decimal("100000.00"),
        Decimal("10"),
        Decimal("60"),
    )
    income = round.eligibility_questions.get(key="income")
    assert (income.kind, income.max_value, income.min_value) == (EligibilityKind.NUMBER, Decimal("500000"), None)
    size = round.questions.get(key="size")
    assert (size.kind, size.choice_list, size.required) == (QuestionKind.CHOICE, ["Small", "Large"], False)
    assert list(round.criteria.values_list("key", "weight")) == [("fit", Decimal("60")), ("value", Decimal("40"))]


def test_the_export_is_the_document_imported(records):
    _import(_document())
    assert _export("CSF-2026") == _document()


def test_a_round_trip_under_a_new_reference_gives_the_same_document():
    round = RoundFactory(reference="OLD-1")
    round.kpqs.add(KPQFactory(number=9))
    EligibilityQuestionFactory(round=round, key="constituted")
    EligibilityQuestionFactory(
        round=round, key="staff", kind=EligibilityKind.NUMBER, required_answer=None, min_value=Decimal("2")
    )
    ApplicationQuestionFactory(round=round, key="need")
    CriterionFactory(round=round, key="fit", weight=Decimal("33.5"))
    CriterionFactory(round=round, key="reach", weight=Decimal("66.5"))
    first = _export("OLD-1")
    _import({**first, "reference": "NEW-1"})
    second = _export("NEW-1")
    assert second.pop("reference") == "NEW-1"
    assert first.pop("reference") == "OLD-1"
    assert first == second


def test_weights_not_adding_up_to_100_are_refused_and_nothing_is_written(records):
    document = _document()
    document["criteria"][1]["weight"] = "39.99"
    assert _problems(document) == [(1, "criteria", "The criteria's weights add up to 99.99; they must add up to 100.")]
    assert not Round.objects.exists()


def test_each_problem_names_its_field_path(records):
    document = _document(opens_at="2026-04-01T09:00:00", kpqs=[2, 77])
    document["criteria"][1]["weight"] = "forty"
    document["questions"][0]["kind"] = "essay"
    document["eligibility"][0]["colour"] = "blue"
    assert _problems(document) == [
        (1, "criteria[2].weight", "'forty' is not a number."),
        (1, "eligibility[1].colour", "This field is not part of the format."),
        (1, "kpqs[2]", "There is no KPQ 77."),
        (1, "opens_at", "Write the time as ISO 8601 with its offset, such as 2026-04-01T12:00:00+01:00."),
        (1, "questions[1].kind", "Choose the kind of answer (text, number, choice, date, file, budget)."),
    ]


def test_the_rules_of_the_pages_apply_to_the_file_by_path(records):
    document = _document()
    document["questions"][1]["key"] = "need"
    document["questions"][0]["kind"] = "date"
    document["eligibility"][1] = {"key": "income", "question": "Income?", "kind": "number"}
    assert _problems(document) == [
        (1, "eligibility[2].min", "A number question needs a smallest or a largest answer allowed."),
        (1, "questions[1].word_limit", "Only text questions have a word limit."),
        (1, "questions[2].key", "The key need is also used by questions[1]."),
    ]
    assert not Round.objects.exists()


def test_a_document_with_missing_fields_is_refused(records):
    document = _document()
    del document["pass_mark"]
    assert _problems(document) == [(1, "pass_mark", "This field is missing.")]


def test_an_existing_reference_needs_update_which_replaces_a_drafts_definition(records):
    _import(_document())
    assert _problems(_document()) == [(1, "reference", "There is already a round with the reference CSF-2026.")]
    changed = _document(name="Community Safety Fund (revised)")
    changed["criteria"] = [{"key": "fit", "text": "Fits the plan", "weight": "100", "max_score": 10}]
    assert _import(changed, update=True).updated == 1
    round = Round.objects.get()
    assert round.name == "Community Safety Fund (revised)"
    assert list(round.criteria.values_list("key", "max_score")) == [("fit", 10)]


def test_an_opened_rounds_definition_is_not_replaced(records, time_machine):
    _import(_document())
    Round.objects.update(status=RoundStatus.PUBLISHED)
    time_machine.move_to(datetime.datetime(2026, 4, 2, 9, 0, tzinfo=UK))
    problems = _problems(_document(name="Changed"), update=True)
    assert problems == [(1, "reference", "Round CSF-2026 has opened: its definition cannot be replaced by a file.")]
    assert Round.objects.get().name == "Community Safety Fund 2026"


def test_the_commands_export_and_import_the_document(records, tmp_path):
    _import(_document())
    path = tmp_path / "round.json"
    call_command("export_data", "round_definition", "--format", "json", "--round", "CSF-2026", "--output", str(path))
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "reference": "CSF-2027"}))
    call_command("import_data", "round_definition", str(path), stdout=io.StringIO())
    assert Round.objects.get(reference="CSF-2027").questions.count() == 2
