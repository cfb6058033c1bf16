"""The upload page: who may import what, the dry-run preview, confirming, and tokens that are
tampered with or expired."""

import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grants.importers import PAYMENT_COLUMNS, STREAM_COLUMNS
from grants.models import FundingStream, Payment
from pcc_commissioning import imports_views
from providers.models import Organisation
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.archives import MB, zip_of

pytestmark = pytest.mark.django_db

UPLOAD = "/imports/"
CONFIRM = "/imports/confirm/"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def streams_csv(*rows: str, name: str = "streams.csv") -> SimpleUploadedFile:
    body = ",".join(STREAM_COLUMNS) + "\n" + "".join(row + "\n" for row in rows)
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def upload(client: Client, kind: str, file, **extra):
    return client.post(UPLOAD, {"kind": kind, "file": file, **extra})


def token_of(response) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())
    assert match, "no Confirm import form on the page"
    return match.group(1)


@pytest.fixture
def moj(db):
    return OrganisationFactory(name="Ministry of Justice", kind="central_government")


def test_the_urls_are_the_ones_list_pages_link_to():
    assert reverse("imports:upload") == UPLOAD
    assert reverse("imports:confirm") == CONFIRM


@pytest.mark.parametrize(
    "role, status, kinds",
    [
        ("officer", 200, {"providers", "streams", "awards", "returns", "areas", "indicators", "needs"}),
        ("finance", 200, {"streams", "payments"}),
        ("board", 403, None),
        ("provider", 403, None),
        ("superuser", 200, {"providers", "streams", "awards", "payments", "returns", "areas", "indicators", "needs"}),
    ],
)
def test_each_role_sees_only_the_kinds_it_may_import(role, status, kinds, login_as, officer, finance_officer,
                                                      board_member, provider_user, superuser):
    user = {"officer": officer, "finance": finance_officer, "board": board_member, "provider": provider_user,
            "superuser": superuser}[role]
    client = login_as(user)
    response = client.get(UPLOAD)
    assert response.status_code == status
    if kinds is not None:
        offered = set(re.findall(r'<input[^>]*name="kind"[^>]*value="(\w+)"', response.content.decode()))
        assert offered == kinds
    assert client.post(CONFIRM, {"token": "0" * 32}).status_code == (302 if status == 200 else 403)


def test_anonymous_users_are_sent_to_sign_in():
    for url in (UPLOAD, CONFIRM):
        response = Client().post(url) if url == CONFIRM else Client().get(url)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")


def test_a_kind_the_user_may_not_import_is_refused(finance_client, moj):
    response = upload(finance_client, "providers", streams_csv())
    assert response.status_code == 200
    assert "Choose what the file contains" in response.content.decode()
    assert not Organisation.objects.exclude(pk=moj.pk).exists()


def test_the_preview_shows_the_counts_and_confirming_imports_the_same_file(officer_client, moj, settings):
    response = upload(officer_client, "streams", streams_csv(
        "ISVA grant,Ministry of Justice,central_government,yes,ISVA,2019,50000",
        "ISVA grant,,,,,2020,55000",
    ))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 rows: 2 to create, 0 to update, 0 unchanged" in page
    assert "Confirm import" in page
    assert not FundingStream.objects.exists()  # a dry run
    assert len(stored_files(settings)) == 1

    response = officer_client.post(CONFIRM, {"token": token_of(response), "action": "confirm"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{UPLOAD}?kind=streams"
    assert "Imported streams.csv: 2 rows, 2 created, 0 updated, 0 unchanged." in response.content.decode()
    assert FundingStream.objects.get().allocations.count() == 2
    assert stored_files(settings) == []  # deleted once used


def test_a_bad_file_shows_every_problem_and_writes_nothing(officer_client, moj, settings):
    response = upload(officer_client, "streams", streams_csv(
        "ISVA grant,Nobody Ltd,central_government,yes,,2019,50000",
        "Core,Ministry of Justice,central_government,no,,2019,lots",
    ))
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "<title>Error: " in page
    assert "2 problems found in streams.csv" in page
    assert "<caption" in page
    assert re.search(r'<td class="govuk-table__cell govuk-table__cell--numeric">2</td>\s*'
                     r'<td class="govuk-table__cell"><code>source</code></td>', page)
    assert re.search(r'>3</td>\s*<td class="govuk-table__cell"><code>allocation</code></td>', page)
    assert "Confirm import" not in page
    assert not FundingStream.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "file, message",
    [
        (SimpleUploadedFile("streams.pdf", b"%PDF-1.4"), "must be a CSV or XLSX file"),
        (SimpleUploadedFile("streams.csv", b""), "The selected file is empty"),
        (SimpleUploadedFile("streams.xlsx", b"not a workbook"), "not a readable XLSX workbook"),
    ],
)
def test_only_csv_and_xlsx_files_are_accepted(officer_client, file, message):
    response = upload(officer_client, "streams", file)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(officer_client, settings):
    settings.UPLOAD_MAX_BYTES = 50
    response = upload(officer_client, "streams", streams_csv("A very long stream name indeed,x,other,no,,2019,1"))
    assert "must be smaller than" in response.content.decode()
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "token",
    ["0" * 32, "../../../etc/passwd", "", "ABCDEF" * 6, "x" * 5000],
)
def test_a_tampered_token_is_refused_cleanly(officer_client, moj, token):
    upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    response = officer_client.post(CONFIRM, {"token": token}, follow=True)
    assert response.status_code == 200
    assert "has expired or has already been imported" in response.content.decode()
    assert not FundingStream.objects.exists()


