"""Text is stored as entered and neutralised on output (docs/formats.md): EVERY registered export,
as CSV and as XLSX (JSON documents are no spreadsheet's business), writes text that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width
forms), ``|``, a tab or a carriage return with a leading apostrophe, so a spreadsheet shows it
instead of running it.

The exports are found through the registry (``interchange.exporters()``), so one added later
is checked without touching this file. The data seeds such text into every kind of name a
table shows: provider, award title and reference, stream, priority, decision, payment
references and reasons, a return's narrative and a KPI's name.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal, InvalidOperation

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from grants.models import AwardKind, AwardStatus, DecisionStatus
from pcc_commissioning.interchange.exports import EXPORT_FORMATS, exporters, run_export
from tests.factories import (
    ApplicantOrganisationFactory,
    ApplicationFactory,
    AreaFactory,
    AwardFactory,
    DecisionFactory,
    FundingLineFactory,
    FundingStreamFactory,
    MonitoringReturnFactory,
    PaymentFactory,
    RoundFactory,
)
from tests.factories.after_decision_exports import RecoveryRowFactory, VariationRowFactory
from tests.factories.delivery import (
    ActivityFactory,
    ComplianceFigureFactory,
    DeliveryPlanFactory,
    ObjectiveFactory,
    PlanPriorityFactory,
)
from tests.factories.monitoring import AwardKPIFactory, ReturnKPIValueFactory
from tests.factories.outcomes import CommissioningPriorityFactory
from tests.factories.providers import OrganisationFactory

FY = 2019
# Written out here rather than imported, so the test checks the module's list, not itself.
FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "\uff1d", "\uff0b", "\uff0d", "\uff20", "\t", "\r")
DANGEROUS = {
    "provider": '=HYPERLINK("http://attacker.example","Click")',
    "title": "+cmd|' /C calc'!A0",
    "reference": "-2+3-AWD",
    "stream": "@SUM(1+1)*cmd|' /C calc'!A0",
    "priority": "=1+1 priority",
    "decision": '=WEBSERVICE("http://attacker.example")',
    "invoice": "|cmd /C calc",
    "po": "\uff0bPO-1",  # full-width plus
    "reason": "\uff0dreason",  # full-width minus
    "narrative": "\uff1d1+2 narrative",  # full-width equals
    "kpi": "\uff20kpi",  # full-width at
}


@pytest.fixture
def seeded(db):
    provider = OrganisationFactory(name=DANGEROUS["provider"])
    priority = CommissioningPriorityFactory(code="PX", name=DANGEROUS["priority"])
    stream = FundingStreamFactory(name=DANGEROUS["stream"], source=provider)
    decision = DecisionFactory(
        reference="PCC-2019-900",
        subject=DANGEROUS["decision"],
        status=DecisionStatus.PUBLISHED,
        decided_on=datetime.date(2019, 6, 1),
        signed_at=timezone.now(),
        published_on=datetime.date(2019, 6, 2),
        summary=DANGEROUS["decision"],
    )
    awards = []
    for number, kind in enumerate((AwardKind.GRANT, AwardKind.CONTRACT)):
        award = AwardFactory(
            reference=f"{DANGEROUS['reference']}{number}",
            title=DANGEROUS["title"],
            provider=provider,
            priority=priority,
            kind=kind,
            status=AwardStatus.ACTIVE,
        )
        if hasattr(award, "decision_id"):
            award.decision = decision
            award.save(update_fields=["decision"])
        FundingLineFactory(award=award, stream=stream, fy=FY, amount=Decimal("60000.00"))
        PaymentFactory(
            award=award,
            stream=stream,
            fy=FY,
            amount=Decimal("1500.00"),
            due_date=datetime.date(2019, 6, 30),
            paid_date=datetime.date(2019, 7, 1),
            invoice_reference=DANGEROUS["invoice"],
            po_number=DANGEROUS["po"],
            reason=DANGEROUS["reason"],
        )
        awards.append(award)
    _seed_round(stream=stream, priority=priority)
    ret = MonitoringReturnFactory(award=awards[0], submitted=True, narrative=DANGEROUS["narrative"])
    ReturnKPIValueFactory(
        monitoring_return=ret, kpi=AwardKPIFactory(award=awards[0], name=DANGEROUS["kpi"]), value=Decimal("3")
    )
    ComplianceFigureFactory(body=provider, fy=FY)  # a criminal justice body's Victims' Code figure
    VariationRowFactory(award=awards[0], reference=f"{DANGEROUS['reference']}0-V1", reason=DANGEROUS["reason"])
    RecoveryRowFactory(award=awards[0], reference=f"{DANGEROUS['reference']}0-R1", stream=stream, fy=FY)
    _seed_plan()
    return awards


ROUND = "RND-NEUTRAL"
PLAN = "FDP-NEUTRAL"


def _seed_plan() -> None:
    """A delivery plan whose activity and lead carry formula text, for the delivery_plan export."""
    plan = DeliveryPlanFactory(reference=PLAN, fy=FY)
    objective = ObjectiveFactory(plan_priority=PlanPriorityFactory(plan=plan, title=DANGEROUS["title"]), number="1.1")
    ActivityFactory(objective=objective, number="1.1.1", title=DANGEROUS["narrative"], lead=DANGEROUS["provider"])


def _seed_round(*, stream, priority) -> None:
    """A round whose applicant and area carry formula text, for the exports about one round."""
    round = RoundFactory(reference=ROUND, funding_stream=stream, priority=priority, fy=FY)
    area = AreaFactory(name=DANGEROUS["narrative"])
    applicant = ApplicantOrganisationFactory(name=DANGEROUS["provider"])
    application = ApplicationFactory(round=round, organisation=applicant, title=DANGEROUS["title"])
    application.areas.add(area)


def _options(kind: str) -> dict[str, str]:
    options = exporters()[kind].options
    return {name: value for name, value in (("round", ROUND), ("plan", PLAN)) if name in options}


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row]


def _xlsx_cells(data: bytes) -> list[tuple[str, object]]:
    workbook = load_workbook(io.BytesIO(data))
    return [
        (cell.data_type, cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


# Exports with no free-text column (months and amounts only).
WITHOUT_NAMES = {"finance_by_month"}
EXPORTS = [
    (kind, format)
    for kind, spec in sorted(exporters().items())
    for format in spec.formats
    if format in EXPORT_FORMATS  # the spreadsheet formats
]


def test_every_export_is_checked():
    kinds = {kind for kind, _ in EXPORTS}
    assert {"awards", "payments", "commitments", "returns", "round_results", "round_report"} <= kinds
    assert {format for _, format in EXPORTS} == {"csv", "xlsx"}


@pytest.mark.parametrize("kind, format", EXPORTS, ids=[f"{kind}-{format}" for kind, format in EXPORTS])
def test_formula_text_is_written_with_a_leading_apostrophe(seeded, kind, format):
    output = io.BytesIO()
    run_export(kind, format=format, output=output, fy=FY, options=_options(kind))
    data = output.getvalue()
    if format == "csv":
        texts = _csv_cells(data)
        unguarded = [text for text in texts if text.startswith(FORMULA_PREFIXES) and not _is_number(text)]
    else:
        cells = _xlsx_cells(data)
        texts = [value for data_type, value in cells if isinstance(value, str)]
        # Formulas are only the totals rows' sums, which the exporter writes itself.
        unguarded = [
            value
            for data_type, value in cells
            if isinstance(value, str)
            and value.startswith(FORMULA_PREFIXES)
            and not (data_type == "f" and value.startswith("=SUM("))
        ]
    assert unguarded == [], f"{kind} ({format}) writes formula text unguarded"
    guarded = [text for text in texts if text.startswith("'") and text[1:] in _all_dangerous_forms()]
    if kind not in WITHOUT_NAMES:
        assert guarded, (
            f"{kind} ({format}) shows none of the seeded text: seed what it shows in ``seeded``, "
            "or add it to WITHOUT_NAMES if it has no text columns"
        )


def _all_dangerous_forms() -> set[str]:
    forms = set(DANGEROUS.values())
    forms |= {f"{DANGEROUS['reference']}{number}" for number in range(2)}
    forms |= {f"kpi:{DANGEROUS['kpi']}"}
    return forms


@pytest.mark.parametrize("kind", ["awards", "payments", "commitments", "returns"])
def test_the_main_exports_show_the_seeded_text_guarded(seeded, kind):
    output = io.BytesIO()
    run_export(kind, format="csv", output=output, fy=FY)
    texts = _csv_cells(output.getvalue())
    assert any(text.startswith("'") and text[1:] in _all_dangerous_forms() for text in texts)
