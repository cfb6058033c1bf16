"""The Police and Crime Panel report: figures, victim protection, PDF quality, flat queries."""

import contextlib
import datetime
import re
import shutil
import subprocess
import zlib
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import AwardStatus
from outcomes.models import PerformanceMeasure
from reports.engine.registry import REPORT_KINDS
from reports.panel.report import build_panel_report, gather_panel_data, published_count, render_panel_html
from rounds.models import ApplicationStatus, RoundStatus
from tests.factories.grants import (
    AwardFactory,
    DecisionFactory,
    FundingLineFactory,
    FundingStreamFactory,
    PaymentFactory,
    PriorityBudgetFactory,
)
from tests.factories.monitoring import MonitoringReturnFactory
from tests.factories.outcomes import CommissioningPriorityFactory, KPQFactory
from tests.factories.rounds import RoundFactory
from tests.rounds.scored import ineligible, scored_application, scored_round

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def _pdf_info(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def small_dataset():
    """Hand-computed 2019/20:
    Alpha victims: budget £100,000; committed £60,000 + £15,000 = £75,000; paid £25,000.
    Beta reoffending: budget £50,000; committed £30,000; paid nothing.
    Outputs in H1 (accepted returns): Alpha referrals 3 (shown <5) and supported 0;
    Beta referrals 12, supported 10 over Q1 and Q2 (7+5 and 6+4)."""
    alpha = CommissioningPriorityFactory(code="ZA", name="Alpha victims", sort_order=90)
    beta = CommissioningPriorityFactory(code="ZB", name="Beta reoffending", sort_order=91)
    PriorityBudgetFactory(priority=alpha, fy=2019, amount=Decimal("100000"))
    PriorityBudgetFactory(priority=beta, fy=2019, amount=Decimal("50000"))
    stream = FundingStreamFactory(name="Zeta victims grant")
    decision = DecisionFactory(
        reference="PCC-2019-777",
        subject="Grant for the Alpha helpline",
        status="signed",
        decided_on=datetime.date(2019, 5, 14),
    )
    a1 = AwardFactory(
        reference="AWD-A1",
        title="Alpha helpline",
        priority=alpha,
        status=AwardStatus.ACTIVE,
        decision=decision,
        start_date=datetime.date(2019, 6, 1),
        end_date=datetime.date(2020, 5, 31),
        purpose="Victims get help quickly",
        approach="A phone line staffed daily",
    )
    a2 = AwardFactory(
        reference="AWD-A2",
        title="Alpha outreach",
        priority=alpha,
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2018, 4, 1),
        end_date=datetime.date(2022, 3, 31),
    )
    b1 = AwardFactory(
        reference="AWD-B1",
        title="Beta mentoring",
        priority=beta,
        status=AwardStatus.ACTIVE,
        start_date=datetime.date(2018, 4, 1),
        end_date=datetime.date(2022, 3, 31),
    )
    kpq = KPQFactory(number=41, question="How quickly are victims helped?")
    a1.kpqs.add(kpq)
    PerformanceMeasure.objects.create(kpq=kpq, name="Days from referral to first contact")
    FundingLineFactory(award=a1, stream=stream, fy=2019, amount=Decimal("60000"))
    FundingLineFactory(award=a2, stream=stream, fy=2019, amount=Decimal("15000"))
    FundingLineFactory(award=b1, stream=stream, fy=2019, amount=Decimal("30000"))
    PaymentFactory(award=a1, stream=stream, fy=2019, amount=Decimal("25000"), paid_date=datetime.date(2019, 7, 1))
    MonitoringReturnFactory(
        award=a1,
        quarter=1,
        accepted=True,
        referrals=3,
        supported=0,
        case_study="Jane Doe from Durham was helped",
        case_study_consent=True,
    )
    MonitoringReturnFactory(award=b1, quarter=1, accepted=True, referrals=7, supported=6)
    MonitoringReturnFactory(
        award=b1, quarter=2, accepted=True, referrals=5, supported=4, rag="red", rag_comment="Mentors left; recruiting"
    )
    # Not in H1: a Q3 return, and a submitted (not accepted) one.
    MonitoringReturnFactory(award=b1, quarter=3, accepted=True, referrals=100, supported=100)
    MonitoringReturnFactory(award=a2, quarter=2, submitted=True, referrals=50, supported=50)
    return {"alpha": alpha, "beta": beta}


