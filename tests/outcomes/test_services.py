import pytest
from django.core.exceptions import ValidationError

from outcomes import services
from outcomes.models import CodeListEntry
from tests.factories import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
)

pytestmark = pytest.mark.django_db


def _field_of(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


def test_outcome_and_kpq_create_and_update():
    outcome = services.plan_outcome_create(number=2, title=" Victims feel supported ")
    assert outcome.title == "Victims feel supported"
    kpq = services.kpq_create(number=3, question="How well are victims supported?", outcome=outcome)
    other = PlanOutcomeFactory(number=1)
    services.kpq_update(kpq=kpq, outcome=other, question="How well?")
    kpq.refresh_from_db()
    assert (kpq.outcome, kpq.question) == (other, "How well?")


def test_duplicate_numbers_are_refused_naming_the_field():
    PlanOutcomeFactory(number=1)
    KPQFactory(number=5)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_outcome_create(number=1, title="Again")
    assert _field_of(excinfo) == {"number"}
    with pytest.raises(ValidationError) as excinfo:
        services.kpq_create(number=5, question="Again?", outcome=PlanOutcomeFactory())
    assert _field_of(excinfo) == {"number"}
    assert "KPQ5" in str(excinfo.value)
    with pytest.raises(ValidationError) as excinfo:
        services.kpq_create(number=0, question="Zero?", outcome=PlanOutcomeFactory())
    assert _field_of(excinfo) == {"number"}


def test_blank_text_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as excinfo:
        services.plan_outcome_create(number=7, title="   ")
    assert _field_of(excinfo) == {"title"}
    with pytest.raises(ValidationError) as excinfo:
        services.priority_create(code="", name="Victims")
    assert _field_of(excinfo) == {"code"}


def test_priority_name_clash_ignores_case():
    priority = CommissioningPriorityFactory(code="V", name="Victims services")
    with pytest.raises(ValidationError) as excinfo:
        services.priority_create(code="W", name="victims SERVICES")
    assert _field_of(excinfo) == {"name"}
    # Renaming a priority to a different case of its own name is fine.
    services.priority_update(priority=priority, name="Victims Services")
    priority.refresh_from_db()
    assert priority.name == "Victims Services"


def test_code_list_entry_create_lower_cases_and_checks_years():
    entry = services.code_list_entry_create(list_name="crime", code="Stalking", label="Stalking", valid_from_fy=2020)
    assert entry.code == "stalking"
    with pytest.raises(ValidationError) as excinfo:
        services.code_list_entry_create(
            list_name="crime",
            code="modern_slavery",
            label="Modern slavery",
            valid_from_fy=2021,
            valid_to_fy=2020,
        )
    assert _field_of(excinfo) == {"valid_to_fy"}
    with pytest.raises(ValidationError) as excinfo:
        services.code_list_entry_create(list_name="weather", code="rain", label="Rain")
    assert _field_of(excinfo) == {"list"}
    with pytest.raises(ValidationError) as excinfo:
        services.code_list_entry_create(list_name="crime", code="two words", label="Two words")
    assert _field_of(excinfo) == {"code"}


def test_entries_for_one_code_may_not_overlap_in_years():
    services.code_list_entry_create(
        list_name="age", code="under_16", label="Under 16", valid_from_fy=2019, valid_to_fy=2020
    )
    with pytest.raises(ValidationError) as excinfo:
        services.code_list_entry_create(list_name="age", code="under_16", label="Under 16", valid_from_fy=2020)
    assert _field_of(excinfo) == {"valid_from_fy"}
    # A seeded, open-ended code overlaps every year.
    with pytest.raises(ValidationError):
        services.code_list_entry_create(list_name="age", code="18_24", label="18-24", valid_from_fy=2025)
    # The next version of a code, starting after the first ends, is accepted.
    services.code_list_entry_create(list_name="age", code="under_16", label="Under 16s", valid_from_fy=2021)
    assert CodeListEntry.objects.filter(list="age", code="under_16").count() == 2


def test_ending_a_seeded_code_then_adding_its_successor():
    seeded = CodeListEntry.objects.get(list="crime", code="fraud")
    services.code_list_entry_update(entry=seeded, valid_to_fy=2022)
    services.code_list_entry_create(list_name="crime", code="fraud", label="Fraud", valid_from_fy=2023)
    assert seeded.history.count() == 1  # the update wrote one history row


def test_update_that_changes_nothing_writes_no_history():
    entry = CodeListEntryFactory(label="Same")
    before = entry.history.count()
    services.code_list_entry_update(entry=entry, label="Same")
    assert entry.history.count() == before
