"""``manage.py generate_report agreement``: the award's latest agreement as issued, PDF or DOCX;
an unknown award or one with no agreement is refused with one line."""

import io
from decimal import Decimal

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from grants.agreements import services
from grants.models import FundingLine
from tests.factories.agreements import AgreementTemplateFactory, award_to_agree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def award(organisation):
    return award_to_agree(provider=organisation)


@pytest.fixture
def issued(award):
    template = AgreementTemplateFactory(name="Grant agreement 2019")
    services.agreement_issue(actor=None, award=award, template=template)
    return services.agreement_issue(actor=None, award=award, template=template)


def test_writes_the_latest_agreement_as_issued(tmp_path, award, issued):
    FundingLine.objects.filter(award=award, fy=2020).update(amount=Decimal("40000.00"))  # after issue
    output = tmp_path / "agreement.pdf"
    call_command("generate_report", "agreement", "--award", "AWD-2019-0042", "--output", str(output), verbosity=0)
    assert output.read_bytes() == issued.pdf.read()


def test_writes_the_docx(tmp_path, issued):
    output = tmp_path / "agreement.docx"
    call_command(
        "generate_report", "agreement", "--award", "AWD-2019-0042", "--format", "docx", "--output", str(output)
    )
    document = docx.Document(io.BytesIO(output.read_bytes()))
    text = " ".join(paragraph.text for paragraph in document.paragraphs)
    assert "Version 2, issued" in text
    tables = [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]
    assert ["2020/21", "£32,500.00"] in tables[0]


def test_rebuilds_a_missing_file_from_the_figures(tmp_path, issued):
    issued.pdf.delete(save=False)
    output = tmp_path / "agreement.pdf"
    call_command("generate_report", "agreement", "--award", "AWD-2019-0042", "--output", str(output), verbosity=0)
    assert output.read_bytes().startswith(b"%PDF-")


def test_a_withdrawn_latest_version_gives_the_one_before(tmp_path, award, issued):
    services.agreement_withdraw(actor=None, agreement=issued, reason="Wrong figures")
    output = tmp_path / "agreement.pdf"
    call_command("generate_report", "agreement", "--award", "AWD-2019-0042", "--output", str(output), verbosity=0)
    assert output.read_bytes() == award.agreements.get(number=1).pdf.read()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--award", "AWD-1999-0001"], "Unknown award 'AWD-1999-0001': no award has this reference."),
        (["--award", "AWD-2019-0042"], "Award AWD-2019-0042 has no agreement issued."),
        (["--award", "AWD-2019-0042", "--format", "odt"], "Unknown format 'odt': use one of pdf, docx."),
    ],
)
def test_refusals_are_one_line_with_status_1(tmp_path, award, args, reason):
    output = tmp_path / "x.pdf"
    with pytest.raises(CommandError) as refusal:
        call_command("generate_report", "agreement", *args, "--output", str(output))
    assert str(refusal.value) == reason
    assert refusal.value.returncode == 1
    assert not output.exists()


def test_the_award_is_required(tmp_path):
    with pytest.raises(CommandError, match="The agreement needs --award") as refusal:
        call_command("generate_report", "agreement", "--output", str(tmp_path / "x.pdf"))
    assert refusal.value.returncode == 2