def _line(text: str, label: str) -> str:
    return " ".join(next(line for line in text.splitlines() if line.strip().startswith(label)).split())


def test_published_count_hides_small_numbers_but_not_zero(settings):
    settings.PUBLISHED_COUNT_THRESHOLD = 5
    assert [published_count(n) for n in (0, 1, 4, 5, 1234)] == ["0", "<5", "<5", "5", "1,234"]
    settings.PUBLISHED_COUNT_THRESHOLD = 10
    assert published_count(9) == "<10"


@needs_poppler
def test_pdf_shows_the_hand_computed_figures(small_dataset, tmp_path):
    pdf, filename = build_panel_report(fy=2019, period="H1")
    assert filename == "panel-report-2019-20-H1.pdf"
    text = _pdf_text(pdf, tmp_path)
    flat = " ".join(text.split())
    assert "Commissioning report to the Police and Crime Panel" in flat
    assert "H1 2019/20 (April to September 2019)" in flat
    # Budget, committed, paid in H1 and paid to date at 30 September per priority (the budget
    # table is the first one naming them); H1 opens the year, so the two paid figures agree.
    assert _line(text, "Alpha victims") == "Alpha victims £100,000 £75,000 £25,000 £25,000"
    assert _line(text, "Beta reoffending") == "Beta reoffending £50,000 £30,000 £0 £0"
    assert "Zeta victims grant" in flat
    # Awards made in the period with their decision.
    assert "PCC-2019-777: Grant for the Alpha helpline" in flat
    # Red award with the officer's comment.
    assert "Mentors left; recruiting" in flat
    # Headline outputs: referrals 3 -> "<5", supported 0 stays 0; Beta 12 and 10 (Q3 and the
    # submitted-only return are left out).
    outputs = text[text.index("Referrals and victims supported by priority") :]
    assert _line(outputs, "Alpha victims") == "Alpha victims <5 0"
    assert _line(outputs, "Beta reoffending") == "Beta reoffending 12 10"
    # KPQ coverage: the spend of the awards answering it, and its measures.
    assert "KPQ41: How quickly are victims helped? £60,000 0 Days from referral to first contact" in flat
    # Delivery plan appendix.
    assert "Victims get help quickly" in flat and "A phone line staffed daily" in flat
    assert "No MoJ return has been prepared for this period yet." in flat
    # No case-study text, ever.
    assert "Jane Doe" not in flat


@needs_poppler
def test_pdf_is_tagged_with_title_language_and_embedded_fonts(small_dataset, tmp_path):
    pdf, _ = build_panel_report(fy=2019, period="Q1")
    info = _pdf_info(pdf, tmp_path)
    assert "Tagged:          yes" in info
    assert (
        "Title:           Commissioning report to the Police and Crime Panel: Q1 2019/20 (April to June 2019)" in info
    )
    assert "(A4)" in info
    objects = _pdf_objects(pdf)
    assert b"/Lang (en-GB)" in objects
    assert b"pdfuaid:part" in objects  # declared PDF/UA-1 in the XMP metadata
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    font_rows = fonts.splitlines()[2:]
    assert font_rows and all(" yes " in row for row in font_rows)


def test_progress_is_reported_up_to_100():
    steps = []
    build_panel_report(fy=2019, period="FY", progress=lambda pct, step: steps.append(pct))
    assert steps == sorted(steps) and steps[0] >= 10 and steps[-1] == 100


