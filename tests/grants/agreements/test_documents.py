"""The agreement's PDF and DOCX: built only from the figures it was issued with, stating its
version, date, terms, funding by year and stream, payments, monitoring, conditions and signatures."""

import contextlib
import datetime
import io
import re
import shutil
import subprocess
import zlib
from decimal import Decimal

import docx
import pytest
import time_machine

from grants.agreements import documents, services
from grants.models import AgreementKind, FundingLine, Variation, VariationKind
from tests.factories.agreements import AgreementTemplateFactory, award_to_agree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def agreement(officer):
    award = award_to_agree()
    template = AgreementTemplateFactory(name="Grant agreement 2019")
    with time_machine.travel(datetime.datetime(2019, 5, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        return services.agreement_issue(
            actor=officer, award=award, template=template, special_conditions="Keep ISVA training up to date."
        )


def _pdf_text(content: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "agreement.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def _docx_text(content: bytes) -> tuple[str, list[list[list[str]]]]:
    document = docx.Document(io.BytesIO(content))
    text = " ".join(paragraph.text for paragraph in document.paragraphs)
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    return text, tables


EXPECTED_TEXT = [
    "Grant agreement: Independent sexual violence advisers (AWD-2019-0042)",
    "Version 1, issued 7 May 2019",
    "Office of the Police and Crime Commissioner and Harbour Support Services",
    "We will pay up to £62,500.00 from 1 April 2019 to 31 March 2021.",
    "Schedule 1: funding",
    "Payments are made quarterly, in arrears",
    "Keep ISVA training up to date.",
    "Sam Signer",
    "Alex Lead",
]


def test_pdf_states_the_agreement(agreement, tmp_path):
    content = documents.agreement_pdf(agreement)
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content, tmp_path)
    for expected in EXPECTED_TEXT:
        assert expected in text, expected
    assert (
        "Funding by financial year Financial year Amount 2019/20 £30,000.00 2020/21 £32,500.00 Total £62,500.00" in text
    )
    assert "Core grant £5,000.00 Victims grant £57,500.00 Total £62,500.00" in text
    assert "1 July 2019 Victims grant 2019/20 £6,250.00" in text
    assert "Q2 2019/20 20 October 2019" in text
    assert "Victims supported 40 people Per quarter" in text


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams inflated."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def test_pdf_is_tagged_with_its_title_and_language(agreement, tmp_path):
    content = documents.agreement_pdf(agreement)
    assert b"/Lang (en-GB)" in _pdf_objects(content)
    if shutil.which("pdfinfo"):
        path = tmp_path / "info.pdf"
        path.write_bytes(content)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert "Tagged:          yes" in info
        assert (
            "Title:           Grant agreement: Independent sexual violence advisers (AWD-2019-0042), version 1" in info
        )


def test_docx_states_the_agreement(agreement):
    text, tables = _docx_text(documents.agreement_docx(agreement))
    for expected in EXPECTED_TEXT[:4] + ["Keep ISVA training up to date."]:
        assert expected in text, expected
    assert [
        ["Financial year", "Amount"],
        ["2019/20", "£30,000.00"],
        ["2020/21", "£32,500.00"],
        ["Total", "£62,500.00"],
    ] in tables
    assert [
        ["Funding stream", "Amount"],
        ["Core grant", "£5,000.00"],
        ["Victims grant", "£57,500.00"],
        ["Total", "£62,500.00"],
    ] in tables
    signatures = tables[-1]
    assert signatures[0] == ["For", "Name", "Signature", "Date"]
    assert signatures[1][:2] == ["Harbour Support Services", "Sam Signer"]
    assert signatures[2][:2] == ["Office of the Police and Crime Commissioner", "Alex Lead"]


def test_documents_come_from_the_figures_not_the_award(agreement, tmp_path):
    FundingLine.objects.filter(award=agreement.award, fy=2020).update(amount=Decimal("40000.00"))
    agreement.award.title = "Renamed service"
    agreement.award.save()
    agreement.refresh_from_db()
    text = _pdf_text(documents.agreement_pdf(agreement), tmp_path)
    assert "£62,500.00" in text and "£32,500.00" in text
    assert "£70,000.00" not in text and "Renamed service" not in text
    docx_text, tables = _docx_text(documents.agreement_docx(agreement))
    assert "Renamed service" not in docx_text
    assert ["2020/21", "£32,500.00"] in tables[0]


def test_a_variation_letter_prints_the_variation(officer, agreement, tmp_path):
    award = agreement.award
    variation = Variation.objects.create(
        award=award,
        reference="AWD-2019-0042-V1",
        kind=VariationKind.EXTENSION,
        reason="The service started late.",
        requested_on=datetime.date(2019, 9, 1),
        new_end_date=datetime.date(2021, 9, 30),
    )
    letter_template = AgreementTemplateFactory(
        name="Letter", kind=AgreementKind.VARIATION_LETTER, terms="Variation {{ variation_reference }}."
    )
    letter = services.agreement_issue(actor=officer, award=award, template=letter_template, variation=variation)
    text = _pdf_text(letter.pdf.read(), tmp_path)
    assert "Variation AWD-2019-0042-V1." in text
    assert "The variation" in text and "Time extension (no cost)" in text and "New end date 30 September 2021" in text
    assert letter.pdf.name.endswith("AWD-2019-0042-V1-variation_letter-v1.pdf")


def test_nothing_scheduled_is_said_in_words(officer, tmp_path):
    award = award_to_agree()
    award.payments.all().delete()
    award.kpis.all().delete()
    award.returns.all().delete()
    agreement = services.agreement_issue(actor=officer, award=award, template=AgreementTemplateFactory())
    text = _pdf_text(agreement.pdf.read(), tmp_path)
    assert "No payments were scheduled when this agreement was issued." in text
    assert "No monitoring returns were scheduled when this agreement was issued." in text
    assert "No key performance indicators were set when this agreement was issued." in text


@pytest.mark.parametrize(
    ("target", "unit", "expected"),
    [("85", "%", "85%"), ("19", "people", "19 people"), ("4", "", "4"), ("", "people", "No target")],
)
def test_a_kpi_target_reads_as_people_write_it(target, unit, expected):
    from grants.agreements.documents import target_words

    assert target_words({"target": target, "unit": unit}) == expected
