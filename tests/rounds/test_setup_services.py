"""Setting up a round: its rules, the freeze once it opens, copying, and its moves."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from rounds.models import ApplicationQuestion, Criterion, RoundStatus, RoundVersion
from rounds.setup import services
from tests.factories import (
    ApplicationQuestionFactory,
    CommissioningPriorityFactory,
    CriterionFactory,
    DecisionFactory,
    EligibilityQuestionFactory,
    FundingStreamFactory,
    KPQFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db
UK = timezone.get_default_timezone()
OPENS = datetime.datetime(2026, 4, 1, 12, 0, tzinfo=UK)  # the factory's round opens then
BEFORE_OPENING = datetime.datetime(2026, 4, 1, 11, 59, tzinfo=UK)


def _new_round_fields(**changes):
    fields = {
        "reference": "CSF-2026",
        "name": "Community Safety Fund 2026",
        "priority": CommissioningPriorityFactory(),
        "funding_stream": FundingStreamFactory(),
        "fy": 2026,
        "budget": Decimal("100000.00"),
        "min_amount": Decimal("1000.00"),
        "max_amount": Decimal("20000.00"),
        "opens_at": OPENS,
        "closes_at": datetime.datetime(2026, 5, 1, 12, 0, tzinfo=UK),
        "pass_mark": Decimal("60"),
    }
    fields.update(changes)
    return fields


def _complete_round(**fields):
    round = RoundFactory(**fields)
    ApplicationQuestionFactory(round=round, key="need", text="What need will it meet?")
    CriterionFactory(round=round, key="fit", weight=Decimal("60"))
    CriterionFactory(round=round, key="value", weight=Decimal("40"))
    return round


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


# Creating and changing a round ------------------------------------------------------------------


def test_an_officer_sets_up_a_draft_round(officer):
    kpq = KPQFactory(number=7)
    round = services.round_create(actor=officer, kpqs=[kpq], **_new_round_fields())
    assert round.status == RoundStatus.DRAFT
    assert round.created_by == officer
    assert [k.number for k in round.kpqs.all()] == [7]
    assert round.definition_version == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        (
            {"min_amount": Decimal("30000"), "max_amount": Decimal("20000")},
            "max_amount",
            "The largest request must be at least the smallest request.",
        ),
        ({"closes_at": OPENS}, "closes_at", "The round must close after it opens."),
        ({"pass_mark": Decimal("100.5")}, "pass_mark", "The pass mark is a score from 0 to 100."),
        ({"name": "  "}, "name", "Enter the round's name."),
        ({"fy": 1066}, "fy", "The financial year must be between 1990 and 2100."),
    ],
)
def test_a_round_with_bad_values_is_refused_naming_the_field(officer, changes, field, message):
    with pytest.raises(ValidationError) as excinfo:
        services.round_create(actor=officer, **_new_round_fields(**changes))
    assert message in _errors(excinfo)[field]


def test_a_reference_is_used_once(officer):
    RoundFactory(reference="CSF-2026")
    with pytest.raises(ValidationError) as excinfo:
        services.round_create(actor=officer, **_new_round_fields(reference="csf-2026"))
    assert _errors(excinfo)["reference"] == ["There is already a round with the reference csf-2026."]


@pytest.mark.parametrize("role_fixture", ["finance_officer", "board_member"])
def test_only_officers_set_up_rounds(request, role_fixture):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        services.round_create(actor=user, **_new_round_fields())


def test_a_stale_edit_is_refused(officer):
    round = RoundFactory()
    services.round_update(actor=officer, round=round, expected_version=1, name="First")
    with pytest.raises(ValidationError):
        services.round_update(actor=officer, round=round, expected_version=1, name="Second")
    round.refresh_from_db()
    assert (round.name, round.version) == ("First", 2)


# Questions and criteria ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"key": "Need", "text": "Need?", "kind": "text"},
            "key",
            "A key starts with a small letter and has only small letters, digits and underscores (e.g. need_met).",
        ),
        (
            {"key": "start", "text": "When?", "kind": "date", "word_limit": 100},
            "word_limit",
            "Only text questions have a word limit.",
        ),
        (
            {"key": "size", "text": "Size?", "kind": "choice", "choices": "Small"},
            "choices",
            "A choice question needs at least two choices, one per line.",
        ),
    ],
)
def test_a_bad_question_is_refused(officer, fields, field, message):
    round = RoundFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_add(
            part="questions", actor=officer, round=round, expected_version=round.version, **fields
        )
    assert _errors(excinfo)[field] == [message]
    assert not ApplicationQuestion.objects.filter(round=round).exists()


def test_a_choice_question_keeps_its_choices_one_per_line(officer):
    round = RoundFactory()
    question = services.definition_item_add(
        part="questions",
        actor=officer,
        round=round,
        expected_version=1,
        key="size",
        text="Size?",
        kind="choice",
        choices=" Small\n\nLarge ",
    )
    assert question.choice_list == ["Small", "Large"]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"key": "constituted", "question": "Constituted?", "kind": "yes_no"},
            "required_answer",
            "Say which answer (yes or no) an applicant needs to give.",
        ),
        (
            {"key": "income", "question": "Income?", "kind": "number"},
            "min_value",
            "A number question needs a smallest or a largest answer allowed.",
        ),
        (
            {
                "key": "income",
                "question": "Income?",
                "kind": "number",
                "min_value": Decimal(5),
                "max_value": Decimal(1),
            },
            "max_value",
            "The largest answer allowed must be at least the smallest.",
        ),
    ],
)
def test_a_bad_eligibility_question_is_refused(officer, fields, field, message):
    round = RoundFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_add(part="eligibility", actor=officer, round=round, expected_version=1, **fields)
    assert _errors(excinfo)[field] == [message]


def test_a_key_is_used_once_in_a_round(officer):
    round = RoundFactory()
    CriterionFactory(round=round, key="fit", weight=Decimal("50"))
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_add(
            part="criteria",
            actor=officer,
            round=round,
            expected_version=1,
            key="fit",
            text="Again",
            weight=Decimal(50),
            max_score=5,
        )
    assert _errors(excinfo)["key"] == ["Another criterion of this round has the key fit."]


def test_a_key_taken_meanwhile_is_a_message_not_a_crash(officer, monkeypatch):
    """The database's unique constraint catches what the check before the write missed."""
    round = RoundFactory()
    CriterionFactory(round=round, key="fit", weight=Decimal("50"))
    original = services._clean_item

    def unchecked(part, *, round, instance, changes):
        values = original(part, round=round, instance=instance, changes={**changes, "key": "other"})
        return {**values, "key": "fit"}

    monkeypatch.setattr(services, "_clean_item", unchecked)
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_add(
            part="criteria",
            actor=officer,
            round=round,
            expected_version=1,
            key="fit",
            text="Again",
            weight=Decimal(50),
            max_score=5,
        )
    assert _errors(excinfo)["key"] == ["Another criterion of this round has the key fit."]
    assert Criterion.objects.filter(round=round).count() == 1