def test_unknown_period_is_refused():
    with pytest.raises(ValueError, match="Unknown period"):
        gather_panel_data(fy=2019, period="Q5")


def test_registered_as_the_panel_kind():
    kind = REPORT_KINDS["panel"]
    assert kind.build is build_panel_report
    form = kind.parameters_form(data={"fy": "2019", "period": "H1"})
    # The year must be one the register has data for; with none, the form refuses it.
    assert not form.is_valid() or form.cleaned_data == {"fy": 2019, "period": "H1"}


def test_gathering_takes_the_same_number_of_queries_at_two_sizes(small_dataset):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            data = gather_panel_data(fy=2019, period="H1")
            # Touch what the templates read, so lazy loads would show.
            for row in data.delivery_plan:
                list(row["award"].kpqs.all())
            for ret in data.flagged:
                ret.award.provider.name
            for intention in data.must_do:
                intention.award_count
        return len(queries)

    small = count()
    stream = FundingStreamFactory()
    for n in range(6):
        award = AwardFactory(
            priority=small_dataset["alpha" if n % 2 else "beta"],
            status=AwardStatus.ACTIVE,
            decision=DecisionFactory(decided_on=datetime.date(2019, 6, 1)),
        )
        FundingLineFactory(award=award, stream=stream, fy=2019)
        MonitoringReturnFactory(award=award, quarter=2, accepted=True, rag="amber", rag_comment="Behind")
    assert count() == small


# A report true to its period ------------------------------------------------------------------------
#
# 2019/20. Priorities: Victims (budget 100,000), Reoffending (budget 40,000). Streams: "MoJ core"
# (reported to the MoJ, allocation 50,000) and "Local precept" (allocation 60,000).
#
#   award  priority     lines 2019/20                       timeline (UK time)
#   V1     Victims      MoJ core 30,000 + precept 10,000    awarded 1 Mar 2019, active 1 Apr 2019
#   V2     Victims      MoJ core 12,000                     planned 1 Mar 2019, awarded 15 Aug 2019
#   R1     Reoffending  precept 20,000                      awarded 1 Mar 2019, active 1 Apr 2019
#
# Payments counted against 2019/20:
#   V1 MoJ  5,000 paid 28 Mar 2019 (in advance)   V1 MoJ 7,500 paid 30 Jun 2019
#   V1 MoJ  7,500 paid 2 Aug 2019                 V1 precept 2,500 paid 1 Jul 2019
#   R1 prec 5,000 paid 15 May 2019                V2 MoJ 3,000 paid 30 Sep 2019
#   V1 MoJ  4,000 paid 1 Oct 2019 (H2)            R1 precept 1,000 paid 3 Feb 2020 (H2)
#
# Q1 (stands at 30 June 2019): V2 was still planned.
#   committed  Victims 40,000 (V1); Reoffending 20,000 (R1)   MoJ core 30,000; precept 30,000
#   paid in Q1 = paid to date: MoJ core 5,000 + 7,500 = 12,500; precept 5,000 (R1)
#              Victims 12,500; Reoffending 5,000; total 17,500 (not August's 7,500 nor July's 2,500)
# H1 (stands at 30 September 2019): V2 awarded on 15 August.
#   committed  Victims 40,000 + 12,000 = 52,000; Reoffending 20,000   MoJ core 42,000; precept 30,000
#   paid in H1 = paid to date: MoJ core 5,000 + 7,500 + 7,500 + 3,000 = 23,000; precept 5,000 + 2,500
#              = 7,500; Victims 23,000 + 2,500 = 25,500; Reoffending 5,000; total 30,500
#              (not 1 October's 4,000 nor February's 1,000)
#   MoJ H1 return, MoJ core: allocation 50,000, committed 42,000, paid in H1 23,000, paid to date
#              23,000, unspent 50,000 − 23,000 = 27,000
# Outputs (accepted returns): Q1 V1 9 referrals / 6 supported, R1 7 / 5; Q2 V1 11 / 8.