def test_a_token_works_once_and_only_in_its_own_session(officer_client, officer, login_as, moj):
    response = upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    token = token_of(response)
    other_session = login_as(UserFactory(username="other-officer", role="Commissioning officer"))
    assert "has expired" in other_session.post(CONFIRM, {"token": token}, follow=True).content.decode()
    assert not FundingStream.objects.exists()
    officer_client.post(CONFIRM, {"token": token})
    assert FundingStream.objects.count() == 1
    again = officer_client.post(CONFIRM, {"token": token}, follow=True)
    assert "has already been imported" in again.content.decode()


def test_an_expired_upload_is_refused_and_its_file_deleted(officer_client, moj, settings, monkeypatch):
    response = upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    later = time.time() + imports_views.PENDING_SECONDS + 1
    monkeypatch.setattr(imports_views.time, "time", lambda: later)
    response = officer_client.post(CONFIRM, {"token": token_of(response)}, follow=True)
    assert "has expired" in response.content.decode()
    assert not FundingStream.objects.exists()
    assert stored_files(settings) == []


def test_a_missing_stored_file_is_refused_cleanly(officer_client, moj, settings):
    response = upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    for path in stored_files(settings):
        path.unlink()
    response = officer_client.post(CONFIRM, {"token": token_of(response)}, follow=True)
    assert "has expired" in response.content.decode()


def test_cancel_deletes_the_stored_file(officer_client, moj, settings):
    response = upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    officer_client.post(CONFIRM, {"token": token_of(response), "action": "cancel"})
    assert stored_files(settings) == []
    assert not FundingStream.objects.exists()


def test_a_file_the_register_no_longer_accepts_on_confirm_shows_the_problems(officer_client, moj):
    response = upload(officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    moj.name = "Renamed"
    moj.save()
    response = officer_client.post(CONFIRM, {"token": token_of(response)})
    assert response.status_code == 200
    assert "The register changed after the file was checked" in response.content.decode()
    assert not FundingStream.objects.exists()


def test_finance_imports_payments(finance_client, moj):
    from tests.factories import AwardFactory, FundingLineFactory, FundingStreamFactory

    award = AwardFactory(reference="AWD-1", status="active")
    FundingLineFactory(award=award, stream=FundingStreamFactory(name="Core", source=moj), fy=2019)
    body = ",".join(PAYMENT_COLUMNS) + "\nAWD-1,Core,2019-06-30,,100,INV-1,,\n"
    response = upload(finance_client, "payments", SimpleUploadedFile("payments.csv", body.encode()))
    assert "1 row: 1 to create" in response.content.decode()
    finance_client.post(CONFIRM, {"token": token_of(response)})
    payment = Payment.objects.get()
    assert payment.recorded_by.username == "finance"


def test_the_kind_in_the_link_is_preselected(officer_client):
    page = officer_client.get(f"{UPLOAD}?kind=awards").content.decode()
    assert re.search(r'value="awards"[^>]*checked|checked[^>]*value="awards"', page)
    assert "Replace awards that already exist" in page


def test_an_xlsx_file_is_previewed_and_imported(officer_client, moj):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(STREAM_COLUMNS))
    workbook.active.append(["ISVA grant", "Ministry of Justice", "other", "no", None, 2019, 1500.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(officer_client, "streams", SimpleUploadedFile("Streams.XLSX", buffer.getvalue()))
    assert "1 row: 1 to create" in response.content.decode()
    officer_client.post(CONFIRM, {"token": token_of(response)})
    assert FundingStream.objects.get().allocations.get().amount == 1500.5


def test_a_nul_byte_and_bad_utf8_are_listed_as_row_problems_not_a_server_error(officer_client, moj, settings):
    body = (",".join(STREAM_COLUMNS) + "\n").encode() + (
        b"Co\x00re,Ministry of Justice,central_government,no,,2019,50000\n"
        b"Precept,Ministry of Justice,central_government,no,Caf\xe9,2019,50000\n"
    )
    response = upload(officer_client, "streams", SimpleUploadedFile("streams.csv", body, content_type="text/csv"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 problems found in streams.csv" in page
    assert re.search(r'>2</td>\s*<td class="govuk-table__cell"><code>name</code></td>\s*'
                     r'<td class="govuk-table__cell">The cell contains a NUL character', page)
    assert re.search(r">3</td>\s*<td class=\"govuk-table__cell\"><code>ring_fenced_for</code></td>\s*"
                     r"<td class=\"govuk-table__cell\">The cell is not UTF-8 text \(it has the byte 0xE9\)", page)
    assert not FundingStream.objects.exists()
    assert stored_files(settings) == []


def test_an_xlsx_zip_bomb_is_refused_with_a_message(officer_client, moj, settings):
    bomb = zip_of({"[Content_Types].xml": b"<Types/>"}, zeros={"xl/worksheets/sheet1.xml": 60 * MB})
    response = upload(officer_client, "streams", SimpleUploadedFile("streams.xlsx", bomb))
    assert response.status_code == 200
    assert "The file unpacks to more than 50 MB, which is more than we accept." in response.content.decode()
    assert stored_files(settings) == []