def test_weights_must_add_up_to_exactly_100_to_publish(officer):
    round = RoundFactory()
    ApplicationQuestionFactory(round=round)
    CriterionFactory(round=round, weight=Decimal("33.33"))
    CriterionFactory(round=round, weight=Decimal("33.33"))
    CriterionFactory(round=round, weight=Decimal("33.33"))
    with pytest.raises(ValidationError) as excinfo:
        services.round_publish(actor=officer, round=round)
    assert _errors(excinfo)["__all__"] == ["The criteria's weights add up to 99.99; they must add up to 100."]
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


def test_reordering_puts_the_questions_in_the_order_given(officer):
    round = RoundFactory()
    first = ApplicationQuestionFactory(round=round, position=0)
    second = ApplicationQuestionFactory(round=round, position=1)
    services.definition_item_reorder(
        part="questions", actor=officer, round=round, expected_version=1, order=[second.pk, first.pk]
    )
    assert list(round.questions.values_list("pk", flat=True)) == [second.pk, first.pk]


# The freeze once open ---------------------------------------------------------------------------


def test_before_opening_a_published_round_changes_without_a_reason(officer, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    question = round.questions.get()
    time_machine.move_to(BEFORE_OPENING)
    services.definition_item_update(
        part="questions", actor=officer, item=question, expected_version=1, text="What is the need?"
    )
    round.refresh_from_db()
    assert round.definition_version == 1
    assert not RoundVersion.objects.exists()


def test_once_open_a_change_needs_a_reason_and_keeps_the_old_definition(officer, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    question = round.questions.get()
    time_machine.move_to(OPENS)
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_update(
            part="questions", actor=officer, item=question, expected_version=1, text="What is the need?"
        )
    assert _errors(excinfo)["reason"] == ["The round has opened: say why its definition is being changed."]

    services.definition_item_update(
        part="questions",
        actor=officer,
        item=question,
        expected_version=1,
        text="What is the need?",
        reason="Clearer wording",
    )
    round.refresh_from_db()
    version = RoundVersion.objects.get(round=round)
    assert (version.number, version.reason, version.changed_by) == (1, "Clearer wording", officer)
    assert version.definition["questions"][0]["text"] == "What need will it meet?"
    assert version.definition["criteria"][0]["weight"] == "60"
    assert round.definition_version == 2
    assert round.questions.get().text == "What is the need?"


def test_once_open_the_money_needs_a_reason_but_the_name_does_not(officer, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    time_machine.move_to(OPENS + datetime.timedelta(days=40))  # closed too: still frozen
    services.round_update(actor=officer, round=round, expected_version=1, name="Community Safety Fund")
    with pytest.raises(ValidationError) as excinfo:
        services.round_update(actor=officer, round=round, expected_version=2, budget=Decimal("60000.00"))
    assert "reason" in _errors(excinfo)
    services.round_update(
        actor=officer, round=round, expected_version=2, budget=Decimal("60000.00"), reason="Extra funds from the MoJ"
    )
    round.refresh_from_db()
    assert round.definition_version == 2
    assert RoundVersion.objects.get().definition["budget"] == "50000.00"


def test_a_decided_round_cannot_be_changed(officer):
    round = _complete_round(status=RoundStatus.DECIDED)
    with pytest.raises(ValidationError) as excinfo:
        services.definition_item_delete(
            part="criteria", actor=officer, item=round.criteria.first(), expected_version=1, reason="Why not"
        )
    assert _errors(excinfo)["status"] == [f"Round {round.reference} is decided: it cannot be changed."]
    assert round.criteria.count() == 2


# Copying last year's round -------------------------------------------------------------------------


def test_copying_last_years_round_copies_its_questions_and_criteria_as_a_draft(officer):
    source = _complete_round(status=RoundStatus.RESULTS_PUBLISHED, reference="CSF-2025", fy=2025)
    EligibilityQuestionFactory(round=source, key="constituted")
    source.kpqs.add(KPQFactory(number=3))
    new = services.round_copy(
        actor=officer,
        source=source,
        reference="CSF-2026",
        name="Community Safety Fund 2026",
        fy=2026,
        opens_at=datetime.datetime(2027, 4, 1, 9, 0, tzinfo=UK),
        closes_at=datetime.datetime(2027, 5, 1, 17, 0, tzinfo=UK),
    )
    assert (new.status, new.copied_from, new.fy) == (RoundStatus.DRAFT, source, 2026)
    assert new.budget == Decimal("50000.00")
    assert list(new.criteria.values_list("key", "weight")) == [("fit", Decimal("60")), ("value", Decimal("40"))]
    assert list(new.questions.values_list("key", flat=True)) == ["need"]
    assert list(new.eligibility_questions.values_list("key", flat=True)) == ["constituted"]
    assert [k.number for k in new.kpqs.all()] == [3]
    assert source.criteria.count() == 2  # the source keeps its own


# Moves ------------------------------------------------------------------------------------------------


def test_publish_then_take_back_before_opening(officer, time_machine):
    time_machine.move_to(BEFORE_OPENING)
    round = _complete_round()
    services.round_publish(actor=officer, round=round)
    round.refresh_from_db()
    assert round.status == RoundStatus.PUBLISHED
    services.round_unpublish(actor=officer, round=round)
    round.refresh_from_db()
    assert round.status == RoundStatus.DRAFT


def test_an_open_round_cannot_go_back_to_draft(officer, time_machine):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    time_machine.move_to(OPENS)
    with pytest.raises(ValidationError):
        services.round_unpublish(actor=officer, round=round)


def test_cancelling_needs_a_reason(officer):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    with pytest.raises(ValidationError) as excinfo:
        services.round_cancel(actor=officer, round=round, reason=" ")
    assert _errors(excinfo)["reason"] == ["Say why the round is being cancelled."]
    services.round_cancel(actor=officer, round=round, reason="The funding was withdrawn")
    round.refresh_from_db()
    assert round.status == RoundStatus.CANCELLED
    assert round.history.first().history_change_reason == "The funding was withdrawn"


def test_publishing_the_results_of_a_decided_round(officer, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=UK), tick=False)
    round = _complete_round(status=RoundStatus.DECIDED, decision=DecisionFactory())
    services.round_publish_results(actor=officer, round=round)
    round.refresh_from_db()
    assert round.status == RoundStatus.RESULTS_PUBLISHED
    assert round.results_published_at == datetime.datetime(2026, 6, 1, 10, 0, tzinfo=UK)


def test_results_of_an_undecided_round_cannot_be_published(officer):
    round = _complete_round(status=RoundStatus.PUBLISHED)
    with pytest.raises(ValidationError):
        services.round_publish_results(actor=officer, round=round)
