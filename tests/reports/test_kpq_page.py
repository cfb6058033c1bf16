"""The KPQ page in Reports: a KPQ's performance measures, the award KPIs that evidence it with
their latest actuals, and the committed spend answering it (figures worked out by hand)."""

from __future__ import annotations

import datetime
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
from ..factories.delivery import (
    ActivityFactory,
    DeliveryPlanFactory,
    MetricFactory,
    MetricValueFactory,
    ObjectiveFactory,
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
        metric = MetricFactory(kpq=kpq)
        MetricValueFactory(metric=metric, comparison_value=Decimal("50"))
        MetricValueFactory(metric=metric)
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


def test_kpq_page_lists_the_delivery_metrics_that_answer_it(board_client, kpq):
    """Two metrics of plan FDP-K answer KPQ3: the objective's satisfaction (percent, higher is
    better) went from 60 to 56.7, down 3.3 points: worse; the activity's repeat victims (count,
    higher is worse) were 40 against 50, down 10: improved. A metric of another KPQ is not
    listed; one still being defined says so."""
    plan = DeliveryPlanFactory(reference="FDP-K", title="Force Delivery Plan")
    objective = ObjectiveFactory(plan_priority__plan=plan, number="1.1")
    activity = ActivityFactory(objective=objective, number="1.1.2")
    satisfaction = MetricFactory(objective=objective, name="Satisfied with the service", kpq=kpq)
    MetricValueFactory(metric=satisfaction, as_at=datetime.date(2019, 3, 31), value=Decimal("60"))
    MetricValueFactory(
        metric=satisfaction, as_at=datetime.date(2019, 9, 30), value=Decimal("56.7"), comparison_value=Decimal("60")
    )
    repeat = MetricFactory(
        objective=None, activity=activity, name="Repeat victims", unit="count", direction="higher_is_worse", kpq=kpq
    )
    MetricValueFactory(metric=repeat, value=Decimal("40"), comparison_value=Decimal("50"))
    MetricFactory(objective=objective, name="Being worked out", kpq=kpq, being_defined=True)
    MetricFactory(objective=objective, name="About another KPQ", kpq=KPQFactory(number=9))

    rows = {
        row.metric.name: (row.value_text, row.difference_text, row.verdict)
        for row in selectors.kpq_page(kpq, fy=2019).delivery_metrics
    }
    assert rows == {
        "Satisfied with the service": ("56.7%", "down 3.3 percentage points", "worse"),
        "Repeat victims": ("40", "down 10", "better"),
        "Being worked out": ("–", "", ""),
    }
    page = board_client.get(reverse("reports:kpq", args=[kpq.pk])).content.decode()
    assert "Delivery plan metrics that answer this KPQ" in page
    assert "Down 3.3 percentage points on 60%: <strong>worse</strong>" in page
    assert "Down 10 on 50: <strong>improved</strong>" in page
    assert "Objective 1.1" in page and "Activity 1.1.2" in page and "Still being defined" in page
    assert "About another KPQ" not in page


# The KPQ index ---------------------------------------------------------------------------------------


@pytest.fixture
def index_case(kpq, case):
    """On top of ``case`` (KPQ3: A 15,000.50 and B 2,500 in 2019/20; A 7,000 in 2020/21; the
    measure "Victim satisfaction": 2019 81.5 target 85, 2019-Q1 79): KPQ4 named by award A and
    by a new active award C (2019/20: 400); a second measure of KPQ3 with only a 2020/21 Q2 value
    of 60 and a 2019/20 Q3 value of 70; KPQ5 with nothing."""
    kpq4 = KPQFactory(outcome=kpq.outcome, number=4, question="Is reoffending falling?")
    case["a"].kpqs.add(kpq4)
    _award(kpq4, AwardStatus.ACTIVE, [(2019, "400.00")], reference="KPQ-C")
    KPQFactory(outcome=kpq.outcome, number=5, question="Nothing yet?")
    second = outcomes_services.measure_create(actor=None, kpq=kpq, name="Cases closed")
    outcomes_services.measure_value_set(actor=None, measure=second, period="2020-Q2", value="60")
    outcomes_services.measure_value_set(actor=None, measure=second, period="2019-Q3", value="70")
    return {"kpq4": kpq4}


def _rows(fy: int) -> dict[int, tuple]:
    return {
        row.kpq.number: (
            row.spend,
            row.awards,
            [
                (measure.name, measure.latest_value, measure.latest_target, measure.latest_label)
                for measure in row.measures
            ],
        )
        for _outcome, rows in selectors.kpq_index(fy=fy)
        for row in rows
    }


def test_kpq_index_figures_worked_by_hand(index_case):
    # 2019/20. KPQ3: 15,000.50 + 2,500 from A and B (the planned award and the one not naming
    # KPQ3 count for nothing). KPQ4: A's 15,000.50 + C's 400 = 15,400.50 from 2 awards.
    # Measures up to 2019/20: satisfaction's whole-year value (not its Q1); "Cases closed" its
    # 2019/20 Q3 value, as its 2020/21 value is later than the year shown.
    rows = _rows(2019)
    assert rows[3] == (
        Decimal("17500.50"),
        2,
        [
            ("Cases closed", Decimal("70"), None, "2019/20 Q3"),
            ("Victim satisfaction", Decimal("81.5"), Decimal("85"), "2019/20"),
        ],
    )
    assert rows[4] == (Decimal("15400.50"), 2, [])
    assert rows[5] == (Decimal("0.00"), 0, [])
    # 2020/21: only A's 7,000 line; "Cases closed" now at its 2020/21 Q2 value.
    later = _rows(2020)
    assert later[3][:2] == (Decimal("7000.00"), 1) and later[4][:2] == (Decimal("7000.00"), 1)
    assert later[3][2][0] == ("Cases closed", Decimal("60"), None, "2020/21 Q2")


def test_kpq_index_page_shows_spend_awards_and_measures(board_client, kpq, index_case):
    page = board_client.get(reverse("reports:kpq_index"), {"fy": "2019"}).content.decode()
    assert "Key performance questions, 2019/20" in page
    assert f"{reverse('reports:kpq', args=[kpq.pk])}?fy=2019" in page
    assert "£17,501" in page and "£15,401" in page  # whole pounds on pages
    assert "Victim satisfaction: 81.5% in 2019/20 (target 85%)" in page
    assert "Cases closed: 70 in 2019/20 Q3" in page
    assert "No measures set" in page


def test_kpq_index_query_count_is_flat(officer_client, kpq, django_assert_max_num_queries):
    url = reverse("reports:kpq_index") + "?fy=2019"
    _add(kpq, 2)
    officer_client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert officer_client.get(url).status_code == 200
    for number in range(6, 12):
        _add(KPQFactory(outcome=kpq.outcome, number=number), 4)
    with django_assert_max_num_queries(len(small)):
        assert officer_client.get(url).status_code == 200