def _utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def _timeline(award, *steps):
    from tests.factories.grants import AwardTransitionFactory

    previous = ""
    for moment, status in steps:
        AwardTransitionFactory(award=award, from_status=previous, to_status=status, at=moment)
        previous = status


@pytest.fixture
def period_dataset():
    from outcomes.models import CodeList, CodeListEntry
    from tests.factories.grants import StreamAllocationFactory
    from tests.factories.providers import OrganisationFactory

    victims = CommissioningPriorityFactory(code="PV", name="Victims", sort_order=80)
    reoffending = CommissioningPriorityFactory(code="PR", name="Reoffending", sort_order=81)
    PriorityBudgetFactory(priority=victims, fy=2019, amount=Decimal("100000"))
    PriorityBudgetFactory(priority=reoffending, fy=2019, amount=Decimal("40000"))
    moj = FundingStreamFactory(name="MoJ core", moj_reported=True, source=OrganisationFactory(name="MoJ"))
    precept = FundingStreamFactory(name="Local precept")
    StreamAllocationFactory(stream=moj, fy=2019, amount=Decimal("50000"))
    StreamAllocationFactory(stream=precept, fy=2019, amount=Decimal("60000"))
    category = CodeListEntry.objects.get(list=CodeList.MOJ_CATEGORY, code="general_support")
    kpq = KPQFactory(number=51, question="Are victims supported?")

    v1 = AwardFactory(
        reference="V1", title="Victim hub", priority=victims, status=AwardStatus.ACTIVE, moj_category=category
    )
    v2 = AwardFactory(
        reference="V2",
        title="ISVA service",
        priority=victims,
        status=AwardStatus.AWARDED,
        moj_category=category,
        start_date=datetime.date(2019, 8, 15),
    )
    r1 = AwardFactory(reference="R1", title="Mentoring", priority=reoffending, status=AwardStatus.ACTIVE)
    v1.kpqs.add(kpq)
    v2.kpqs.add(kpq)
    _timeline(v1, (_utc(2019, 3, 1, 9), AwardStatus.AWARDED), (_utc(2019, 4, 1, 9), AwardStatus.ACTIVE))
    _timeline(v2, (_utc(2019, 3, 1, 9), AwardStatus.PLANNED), (_utc(2019, 8, 15, 9), AwardStatus.AWARDED))
    _timeline(r1, (_utc(2019, 3, 1, 9), AwardStatus.AWARDED), (_utc(2019, 4, 1, 9), AwardStatus.ACTIVE))
    for award, stream, amount in (
        (v1, moj, "30000"),
        (v1, precept, "10000"),
        (v2, moj, "12000"),
        (r1, precept, "20000"),
    ):
        FundingLineFactory(award=award, stream=stream, fy=2019, amount=Decimal(amount))
    for award, stream, amount, day in (
        (v1, moj, "5000", datetime.date(2019, 3, 28)),
        (v1, moj, "7500", datetime.date(2019, 6, 30)),
        (v1, moj, "7500", datetime.date(2019, 8, 2)),
        (v1, precept, "2500", datetime.date(2019, 7, 1)),
        (r1, precept, "5000", datetime.date(2019, 5, 15)),
        (v2, moj, "3000", datetime.date(2019, 9, 30)),
        (v1, moj, "4000", datetime.date(2019, 10, 1)),
        (r1, precept, "1000", datetime.date(2020, 2, 3)),
    ):
        PaymentFactory(award=award, stream=stream, fy=2019, amount=Decimal(amount), due_date=day, paid_date=day)
    MonitoringReturnFactory(award=v1, quarter=1, accepted=True, referrals=9, supported=6)
    MonitoringReturnFactory(award=r1, quarter=1, accepted=True, referrals=7, supported=5)
    MonitoringReturnFactory(award=v1, quarter=2, accepted=True, referrals=11, supported=8)
    return {"moj": moj, "precept": precept, "v1": v1, "v2": v2, "r1": r1}


