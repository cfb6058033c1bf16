"""The KPQ performance measures' services check ``grants.edit`` themselves: a board member
(read-only) calling one directly is refused with PermissionDenied and nothing changes."""

import pytest
from django.core.exceptions import PermissionDenied

from outcomes import services
from outcomes.models import PerformanceMeasure, PerformanceValue
from tests.factories.outcomes import KPQFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "measures": list(PerformanceMeasure.objects.values_list("pk", "name", "unit", "version").order_by("pk")),
        "values": list(PerformanceValue.objects.values_list("pk", "value").order_by("pk")),
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda actor, measure, row: services.measure_create(actor=actor, kpq=measure.kpq, name="Another"),
        lambda actor, measure, row: services.measure_update(
            actor=actor, measure=measure, expected_version=None, unit="people"
        ),
        lambda actor, measure, row: services.measure_value_set(actor=actor, measure=measure, period="2020", value="1"),
        lambda actor, measure, row: services.measure_value_delete(actor=actor, value_row=row),
    ],
    ids=["measure_create", "measure_update", "measure_value_set", "measure_value_delete"],
)
def test_a_board_member_calling_a_service_directly_is_refused_and_nothing_changes(call, board_member, officer):
    measure = services.measure_create(actor=officer, kpq=KPQFactory(), name="Victim satisfaction", unit="%")
    row, _ = services.measure_value_set(actor=officer, measure=measure, period="2019", value="81.5")
    before = _snapshot()
    with pytest.raises(PermissionDenied, match=r"Your role does not allow this \(grants.edit\)\."):
        call(board_member, measure, row)
    assert _snapshot() == before
