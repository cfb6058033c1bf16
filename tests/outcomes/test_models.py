import pytest
from django.db import IntegrityError, transaction

from outcomes.models import KPQ, CodeList, CodeListEntry, CommissioningPriority, PlanOutcome
from tests.factories import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
)

pytestmark = pytest.mark.django_db

# docs/formats.md, "Code lists": the stable codes every deployment is seeded with.
SEEDED_CODES = {
    "crime": ["domestic_abuse", "sexual_violence", "violence", "hate_crime", "asb", "burglary_theft", "fraud", "other"],
    "age": ["under_18", "18_24", "25_34", "35_49", "50_64", "65_plus", "unknown"],
    "sex": ["female", "male", "other", "unknown"],
    "ethnicity": ["asian", "black", "mixed", "white", "other", "unknown"],
    "disability": ["yes", "no", "unknown"],
    "outcome": ["cope_recover", "health_wellbeing", "feel_safer", "informed_empowered", "engage_cjs"],
    "moj_category": [
        "general_support",
        "domestic_abuse",
        "sexual_violence",
        "restorative_justice",
        "isva",
        "idva",
        "hate_crime",
        "children_young_people",
        "other",
    ],
}


def _refused(**fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeListEntry.objects.create(**fields)


def test_the_code_list_names_are_designs():
    assert set(CodeList.values) == set(SEEDED_CODES)


def test_seeded_code_lists_hold_exactly_designs_codes_in_order_and_open_ended():
    for list_name, codes in SEEDED_CODES.items():
        entries = list(CodeListEntry.objects.filter(list=list_name).order_by("sort_order"))
        assert [entry.code for entry in entries] == codes, list_name
        for entry in entries:
            assert entry.valid_from_fy is None and entry.valid_to_fy is None
            assert entry.label and entry.label != entry.code
            assert entry.definition.endswith(".")


def test_seeded_labels_read_as_people_expect():
    assert CodeListEntry.objects.get(list="age", code="18_24").label == "18 to 24"
    assert CodeListEntry.objects.get(list="crime", code="asb").label == "Anti-social behaviour"
    assert (
        CodeListEntry.objects.get(list="outcome", code="cope_recover").label == "Improved ability to cope and recover"
    )
    assert (
        CodeListEntry.objects.get(list="moj_category", code="isva").label
        == "Independent Sexual Violence Adviser (ISVA)"
    )


def test_a_second_open_ended_entry_for_the_same_code_is_refused():
    _refused(list="crime", code="asb", label="ASB again")


def test_a_second_entry_starting_in_the_same_year_is_refused():
    CodeListEntryFactory(list="age", code="under_16", valid_from_fy=2021)
    _refused(list="age", code="under_16", label="Under 16", valid_from_fy=2021)


def test_the_same_code_may_start_in_different_years_or_lists():
    CodeListEntryFactory(list="age", code="under_16", valid_from_fy=2019, valid_to_fy=2020)
    CodeListEntryFactory(list="age", code="under_16", valid_from_fy=2021)
    CodeListEntryFactory(list="crime", code="asb_new")
    CodeListEntryFactory(list="sex", code="asb_new")
    assert CodeListEntry.objects.filter(code="under_16").count() == 2


def test_an_entry_that_ends_before_it_starts_is_refused():
    _refused(list="crime", code="stalking", label="Stalking", valid_from_fy=2020, valid_to_fy=2019)


def test_an_entry_valid_for_one_year_is_allowed():
    entry = CodeListEntryFactory(valid_from_fy=2020, valid_to_fy=2020)
    assert entry.is_valid_in(2020) and not entry.is_valid_in(2019) and not entry.is_valid_in(2021)


def test_upper_case_codes_and_unknown_lists_are_refused():
    _refused(list="crime", code="Stalking", label="Stalking")
    _refused(list="weather", code="rain", label="Rain")


def test_kpq_reads_as_number_and_question():
    kpq = KPQFactory(number=3, question="How well are victims supported?")
    assert str(kpq) == "KPQ3 How well are victims supported?"
    assert kpq.label == "KPQ3"


def test_kpq_and_outcome_numbers_are_unique_and_positive():
    outcome = PlanOutcomeFactory(number=1)
    KPQFactory(number=1, outcome=outcome)
    with pytest.raises(IntegrityError), transaction.atomic():
        KPQ.objects.create(number=1, question="Again?", outcome=outcome)
    with pytest.raises(IntegrityError), transaction.atomic():
        KPQ.objects.create(number=0, question="Zero?", outcome=outcome)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanOutcome.objects.create(number=1, title="Again")


def test_an_outcome_with_kpqs_cannot_be_deleted():
    from django.db.models import ProtectedError

    kpq = KPQFactory()
    with pytest.raises(ProtectedError):
        kpq.outcome.delete()


def test_priority_names_are_unique_ignoring_case():
    CommissioningPriorityFactory(code="V", name="Victims services")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissioningPriority.objects.create(code="W", name="VICTIMS SERVICES")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommissioningPriority.objects.create(code="V", name="Something else")


def test_plan_models_keep_history():
    outcome = PlanOutcomeFactory(title="First title")
    outcome.title = "Second title"
    outcome.save()
    assert [h.title for h in outcome.history.order_by("history_date")] == ["First title", "Second title"]