def _row(rows, name):
    """The stream or priority row called ``name``."""
    return next(row for row in rows if (row.stream if hasattr(row, "stream") else row.priority).name == name)


def _money(row):
    return (row.committed, row.paid_in_period, row.paid_to_date)


def test_q1_report_stands_at_30_june(period_dataset):
    data = gather_panel_data(fy=2019, period="Q1")
    f = data.funding
    assert (f.as_at, f.committed_label, f.paid_in_period_label, f.paid_to_date_label) == (
        datetime.date(2019, 6, 30),
        "Committed at 30 June 2019",
        "Paid in Q1 2019/20",
        "Paid to date at 30 June 2019",
    )
    D = Decimal
    assert _money(_row(f.priorities, "Victims")) == (D("40000"), D("12500"), D("12500"))
    assert _money(_row(f.priorities, "Reoffending")) == (D("20000"), D("5000"), D("5000"))
    assert _money(_row(f.streams, "MoJ core")) == (D("30000"), D("12500"), D("12500"))
    assert _money(_row(f.streams, "Local precept")) == (D("30000"), D("5000"), D("5000"))
    assert (f.totals.paid_in_period, f.totals.paid_to_date) == (D("17500"), D("17500"))
    # V2 was planned at the end of Q1: its 12,000 is planned, its KPQ spend not committed.
    assert _row(f.priorities, "Victims").planned == D("12000")
    assert next(row["spend"] for row in data.kpqs if row["kpq"].number == 51) == D("40000")
    assert [
        (row["award"].reference, row["spend"])
        for row in data.delivery_plan
        if row["award"].reference in ("V1", "V2", "R1")
    ] == [("V1", D("40000")), ("R1", D("20000"))]
    # Outputs: the accepted returns of Q1 only.
    assert [
        (row.name, row.referrals, row.supported) for row in data.outputs if row.name in ("Victims", "Reoffending")
    ] == [("Victims", 9, 6), ("Reoffending", 7, 5)]


def test_q2_report_counts_only_what_was_paid_in_q2(period_dataset):
    # Paid in Q2 (1 July to 30 September): MoJ core 7,500 (2 Aug) + 3,000 (30 Sep) = 10,500, not
    # March's advance nor 30 June's; precept 2,500 (1 Jul). To date at 30 September as in H1.
    f = gather_panel_data(fy=2019, period="Q2").funding
    D = Decimal
    assert _money(_row(f.streams, "MoJ core")) == (D("42000"), D("10500"), D("23000"))
    assert _money(_row(f.streams, "Local precept")) == (D("30000"), D("2500"), D("7500"))


def test_h1_report_stands_at_30_september(period_dataset):
    data = gather_panel_data(fy=2019, period="H1")
    f = data.funding
    D = Decimal
    assert _money(_row(f.priorities, "Victims")) == (D("52000"), D("25500"), D("25500"))
    assert _money(_row(f.priorities, "Reoffending")) == (D("20000"), D("5000"), D("5000"))
    assert _money(_row(f.streams, "MoJ core")) == (D("42000"), D("23000"), D("23000"))
    assert _money(_row(f.streams, "Local precept")) == (D("30000"), D("7500"), D("7500"))
    assert (f.totals.committed, f.totals.paid_in_period) == (D("72000"), D("30500"))
    assert [
        (row.name, row.referrals, row.supported) for row in data.outputs if row.name in ("Victims", "Reoffending")
    ] == [("Victims", 20, 14), ("Reoffending", 7, 5)]


