"""The KPQ page in Reports: a KPQ's performance measures, the award KPIs that evidence it with
their latest actuals, and the committed spend answering it (figures worked out by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import AwardStatus, ReturnStatus
from outcomes import services as outcomes_services
from reports.dashboard import selectors

from ..factories import (
    AwardFactory,
    AwardKPIFactory,
    FundingLineFactory,
    KPQFactory,
    MonitoringReturnFactory,
    ReturnKPIValueFactory,
)

pytestmark = pytest.mark.django_db


def _award(kpq, status, lines, **kwargs):
    award = AwardFactory(status=status, **kwargs)
    if kpq is not None:
        award.kpqs.add(kpq)
    for fy, amount in lines:
        FundingLineFactory(award=award, fy=fy, amount=Decimal(amount))
    return award


@pytest.fixture
def kpq():
    return KPQFactory(number=3, question="Are victims satisfied with the support they get?")


@pytest.fixture
def case(kpq):
    """Spend in 2019/20 answering KPQ3: 10,000 + 5,000.50 (active) + 2,500 (awarded) = 17,500.50.
    Not counted: A's 2020/21 line, a planned award naming KPQ3, an active award not naming it."""
    a = _award(kpq, AwardStatus.ACTIVE, [(2019, "10000.00"), (2019, "5000.50"), (2020, "7000.00")], reference="KPQ-A")
    b = _award(kpq, AwardStatus.AWARDED, [(2019, "2500.00")], reference="KPQ-B")
    _award(kpq, AwardStatus.PLANNED, [(2019, "1000.00")], reference="KPQ-PLANNED")
    other = _award(None, AwardStatus.ACTIVE, [(2019, "9999.00")], reference="KPQ-OTHER")

    kpi = AwardKPIFactory(award=a, name="Victims helped to cope", kpq=kpq, target=Decimal("10"))
    AwardKPIFactory(award=other, name="Satisfied at exit", kpq=kpq, unit="%")  # nothing reported yet
    AwardKPIFactory(award=b, name="Not about KPQ3")  # evidences no KPQ
    # Q1 accepted 7, Q2 submitted 12 (the latest handed in), Q3 a draft 99 (not handed in: ignored).
    for quarter, status, value in [
        (1, ReturnStatus.ACCEPTED, "7"),
        (2, ReturnStatus.SUBMITTED, "12"),
        (3, ReturnStatus.DRAFT, "99"),
    ]:
        ret = MonitoringReturnFactory(award=a, quarter=quarter, status=status, rag="green" if quarter == 1 else "")
        ReturnKPIValueFactory(monitoring_return=ret, kpi=kpi, value=Decimal(value))

    measure = outcomes_services.measure_create(actor=None, kpq=kpq, name="Victim satisfaction", unit="%")
    outcomes_services.measure_value_set(actor=None, measure=measure, period="2019", value="81.5", target="85")
    outcomes_services.measure_value_set(actor=None, measure=measure, period="2019-Q1", value="79")
    return {"a": a, "b": b, "kpi": kpi}


def test_kpq_page_figures(kpq, case):
    page = selectors.kpq_page(kpq, fy=2019)

    assert page.total_spend == Decimal("17500.50")
    assert [(row.award.reference, row.committed) for row in page.spend] == [
        ("KPQ-A", Decimal("15000.50")),
        ("KPQ-B", Decimal("2500.00")),
    ]
    kpis = {row.kpi.name: (row.latest_value, row.latest_period) for row in page.kpis}
    assert kpis == {"Victims helped to cope": (Decimal("12"), "Q2 2019/20"), "Satisfied at exit": (None, "")}
    [measure] = page.measures
    assert [(value.period, value.value, value.target) for value in measure.values.all()] == [
        ("2019", Decimal("81.5"), Decimal("85")),
        ("2019-Q1", Decimal("79"), None),
    ]
    assert selectors.kpq_page(kpq, fy=2020).total_spend == Decimal("7000.00")


def test_kpq_page_shows_the_figures(officer_client, kpq, case):
    response = officer_client.get(reverse("reports:kpq", args=[kpq.pk]), {"fy": "2019"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Are victims satisfied with the support they get?" in page
    assert "£17,501" in page and "£15,001" in page  # whole pounds on pages (docs/formats.md "Money")
    assert "KPQ-PLANNED" not in page and "Not about KPQ3" not in page
    assert "Victims helped to cope" in page and "Q2 2019/20" in page and "Not reported" in page
    assert "Victim satisfaction (%)" in page and "81.5" in page


def test_reports_index_lists_the_kpq_pages(board_client, kpq):
    index = board_client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:kpq_index") in index
    listing = board_client.get(reverse("reports:kpq_index")).content.decode()
    assert reverse("reports:kpq", args=[kpq.pk]) in listing


@pytest.mark.parametrize("client_name", ["officer_client", "finance_client", "board_client"])
def test_internal_roles_read_the_kpq_page(request, client_name, kpq):
    client = request.getfixturevalue(client_name)
    assert client.get(reverse("reports:kpq", args=[kpq.pk])).status_code == 200


def test_provider_users_cannot_read_the_kpq_page(provider_client, kpq):
    assert provider_client.get(reverse("reports:kpq", args=[kpq.pk])).status_code == 403
    assert provider_client.get(reverse("reports:kpq_index")).status_code == 403


def test_unknown_kpq_is_404(officer_client):
    assert officer_client.get(reverse("reports:kpq", args=[9999])).status_code == 404


def _add(kpq, n: int) -> None:
    for _ in range(n):
        award = _award(kpq, AwardStatus.ACTIVE, [(2019, "100.00")])
        kpi = AwardKPIFactory(award=award, kpq=kpq)
        for quarter in (1, 2):
            ret = MonitoringReturnFactory(award=award, quarter=quarter, submitted=True)
            ReturnKPIValueFactory(monitoring_return=ret, kpi=kpi)
    measure = outcomes_services.measure_create(actor=None, kpq=kpq, name=f"Measure {kpq.measures.count()}")
    outcomes_services.measure_value_set(actor=None, measure=measure, period="2019", value="1")


def test_kpq_page_query_count_does_not_grow(officer_client, kpq):
    url = reverse("reports:kpq", args=[kpq.pk])
    _add(kpq, 2)
    with CaptureQueriesContext(connection) as small:
        assert officer_client.get(url, {"fy": "2019"}).status_code == 200
    _add(kpq, 8)
    with CaptureQueriesContext(connection) as large:
        assert officer_client.get(url, {"fy": "2019"}).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
