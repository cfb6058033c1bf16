import pytest

from outcomes import selectors
from tests.factories import (
    CodeListEntryFactory,
    CommissioningPriorityFactory,
    KPQFactory,
    PlanOutcomeFactory,
)

pytestmark = pytest.mark.django_db


def _codes(entries) -> list[str]:
    return [entry.code for entry in entries]


def test_code_list_by_year_respects_start_and_end():
    CodeListEntryFactory(list="crime", code="stalking", valid_from_fy=2019, valid_to_fy=2020)
    CodeListEntryFactory(list="crime", code="online_harm", valid_from_fy=2021)

    assert "stalking" in _codes(selectors.code_list("crime", fy=2020))
    assert "stalking" in _codes(selectors.code_list("crime", fy=2019))
    assert "stalking" not in _codes(selectors.code_list("crime", fy=2021))
    assert "stalking" not in _codes(selectors.code_list("crime", fy=2018))
    assert "online_harm" not in _codes(selectors.code_list("crime", fy=2020))
    assert "online_harm" in _codes(selectors.code_list("crime", fy=2030))
    # Without a year, every entry; open-ended seeded entries match every year.
    everything = _codes(selectors.code_list("crime"))
    assert {"stalking", "online_harm", "domestic_abuse"} <= set(everything)
    assert "domestic_abuse" in _codes(selectors.code_list("crime", fy=1999))


def test_code_list_is_in_display_order_and_refuses_unknown_lists():
    assert _codes(selectors.code_list("sex")) == ["female", "male", "other", "unknown"]
    with pytest.raises(ValueError):
        selectors.code_list("weather")


def test_codes_by_list_groups_every_list_in_one_query(django_assert_num_queries):
    CodeListEntryFactory(list="disability", code="prefer_not", valid_from_fy=2019, valid_to_fy=2019)
    with django_assert_num_queries(1):
        grouped = selectors.codes_by_list(fy=2020)
    assert list(grouped) == ["crime", "age", "sex", "ethnicity", "disability", "outcome", "moj_category"]
    assert _codes(grouped["disability"]) == ["yes", "no", "unknown"]
    assert "prefer_not" in _codes(selectors.codes_by_list(fy=2019)["disability"])


def test_plan_tree_orders_outcomes_and_kpqs_by_number_in_two_queries(django_assert_num_queries):
    second = PlanOutcomeFactory(number=2, title="Second")
    first = PlanOutcomeFactory(number=1, title="First")
    KPQFactory(number=4, outcome=second)
    KPQFactory(number=3, outcome=second)
    KPQFactory(number=1, outcome=first)
    with django_assert_num_queries(2):
        tree = [(o.number, [k.number for k in o.kpqs.all()]) for o in selectors.plan_tree()]
    assert tree == [(1, [1]), (2, [3, 4])]


def test_kpq_by_number_returns_only_existing_numbers():
    KPQFactory(number=3)
    KPQFactory(number=4)
    found = selectors.kpq_by_number([3, 4, 9])
    assert sorted(found) == [3, 4]
    assert found[3].number == 3


def test_priority_by_name_ignores_case_and_spaces():
    priority = CommissioningPriorityFactory(name="Victims services")
    assert selectors.priority_by_name("  VICTIMS services ") == priority
    assert selectors.priority_by_name("Victims") is None
    assert selectors.priority_by_name("") is None


def test_code_list_years_run_from_the_earliest_year_of_the_register_or_an_entry(time_machine):
    """Today is in 2026/27. Seeded entries are open-ended; a funding line in 2017/18 and a
    return in 2018/19 start the range at 2017; an entry ending in 2030/31 ends it there."""
    import datetime

    from tests.factories import FundingLineFactory, MonitoringReturnFactory

    time_machine.move_to(datetime.datetime(2026, 12, 6, 10, 0))
    assert selectors.code_list_years() == [2026, 2027]  # this year and the next
    MonitoringReturnFactory(fy=2018)
    assert selectors.code_list_years() == list(range(2018, 2028))
    FundingLineFactory(fy=2017)
    CodeListEntryFactory(list="crime", code="future_harm", valid_from_fy=2028, valid_to_fy=2030)
    assert selectors.code_list_years() == list(range(2017, 2031))


def test_code_list_years_take_a_fixed_number_of_queries(django_assert_num_queries):
    from tests.factories import FundingLineFactory

    FundingLineFactory.create_batch(3, fy=2019)
    # the entries, then the first and last year of funding lines and of returns
    with django_assert_num_queries(3):
        selectors.code_list_years()