def test_h1_funding_table_agrees_with_the_moj_section(period_dataset, officer):
    from reports.moj.services import moj_return_start

    moj_return_start(fy=2019, half=1, actor=officer)
    data = gather_panel_data(fy=2019, period="H1")
    (section,) = data.moj
    assert section["label"] == "H1 2019/20"
    (moj_core,) = section["streams"]
    table = _row(data.funding.streams, "MoJ core")
    # The same stream and half: every figure agrees (the return writes them as strings).
    assert (
        (
            Decimal(moj_core["allocation"]),
            Decimal(moj_core["committed"]),
            Decimal(moj_core["paid_half"]),
            Decimal(moj_core["paid_ytd"]),
            Decimal(moj_core["remaining"]),
        )
        == (
            table.allocation,
            table.committed,
            table.paid_in_period,
            table.paid_to_date,
            table.unspent,
        )
        == (Decimal("50000"), Decimal("42000"), Decimal("23000"), Decimal("23000"), Decimal("27000"))
    )
    assert (section["paid_half_label"], section["paid_ytd_label"]) == (
        "Paid in H1 2019/20",
        "Paid to date at 30 September 2019",
    )
    assert section["differences"] == []


def test_a_quarter_report_shows_the_moj_return_only_when_its_half_ends_in_it(period_dataset, officer):
    from reports.moj.services import moj_return_start

    moj_return_start(fy=2019, half=1, actor=officer)
    q1 = gather_panel_data(fy=2019, period="Q1")
    # H1 ends on 30 September, after Q1: its figures would count payments made after 30 June.
    assert q1.moj == [] and q1.moj_pending.code == "H1"
    q2 = gather_panel_data(fy=2019, period="Q2")
    assert [row["label"] for row in q2.moj] == ["H1 2019/20"] and q2.moj_pending is None
    assert [row["label"] for row in gather_panel_data(fy=2019, period="FY").moj] == ["H1 2019/20"]


def _money_figures(data) -> dict:
    """Every money figure (and list of awards) the report shows."""
    import dataclasses

    f = data.funding
    return {
        "as_at": f.as_at,
        "streams": [
            (r.stream.name, r.allocation, r.committed, r.planned, r.paid_in_period, r.paid_to_date) for r in f.streams
        ],
        "priorities": [
            (r.priority.name, r.budget, r.committed, r.planned, r.paid_in_period, r.paid_to_date, r.forecast)
            for r in f.priorities
        ],
        "totals": dataclasses.asdict(f.totals),
        "chart": data.budget_chart.rows,
        "kpqs": [(row["kpq"].number, row["spend"]) for row in data.kpqs],
        "delivery_plan": [(row["award"].reference, row["spend"]) for row in data.delivery_plan],
        "outputs": [(row.name, row.referrals, row.supported) for row in [*data.outputs, data.outputs_total]],
        "awards_made": [award.reference for award in data.awards_made],
        "awards_ending": [award.reference for award in data.awards_ending],
        "moj": [(row["label"], row["streams"], {k: v for k, v in row["totals"].items()}) for row in data.moj],
    }


