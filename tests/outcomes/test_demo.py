import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from demo.outcomes import plan_seed
from outcomes.models import KPQ, CommissioningPriority, PlanOutcome

pytestmark = pytest.mark.django_db

PLAN_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "durham_2019_20" / "plan.csv"

ROWS = [
    {"kind": "outcome", "code": "1", "title": "Communities are safe and crime is reduced", "parent": ""},
    {"kind": "outcome", "code": "2", "title": "Victims and the vulnerable feel supported", "parent": ""},
    {"kind": "kpq", "code": "1", "title": "How safe are our communities?", "parent": "1"},
    {"kind": "kpq", "code": "3", "title": "How well are victims supported?", "parent": "2"},
    {"kind": "kpq", "code": "4", "title": "How well are vulnerable people supported?", "parent": "2"},
    {"kind": "priority", "code": "V", "title": "Victims services", "parent": ""},
    {"kind": "priority", "code": "R", "title": "Reducing reoffending", "parent": ""},
]


def _counts() -> dict[str, int]:
    return {
        "outcomes": PlanOutcome.objects.count(),
        "kpqs": KPQ.objects.count(),
        "priorities": CommissioningPriority.objects.count(),
        "outcome history": PlanOutcome.history.count(),
        "kpq history": KPQ.history.count(),
        "priority history": CommissioningPriority.history.count(),
    }


def test_plan_seed_creates_the_plan():
    assert plan_seed(rows=ROWS) == 7
    assert [k.outcome.number for k in KPQ.objects.order_by("number")] == [1, 2, 2]
    assert list(CommissioningPriority.objects.values_list("code", "name")) == [
        ("V", "Victims services"),
        ("R", "Reducing reoffending"),
    ]


def test_plan_seed_twice_creates_updates_and_records_nothing():
    plan_seed(rows=ROWS)
    before = _counts()
    assert plan_seed(rows=ROWS) == 0
    assert _counts() == before


def test_plan_seed_accepts_kpqs_listed_before_their_outcome():
    assert plan_seed(rows=list(reversed(ROWS))) == 7
    assert KPQ.objects.get(number=3).outcome.number == 2


def test_plan_seed_with_a_bad_row_changes_nothing():
    rows = ROWS + [{"kind": "kpq", "code": "9", "title": "Orphan?", "parent": "7"}]
    with pytest.raises(ValidationError) as excinfo:
        plan_seed(rows=rows)
    assert "parent" in excinfo.value.message_dict
    assert PlanOutcome.objects.count() == 0


@pytest.mark.skipif(not PLAN_CSV.exists(), reason="shared reference data not present")
def test_plan_seed_loads_the_durham_plan_file():
    with PLAN_CSV.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert plan_seed(rows=rows) == 4 + 8 + 3
    assert str(KPQ.objects.get(number=3)).startswith("KPQ3 How well are victims supported")
    assert plan_seed(rows=rows) == 0
