"""The Police and Crime Panel report: figures, victim protection, PDF quality, flat queries."""

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
from reports.kinds import REPORT_KINDS
from reports.panel import build_panel_report, gather_panel_data, published_count
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
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
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
    decision = DecisionFactory(reference="PCC-2019-777", subject="Grant for the Alpha helpline", status="signed",
                               decided_on=datetime.date(2019, 5, 14))
    a1 = AwardFactory(reference="AWD-A1", title="Alpha helpline", priority=alpha, status=AwardStatus.ACTIVE,
                      decision=decision, start_date=datetime.date(2019, 6, 1), end_date=datetime.date(2020, 5, 31),
                      purpose="Victims get help quickly", approach="A phone line staffed daily")
    a2 = AwardFactory(reference="AWD-A2", title="Alpha outreach", priority=alpha, status=AwardStatus.ACTIVE,
                      start_date=datetime.date(2018, 4, 1), end_date=datetime.date(2022, 3, 31))
    b1 = AwardFactory(reference="AWD-B1", title="Beta mentoring", priority=beta, status=AwardStatus.ACTIVE,
                      start_date=datetime.date(2018, 4, 1), end_date=datetime.date(2022, 3, 31))
    kpq = KPQFactory(number=41, question="How quickly are victims helped?")
    a1.kpqs.add(kpq)
    PerformanceMeasure.objects.create(kpq=kpq, name="Days from referral to first contact")
    FundingLineFactory(award=a1, stream=stream, fy=2019, amount=Decimal("60000"))
    FundingLineFactory(award=a2, stream=stream, fy=2019, amount=Decimal("15000"))
    FundingLineFactory(award=b1, stream=stream, fy=2019, amount=Decimal("30000"))
    PaymentFactory(award=a1, stream=stream, fy=2019, amount=Decimal("25000"), paid_date=datetime.date(2019, 7, 1))
    MonitoringReturnFactory(award=a1, quarter=1, accepted=True, referrals=3, supported=0,
                            case_study="Jane Doe from Durham was helped", case_study_consent=True)
    MonitoringReturnFactory(award=b1, quarter=1, accepted=True, referrals=7, supported=6)
    MonitoringReturnFactory(award=b1, quarter=2, accepted=True, referrals=5, supported=4, rag="red",
                            rag_comment="Mentors left; recruiting")
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
    # Budget, committed, paid per priority (the budget table is the first one naming them).
    assert _line(text, "Alpha victims") == "Alpha victims £100,000 £75,000 £25,000"
    assert _line(text, "Beta reoffending") == "Beta reoffending £50,000 £30,000 £0"
    assert "Zeta victims grant" in flat
    # Awards made in the period with their decision.
    assert "PCC-2019-777: Grant for the Alpha helpline" in flat
    # Red award with the officer's comment.
    assert "Mentors left; recruiting" in flat
    # Headline outputs: referrals 3 -> "<5", supported 0 stays 0; Beta 12 and 10 (Q3 and the
    # submitted-only return are left out).
    outputs = text[text.index("Referrals and victims supported by priority"):]
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
    assert "Title:           Commissioning report to the Police and Crime Panel: Q1 2019/20 (April to June 2019)" in info
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
        award = AwardFactory(priority=small_dataset["alpha" if n % 2 else "beta"], status=AwardStatus.ACTIVE,
                             decision=DecisionFactory(decided_on=datetime.date(2019, 6, 1)))
        FundingLineFactory(award=award, stream=stream, fy=2019)
        MonitoringReturnFactory(award=award, quarter=2, accepted=True, rag="amber", rag_comment="Behind")
    assert count() == small