@pytest.mark.parametrize("period", ["Q1", "H1"])
def test_generating_a_past_periods_report_again_gives_the_same_figures(period_dataset, officer, period):
    from grants.awards.services import award_transition
    from reports.moj.services import moj_return_start

    if period == "H1":
        moj_return_start(fy=2019, half=1, actor=officer)
    first = _money_figures(gather_panel_data(fy=2019, period=period))
    ds = period_dataset
    # Later payments, against the same year, paid after the period's end (a refund too).
    PaymentFactory(
        award=ds["v1"],
        stream=ds["moj"],
        fy=2019,
        amount=Decimal("900"),
        due_date=datetime.date(2019, 10, 2),
        paid_date=datetime.date(2019, 10, 2),
    )
    PaymentFactory(
        award=ds["r1"],
        stream=ds["precept"],
        fy=2019,
        amount=Decimal("-300"),
        reason="Underspend",
        due_date=datetime.date(2020, 1, 10),
        paid_date=datetime.date(2020, 1, 10),
    )
    # Later returns of later quarters.
    MonitoringReturnFactory(
        award=ds["v1"], quarter=3, accepted=True, referrals=40, supported=30, rag="red", rag_comment="Staff shortage"
    )
    MonitoringReturnFactory(award=ds["r1"], quarter=4, accepted=True, referrals=50, supported=45)
    # Later status changes, made today (long after the period): V1 cancelled, R1 ended, V2 active.
    award_transition(award=ds["v1"], actor=officer, to_status=AwardStatus.CANCELLED, note="Provider closed")
    award_transition(award=ds["r1"], actor=officer, to_status=AwardStatus.ENDED)
    award_transition(award=ds["v2"], actor=officer, to_status=AwardStatus.ACTIVE)
    again = _money_figures(gather_panel_data(fy=2019, period=period))
    assert again == first
    # While the register today does see the changes (the dashboard's current figures differ).
    from grants.funding.selectors import funding_summary
    from pcc_commissioning import clock

    today = funding_summary(fy=2019, as_at=clock.today())
    assert _row(today.streams, "MoJ core").committed == Decimal("12000")  # V1 cancelled now


@needs_poppler
def test_the_pdf_labels_each_figure_with_its_period_and_day(period_dataset, officer, tmp_path):
    from reports.moj.services import moj_return_start

    moj_return_start(fy=2019, half=1, actor=officer)
    pdf, _ = build_panel_report(fy=2019, period="Q1")
    flat = " ".join(_pdf_text(pdf, tmp_path).split())
    for label in ("Committed at 30 June 2019", "Paid in Q1 2019/20", "Paid to date at 30 June 2019"):
        assert label in flat
    assert "They stand at 30 June 2019, the last day of the period" in flat
    assert "The H1 2019/20 return runs to 30 September 2019, after this period ends" in flat
    assert "remaining" not in flat.lower()
    # Victims: budget 100,000, committed 40,000, paid in Q1 12,500, to date 12,500.
    budget = flat[flat.index("Budget, committed and paid by commissioning priority") :]
    assert "Victims £100,000 £40,000 £12,500 £12,500" in budget

    pdf, _ = build_panel_report(fy=2019, period="H1")
    flat = " ".join(_pdf_text(pdf, tmp_path).split())
    moj = flat[flat.index("7. Ministry of Justice return") :]
    assert "Paid in H1 2019/20" in moj and "Paid to date at 30 September 2019" in moj and "Unspent" in moj
    # The MoJ core row: allocation, committed, paid in H1, paid to date, unspent.
    assert "MoJ core £50,000 £42,000 £23,000 £23,000 £27,000" in moj


@needs_poppler
def test_a_signed_off_return_that_differs_from_the_register_says_so(period_dataset, officer, tmp_path):
    from django.utils import timezone

    from reports.models import MojReturn
    from reports.moj.figures import moj_return_figures

    MojReturn.objects.create(
        fy=2019,
        half=1,
        number=1,
        status="signed_off",
        figures=moj_return_figures(fy=2019, half=1),
        signed_off_name="Fay Finance",
        signed_off_role="Chief Finance Officer",
        signed_off_at=timezone.now(),
    )
    assert gather_panel_data(fy=2019, period="H1").moj[0]["differences"] == []
    # A payment of 20 September recorded after the sign-off: the register's H1 changes.
    PaymentFactory(
        award=period_dataset["v1"],
        stream=period_dataset["moj"],
        fy=2019,
        amount=Decimal("1000"),
        due_date=datetime.date(2019, 9, 20),
        paid_date=datetime.date(2019, 9, 20),
    )
    data = gather_panel_data(fy=2019, period="H1")
    assert data.moj[0]["differences"] == [
        "MoJ core, paid in the half: £23,000.00 signed off, £24,000.00 now.",
        "MoJ core, paid to date: £23,000.00 signed off, £24,000.00 now.",
        "MoJ core, unspent: £27,000.00 signed off, £26,000.00 now.",
    ]
    assert _row(data.funding.streams, "MoJ core").paid_in_period == Decimal("24000")
    pdf, _ = build_panel_report(fy=2019, period="H1")
    flat = " ".join(_pdf_text(pdf, tmp_path).split())
    assert "The register's figures for H1 2019/20 now differ from the signed-off return." in flat
    assert "MoJ core, paid in the half: £23,000.00 signed off, £24,000.00 now." in flat


