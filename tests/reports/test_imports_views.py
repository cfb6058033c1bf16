"""The Import page: who may import what; the check and the import each run as a job of the
report engine (the upload only queues it), with rows checked of the total while it runs and
then the preview or the outcome; who may see a job; tokens that are tampered with or expired."""

import io
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grants.funding.importers import STREAM_COLUMNS
from grants.models import FundingStream, Payment
from grants.payments.importers import PAYMENT_COLUMNS
from pcc_commissioning.celery import app as celery_app
from pcc_commissioning.interchange import cells as interchange_cells
from pcc_commissioning.interchange import imports as interchange_imports
from pcc_commissioning.roles import Role
from providers.models import Organisation
from reports.engine.tasks import run_report
from reports.imports import job as import_job
from reports.models import Report
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.archives import MB, zip_of

pytestmark = pytest.mark.django_db

UPLOAD = "/imports/"
CONFIRM = "/imports/confirm/"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """``send(client, url, data)``: POST, let the jobs it queued run (Celery runs them in-process
    here, as under ``make run``), then follow the redirect; returns the page it leads to."""

    def post(client: Client, url: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data)
        if response.status_code != 302:
            return response
        return client.get(response["Location"], follow=True)

    return post


def stored_files(settings) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "imports"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def streams_csv(*rows: str, name: str = "streams.csv") -> SimpleUploadedFile:
    body = ",".join(STREAM_COLUMNS) + "\n" + "".join(row + "\n" for row in rows)
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def providers_csv(count: int) -> SimpleUploadedFile:
    lines = ["name,kind"] + [f"Provider {n:05d},voluntary_sector" for n in range(1, count + 1)]
    return SimpleUploadedFile("providers.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def groups_csv(count: int, *, bad_row: int | None = None) -> SimpleUploadedFile:
    """``count`` new groups; data row ``bad_row`` has a size that is not a number."""
    lines = ["name,size"] + [f"Group {n:05d},{'lots' if n == bad_row else n}" for n in range(1, count + 1)]
    return SimpleUploadedFile("groups.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")


@pytest.fixture
def groups_kind(db):
    """A quick importer (a user group a row) as the kind ``groups``, under the providers import's
    capability: the tests of thousands of rows time the jobs and pages, not an app's importer."""
    interchange_imports.importers()  # let autodiscovery run first, so it cannot replace this one

    @interchange_imports.importer("groups", columns=["name", "size"], required=["name"], capability="providers.import")
    def import_groups(rows, *, actor, update, context):
        result = interchange_imports.ImportResult(kind="groups")
        for row in rows:
            reader = interchange_imports.RowReader(row, context)
            name = reader.value("name", required=True)
            reader.value("size", interchange_cells.parse_int)
            if reader.ok:
                Group.objects.create(name=name)
                result.created += 1
        return result

    yield
    interchange_imports._IMPORTERS.pop("groups")


def upload(send, client: Client, kind: str, file, **extra):
    return send(client, UPLOAD, {"kind": kind, "file": file, **extra})


def token_of(response) -> str:
    match = re.search(r'name="token" value="([0-9a-f]{32})"', response.content.decode())
    assert match, "no Confirm import form on the page"
    return match.group(1)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def moj(db):
    return OrganisationFactory(name="Ministry of Justice", kind="central_government")


@pytest.fixture
def jobs_not_sent(monkeypatch):
    """Celery as in production (not in-process), with the sending recorded instead of done: a
    request that ran the import itself would show up as an import written or a job finished."""
    sent = []
    monkeypatch.setattr(run_report, "apply_async", lambda args=None, kwargs=None, **options: sent.append(args[0]))
    celery_app.conf.task_always_eager = False
    yield sent
    celery_app.conf.task_always_eager = True  # as tests/conftest.py has it


def test_the_urls_are_the_ones_list_pages_link_to():
    assert reverse("imports:upload") == UPLOAD
    assert reverse("imports:confirm") == CONFIRM
    assert reverse("imports:job", args=[7]) == "/imports/jobs/7/"
    assert reverse("imports:job_status", args=[7]) == "/imports/jobs/7/status/"


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
def test_each_role_sees_only_the_kinds_it_may_import(
    role, status, kinds, login_as, officer, finance_officer, board_member, provider_user, superuser
):
    user = {
        "officer": officer,
        "finance": finance_officer,
        "board": board_member,
        "provider": provider_user,
        "superuser": superuser,
    }[role]
    client = login_as(user)
    response = client.get(UPLOAD)
    assert response.status_code == status
    if kinds is not None:
        offered = set(re.findall(r'<input[^>]*name="kind"[^>]*value="(\w+)"', response.content.decode()))
        assert offered == kinds
    assert client.post(CONFIRM, {"token": "0" * 32}).status_code == (302 if status == 200 else 403)


def test_anonymous_users_are_sent_to_sign_in():
    for url in (UPLOAD, CONFIRM, "/imports/jobs/1/", "/imports/jobs/1/status/"):
        response = Client().post(url) if url == CONFIRM else Client().get(url)
        assert response.status_code == 302
        assert urlsplit(response["Location"]).path == reverse("login")


def test_a_kind_the_user_may_not_import_is_refused(finance_client, moj, send):
    response = upload(send, finance_client, "providers", streams_csv())
    assert response.status_code == 200
    assert "Choose what the file contains" in response.content.decode()
    assert not Organisation.objects.exclude(pk=moj.pk).exists()
    assert not Report.objects.exists()


# The jobs ---------------------------------------------------------------------------------------


def test_the_upload_answers_at_once_with_a_queued_check_that_the_job_then_runs(
    officer_client, moj, monkeypatch, jobs_not_sent, django_capture_on_commit_callbacks
):
    checks = []
    real_run_import = import_job.run_import
    monkeypatch.setattr(import_job, "run_import", lambda *a, **kw: checks.append(kw) or real_run_import(*a, **kw))

    with django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(UPLOAD, {"kind": "providers", "file": providers_csv(3)})

    job = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/jobs/{job.pk}/"
    assert jobs_not_sent == [job.pk] and checks == []  # queued; the request checked nothing itself
    assert (job.kind, job.status, job.requested_by.username) == ("import", "queued", "officer")
    waiting = officer_client.get(response["Location"])
    assert "Checking providers.csv" in waiting.text and "Waiting to start" in waiting.text
    assert f'hx-get="/imports/jobs/{job.pk}/status/"' in waiting.text and "Refresh the page" in waiting.text
    assert 'http-equiv="refresh"' not in waiting.text

    run_report(job.pk)  # what a worker does with the job

    assert [check["dry_run"] for check in checks] == [True]
    preview = officer_client.get(response["Location"])
    assert "3 rows: 3 to create, 0 to update, 0 unchanged" in text_of(preview)
    assert "Confirm import" in preview.text
    assert Organisation.objects.count() == 1  # a check writes nothing


def test_the_page_shows_rows_checked_of_the_total_while_the_job_runs(
    officer_client, groups_kind, monkeypatch, jobs_not_sent
):
    response = officer_client.post(UPLOAD, {"kind": "groups", "file": groups_csv(1200)})
    job_url, status_url = response["Location"], response["Location"] + "status/"
    seen = {}
    real_run_import = import_job.run_import

    def run_import_looking_at_the_page(*args, progress, **kwargs):
        def told(checked, total):
            progress(checked, total)
            if checked == 500:  # the page as it is while the job is half-way
                seen["page"] = officer_client.get(job_url)
                seen["panel"] = officer_client.get(status_url, headers={"HX-Request": "true"})

        return real_run_import(*args, progress=told, **kwargs)

    monkeypatch.setattr(import_job, "run_import", run_import_looking_at_the_page)
    run_report(Report.objects.get().pk)

    page, panel = seen["page"], seen["panel"]
    assert "500 of 1,200 rows checked (41%)" in text_of(page)
    assert '<progress class="app-progress" id="import-progress" max="1200" value="500"' in page.text
    assert "<html" not in panel.text and "500 of 1,200 rows checked" in text_of(panel)
    assert 'hx-trigger="every 2s"' in panel.text
    # Once the job has finished, the panel has htmx reload the page, which shows the preview.
    finished = officer_client.get(status_url, headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"
    assert officer_client.get(status_url)["Location"] == job_url  # without htmx: back to the page
    assert "1200 rows: 1200 to create" in text_of(officer_client.get(job_url))


def test_a_5000_row_file_is_checked_and_imported_through_jobs(
    officer_client, groups_kind, monkeypatch, settings, django_capture_on_commit_callbacks
):
    imports_in_requests = []
    real_run_import = import_job.run_import

    def run_import(*args, **kwargs):
        imports_in_requests.append(kwargs["dry_run"])
        return real_run_import(*args, **kwargs)

    monkeypatch.setattr(import_job, "run_import", run_import)

    # Each POST answers with the job queued; run_import runs only when the job does.
    with django_capture_on_commit_callbacks(execute=True):
        checked = officer_client.post(UPLOAD, {"kind": "groups", "file": groups_csv(5000)})
        assert imports_in_requests == []
    assert imports_in_requests == [True]
    preview = officer_client.get(checked["Location"])
    assert "5000 rows: 5000 to create, 0 to update, 0 unchanged" in text_of(preview)

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = officer_client.post(CONFIRM, {"token": token_of(preview), "action": "confirm"})
        assert imports_in_requests == [True]
    assert imports_in_requests == [True, False]
    done = officer_client.get(confirmed["Location"])
    assert "Imported groups.csv: 5000 rows, 5000 created, 0 updated, 0 unchanged." in text_of(done)
    assert Group.objects.filter(name__startswith="Group ").count() == 5000
    assert stored_files(settings) == []  # deleted once imported
    assert list(Report.objects.values_list("status", flat=True)) == ["succeeded", "succeeded"]


def test_a_file_with_one_bad_row_in_5000_imports_nothing_and_names_the_row(officer_client, groups_kind, send, settings):
    page = upload(send, officer_client, "groups", groups_csv(5000, bad_row=4321))

    assert "<title>Error: " in page.text and "1 problem found in groups.csv" in page.text
    assert re.search(r'>4322</td>\s*<td class="govuk-table__cell"><code>size</code></td>', page.text)
    assert "Confirm import" not in page.text
    assert not Group.objects.filter(name__startswith="Group ").exists()
    assert stored_files(settings) == []


def test_another_user_cannot_see_the_job_or_its_result(officer_client, officer, moj, send, login_as, board_member):
    preview = upload(send, officer_client, "providers", providers_csv(2))
    job = Report.objects.get()
    urls = [f"/imports/jobs/{job.pk}/", f"/imports/jobs/{job.pk}/status/"]
    other_officer = login_as(UserFactory(username="other-officer", role="Commissioning officer"))

    assert "Confirm import" in preview.text
    assert [other_officer.get(url).status_code for url in urls] == [404, 404]
    assert [login_as(board_member).get(url).status_code for url in urls] == [403, 403]
    # Nor through the report archive, which everyone who may see reports sees.
    for client in (other_officer, officer_client):
        assert client.get(reverse("reports:report_detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("reports:report_download", args=[job.pk])).status_code == 404
        assert f"/reports/archive/{job.pk}/" not in client.get(reverse("reports:report_archive")).text
    # And no one asks for an import job on the report request page.
    choose = officer_client.get(reverse("reports:report_request"), {"kind": "import"})
    assert 'value="import"' not in choose.text and "Which report?" in choose.text


def test_a_user_whose_role_no_longer_allows_the_import_cannot_see_its_job(officer_client, officer, moj, send):
    upload(send, officer_client, "providers", providers_csv(2))
    officer.groups.set([Group.objects.get(name=Role.FINANCE.value)])  # finance officers may not import providers

    assert officer_client.get(f"/imports/jobs/{Report.objects.get().pk}/").status_code == 403


def test_a_job_that_stops_unexpectedly_says_nothing_was_imported(officer_client, moj, send, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(import_job, "run_import", broken)
    page = upload(send, officer_client, "providers", providers_csv(2))

    assert "<title>Error: " in page.text
    assert "The check of providers.csv stopped before it finished: nothing was imported." in page.text
    assert "Upload the file again" in page.text


def test_the_import_job_reads_the_file_once_even_if_delivered_twice(officer, moj, settings):
    token = import_job.upload_keep(data=b"name\nHarbour\n", extension=".csv")
    parameters = import_job.job_parameters(
        kind="providers", token=token, extension=".csv", name="p.csv", update=False, dry_run=False, actor=officer
    )

    first = import_job.ImportOutcome.from_json(import_job.build_import_job(**parameters, progress=lambda *a: None)[0])
    again = import_job.ImportOutcome.from_json(import_job.build_import_job(**parameters, progress=lambda *a: None)[0])

    assert (first.created, first.refusal) == (1, "")
    assert again.created == 0 and "expired" in again.refusal
    assert Organisation.objects.filter(name="Harbour").count() == 1


def test_a_very_long_file_name_is_shortened_in_the_job_but_the_file_still_imports(officer_client, moj, send):
    name = "é" * 200 + ".csv"
    preview = upload(send, officer_client, "providers", SimpleUploadedFile(name, b"name\nHarbour\n"))

    assert "1 row: 1 to create" in text_of(preview)
    assert "é…" in preview.text


# Today's behaviour, through the jobs -------------------------------------------------------------


def test_the_preview_shows_the_counts_and_confirming_imports_the_same_file(officer_client, moj, settings, send):
    response = upload(
        send,
        officer_client,
        "streams",
        streams_csv(
            "ISVA grant,Ministry of Justice,central_government,yes,ISVA,2019,50000",
            "ISVA grant,,,,,2020,55000",
        ),
    )
    assert response.status_code == 200
    page = text_of(response)
    assert "2 rows: 2 to create, 0 to update, 0 unchanged" in page
    assert "Confirm import" in page
    assert not FundingStream.objects.exists()  # a dry run
    assert len(stored_files(settings)) == 1

    response = send(officer_client, CONFIRM, {"token": token_of(response), "action": "confirm"})
    assert "Imported streams.csv: 2 rows, 2 created, 0 updated, 0 unchanged." in text_of(response)
    assert f'href="{UPLOAD}?kind=streams">Import another file' in response.text
    assert FundingStream.objects.get().allocations.count() == 2
    assert stored_files(settings) == []  # deleted once used


def test_a_bad_file_shows_every_problem_and_writes_nothing(officer_client, moj, settings, send):
    response = upload(
        send,
        officer_client,
        "streams",
        streams_csv(
            "ISVA grant,Nobody Ltd,central_government,yes,,2019,50000",
            "Core,Ministry of Justice,central_government,no,,2019,lots",
        ),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and "<title>Error: " in page
    assert "2 problems found in streams.csv" in page
    assert "<caption" in page
    assert re.search(
        r'<td class="govuk-table__cell govuk-table__cell--numeric">2</td>\s*'
        r'<td class="govuk-table__cell"><code>source</code></td>',
        page,
    )
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
def test_only_csv_and_xlsx_files_are_accepted(officer_client, file, message, send):
    response = upload(send, officer_client, "streams", file)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(officer_client, settings, send):
    settings.UPLOAD_MAX_BYTES = 50
    response = upload(send, officer_client, "streams", streams_csv("A very long stream name indeed,x,other,no,,2019,1"))
    assert "must be smaller than" in response.content.decode()
    assert stored_files(settings) == []
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "token",
    ["0" * 32, "../../../etc/passwd", "", "ABCDEF" * 6, "x" * 5000],
)
def test_a_tampered_token_is_refused_cleanly(officer_client, moj, token, send):
    upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    response = send(officer_client, CONFIRM, {"token": token})
    assert response.status_code == 200
    assert "has expired or has already been imported" in response.content.decode()
    assert not FundingStream.objects.exists()
    assert Report.objects.count() == 1  # the check only


def test_a_token_works_once_and_only_in_its_own_session(officer_client, officer, login_as, moj, send):
    response = upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    token = token_of(response)
    other_session = login_as(UserFactory(username="other-officer", role="Commissioning officer"))
    assert "has expired" in send(other_session, CONFIRM, {"token": token}).content.decode()
    assert not FundingStream.objects.exists()
    send(officer_client, CONFIRM, {"token": token})
    assert FundingStream.objects.count() == 1
    again = send(officer_client, CONFIRM, {"token": token})
    assert "has already been imported" in again.content.decode()


def test_an_expired_upload_is_refused_and_its_file_deleted(officer_client, moj, settings, monkeypatch, send):
    response = upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    later = time.time() + import_job.PENDING_SECONDS + 1
    monkeypatch.setattr(import_job.time, "time", lambda: later)
    response = send(officer_client, CONFIRM, {"token": token_of(response)})
    assert "has expired" in response.content.decode()
    assert not FundingStream.objects.exists()
    assert stored_files(settings) == []


def test_a_missing_stored_file_is_refused_cleanly(officer_client, moj, settings, send):
    response = upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    for path in stored_files(settings):
        path.unlink()
    response = send(officer_client, CONFIRM, {"token": token_of(response)})
    assert "has expired" in response.content.decode()


def test_cancel_deletes_the_stored_file(officer_client, moj, settings, send):
    response = upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    response = send(officer_client, CONFIRM, {"token": token_of(response), "action": "cancel"})
    assert "Nothing was imported." in response.text
    assert stored_files(settings) == []
    assert not FundingStream.objects.exists()


def test_a_file_the_register_no_longer_accepts_on_confirm_shows_the_problems(officer_client, moj, send):
    response = upload(send, officer_client, "streams", streams_csv("ISVA grant,Ministry of Justice,other,no,,2019,1"))
    moj.name = "Renamed"
    moj.save()
    response = send(officer_client, CONFIRM, {"token": token_of(response)})
    assert response.status_code == 200
    assert "The register changed after the file was checked" in response.content.decode()
    assert not FundingStream.objects.exists()


def test_finance_imports_payments(finance_client, moj, send):
    from tests.factories import AwardFactory, FundingLineFactory, FundingStreamFactory

    award = AwardFactory(reference="AWD-1", status="active")
    FundingLineFactory(award=award, stream=FundingStreamFactory(name="Core", source=moj), fy=2019)
    body = ",".join(PAYMENT_COLUMNS) + "\nAWD-1,Core,2019-06-30,,100,INV-1,,\n"
    response = upload(send, finance_client, "payments", SimpleUploadedFile("payments.csv", body.encode()))
    assert "1 row: 1 to create" in text_of(response)
    send(finance_client, CONFIRM, {"token": token_of(response)})
    payment = Payment.objects.get()
    assert payment.recorded_by.username == "finance"


def test_the_kind_in_the_link_is_preselected(officer_client):
    page = officer_client.get(f"{UPLOAD}?kind=awards").content.decode()
    assert re.search(r'value="awards"[^>]*checked|checked[^>]*value="awards"', page)
    assert "Replace awards that already exist" in page


def test_an_xlsx_file_is_previewed_and_imported(officer_client, moj, send):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(list(STREAM_COLUMNS))
    workbook.active.append(["ISVA grant", "Ministry of Justice", "other", "no", None, 2019, 1500.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(send, officer_client, "streams", SimpleUploadedFile("Streams.XLSX", buffer.getvalue()))
    assert "1 row: 1 to create" in text_of(response)
    send(officer_client, CONFIRM, {"token": token_of(response)})
    assert FundingStream.objects.get().allocations.get().amount == 1500.5


def test_a_nul_byte_and_bad_utf8_are_listed_as_row_problems_not_a_server_error(officer_client, moj, settings, send):
    body = (",".join(STREAM_COLUMNS) + "\n").encode() + (
        b"Co\x00re,Ministry of Justice,central_government,no,,2019,50000\n"
        b"Precept,Ministry of Justice,central_government,no,Caf\xe9,2019,50000\n"
    )
    response = upload(send, officer_client, "streams", SimpleUploadedFile("streams.csv", body, content_type="text/csv"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 problems found in streams.csv" in page
    assert re.search(
        r'>2</td>\s*<td class="govuk-table__cell"><code>name</code></td>\s*'
        r'<td class="govuk-table__cell">The cell contains a NUL character',
        page,
    )
    assert re.search(
        r">3</td>\s*<td class=\"govuk-table__cell\"><code>ring_fenced_for</code></td>\s*"
        r"<td class=\"govuk-table__cell\">The cell is not UTF-8 text \(it has the byte 0xE9\)",
        page,
    )
    assert not FundingStream.objects.exists()
    assert stored_files(settings) == []


def test_an_xlsx_zip_bomb_is_refused_with_a_message(officer_client, moj, settings, send):
    bomb = zip_of({"[Content_Types].xml": b"<Types/>"}, zeros={"xl/worksheets/sheet1.xml": 60 * MB})
    response = upload(send, officer_client, "streams", SimpleUploadedFile("streams.xlsx", bomb))
    assert response.status_code == 200
    assert "The file unpacks to more than 50 MB, which is more than we accept." in response.content.decode()
    assert stored_files(settings) == []