# Grant rounds: the year's decided rounds with the figures of their own report -------------------


@pytest.fixture
def decided_round():
    """Round CSF-19 of 2019/20, decided: budget £20,000. A asks £12,000 and is funded (scores 9
    and 8: 85 out of 100, over the pass mark of 50, within the budget); B asks £10,000 and is
    not (scores 2 and 2); C asks £10,000 and is screened ineligible. So received 3, eligible 2,
    funded 1, requested £32,000, offered £12,000, success rate 1 of 3 = 33.3%."""
    round, criterion, members = scored_round(reference="CSF-19", name="Safer streets", fy=2019)
    scored_application(
        round, criterion, members, [9, 8], amount_requested=Decimal("12000"), status=ApplicationStatus.SUCCESSFUL
    )
    scored_application(
        round, criterion, members, [2, 2], amount_requested=Decimal("10000"), status=ApplicationStatus.UNSUCCESSFUL
    )
    ineligible(
        scored_application(
            round, criterion, members, [9, 9], amount_requested=Decimal("10000"), status=ApplicationStatus.UNSUCCESSFUL
        )
    )
    round.status = RoundStatus.DECIDED
    round.save()
    return round, criterion, members


def test_the_grant_rounds_section_shows_the_years_decided_rounds(small_dataset, decided_round, tmp_path):
    # Not shown: a round of the year still open, a cancelled one, and a decided round of the next year.
    RoundFactory(reference="OPEN-19", fy=2019, status=RoundStatus.PUBLISHED)
    RoundFactory(reference="GONE-19", fy=2019, status=RoundStatus.CANCELLED)
    RoundFactory(reference="NEXT-20", fy=2020, status=RoundStatus.RESULTS_PUBLISHED)
    data = gather_panel_data(fy=2019, period="H1")
    assert [report.round.reference for report in data.rounds] == ["CSF-19"]
    html = render_panel_html(data)
    assert "<caption>Grant rounds decided in 2019/20: applications, money asked for and offered</caption>" in html
    text = _pdf_text(build_panel_report(fy=2019, period="H1")[0], tmp_path)
    assert _line(text, "CSF-19") == "CSF-19: Safer streets 3 2 1 £32,000 £20,000 £12,000 33.3%"
    flat = " ".join(text.split())
    assert "8. Grant rounds" in flat and "OPEN-19" not in flat and "NEXT-20" not in flat and "GONE-19" not in flat


def test_without_a_decided_round_the_section_says_so(small_dataset):
    html = render_panel_html(gather_panel_data(fy=2019, period="FY"))
    assert "No grant round of 2019/20 has been decided yet." in html


def test_grant_rounds_take_the_same_queries_whatever_their_size(small_dataset, decided_round):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            render_panel_html(gather_panel_data(fy=2019, period="H1"))
        return len(queries)

    small = count()
    round, criterion, members = decided_round
    for n in range(12):
        scored_application(round, criterion, members, [n % 10, 5], status=ApplicationStatus.UNSUCCESSFUL)
    assert count() == small
    # Each further decided round of the year costs the five queries of its own report, and no more.
    other, criterion, members = scored_round(reference="CSF-19B", fy=2019, status=RoundStatus.RESULTS_PUBLISHED)
    for n in range(5):
        scored_application(other, criterion, members, [n, 5], status=ApplicationStatus.UNSUCCESSFUL)
    assert count() == small + 5
