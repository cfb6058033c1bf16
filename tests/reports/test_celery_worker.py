"""A real Celery worker against a throwaway Redis runs reports from the queue.

Each test starts its own ``redis-server`` on a free port (no persistence, stopped at the end)
and a ``celery worker --pool=solo`` subprocess pointed at it and at the test database. The
worker imports this module as its Celery app (``-A tests.reports.test_celery_worker``): with
``PCC_TEST_WORKER=1`` the module sets Django up and registers the small report kinds below.

The worker needs a database both processes share: these tests run on PostgreSQL (CI) and are
skipped on SQLite, whose test database is in memory in the test process only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms

ROOT = Path(__file__).resolve().parents[2]
TINY_PDF = b"%PDF-1.7\n% worker test\n%%EOF\n"
SLOW_SECONDS = 8
VISIBILITY_TIMEOUT = 5
# The heartbeat clocks, short so a dead worker is noticed in seconds (the test process's
# settings get the same through the ``workers`` fixture).
HEARTBEAT_SECONDS = 1
WORKER_LOST_AFTER_SECONDS = 3


class _NoParameters(forms.Form):
    pass


def _build_ok(*, progress, **parameters):
    progress(50, "Halfway")
    return TINY_PDF, "worker-test.pdf"


def _build_failing(*, progress, **parameters):
    progress(20, "About to fail")
    raise RuntimeError("Forced failure for the worker test")


class _Numbered(forms.Form):
    number = forms.IntegerField()


def _build_counted(*, progress, number, **parameters):
    """Notes each build in the file PCC_TEST_BUILD_LOG names, so a test can count the runs."""
    with open(os.environ["PCC_TEST_BUILD_LOG"], "a") as log:
        log.write(f"{number}\n")
    progress(50, "Halfway")
    return TINY_PDF, f"worker-test-{number}.pdf"


def _build_slow(*, progress, **parameters):
    progress(10, "Sleeping")
    time.sleep(SLOW_SECONDS)
    return TINY_PDF, "worker-test-slow.pdf"


def _test_kinds():
    from reports.engine.registry import ReportKind

    return {
        "worker-ok": ReportKind("worker-ok", "Worker test", _build_ok, _NoParameters),
        "worker-fail": ReportKind("worker-fail", "Worker test (fails)", _build_failing, _NoParameters),
        "worker-slow": ReportKind("worker-slow", "Worker test (slow)", _build_slow, _NoParameters),
        "worker-count": ReportKind("worker-count", "Worker test (counted)", _build_counted, _Numbered),
    }


if os.environ.get("PCC_TEST_WORKER") == "1":  # imported by the worker subprocess as its app
    import django

    django.setup()
    from pcc_commissioning.celery import app  # noqa: F401  (celery -A finds it here)
    from reports.engine.registry import REPORT_KINDS

    REPORT_KINDS.update(_test_kinds())


# The test process -------------------------------------------------------------------------------

WAIT_SECONDS = 60
# Real commits (the worker reads them), restoring the data migrations made (role groups) that
# the flush after each transactional test removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(condition, *, timeout: float = WAIT_SECONDS, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


@pytest.fixture
def shared_database(db):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip(
            "The Celery worker tests need a database two processes share: they run on PostgreSQL "
            "(set DATABASE_URL=postgres://...; CI does); the SQLite test database is in memory."
        )
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def redis_url(shared_database, tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: install the Debian package redis-server")
    port = _free_port()
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        _wait_for(lambda: _ping(client), timeout=15, what="the throwaway redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _ping(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False


@pytest.fixture
def broker(redis_url, monkeypatch):
    """The test process sends its jobs to the throwaway Redis instead of running them eagerly."""
    from pcc_commissioning.celery import app as celery_app
    from reports.engine.registry import REPORT_KINDS

    for name, kind in _test_kinds().items():
        monkeypatch.setitem(REPORT_KINDS, name, kind)
    # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it
    # to the shared Redis), so the variable must name the throwaway broker too.
    monkeypatch.setenv("CELERY_BROKER_URL", redis_url)
    keys = ("broker_url", "result_backend", "task_always_eager", "broker_transport_options")
    saved = {key: celery_app.conf[key] for key in keys}
    # The result store on the same Redis, as in production (CELERY_RESULT_BACKEND defaults to
    # the broker), so a test that stops Redis stops both.
    celery_app.conf.update(
        broker_url=redis_url,
        result_backend=redis_url,
        task_always_eager=False,
        broker_transport_options={**saved["broker_transport_options"], "visibility_timeout": VISIBILITY_TIMEOUT},
    )
    _forget_connections(celery_app)
    try:
        yield redis_url
    finally:
        _forget_connections(celery_app)
        celery_app.conf.update(saved)


def _forget_connections(celery_app) -> None:
    """Drop the cached connection and producer pools and the result store, so the next send
    uses ``broker_url`` and ``result_backend``."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)


class Workers:
    def __init__(self, *, redis_url: str, database_url: str, media: Path, logs: Path):
        self.env = {
            **os.environ,
            "PCC_TEST_WORKER": "1",
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "pcc_commissioning.settings",
            "CELERY_BROKER_URL": redis_url,
            "CELERY_RESULT_BACKEND": redis_url,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "REPORT_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
            "REPORT_WORKER_LOST_AFTER_SECONDS": str(WORKER_LOST_AFTER_SECONDS),
            "PCC_TEST_BUILD_LOG": str(logs / "builds.txt"),
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(media),
            "PYTHONPATH": str(ROOT),
        }
        self.logs = logs
        self.running: list[subprocess.Popen] = []
        self.count = 0

    def start(self) -> subprocess.Popen:
        self.count += 1
        log = self.logs / f"worker-{self.count}.log"
        celery = Path(sys.executable).with_name("celery")
        process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "tests.reports.test_celery_worker",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"reports-test-{os.getpid()}-{self.count}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.running.append(process)
        _wait_for(
            lambda: process.poll() is not None or b" ready." in log.read_bytes(),
            timeout=30,
            what=f"the Celery worker to start (log: {log})",
        )
        assert process.poll() is None, f"The Celery worker exited: {log.read_text(errors='replace')[-3000:]}"
        return process

    def kill(self, process: subprocess.Popen) -> None:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

    def builds(self) -> list[str]:
        """What the counted test kind built, one line per build."""
        path = self.logs / "builds.txt"
        return path.read_text().split() if path.exists() else []

    def log_tail(self) -> str:
        return "\n".join(path.read_text(errors="replace")[-2000:] for path in sorted(self.logs.glob("*.log")))


@pytest.fixture
def workers(broker, shared_database, tmp_path, settings):
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.REPORT_WORKER_LOST_AFTER_SECONDS = WORKER_LOST_AFTER_SECONDS
    logs = tmp_path / "logs"
    logs.mkdir()
    pool = Workers(redis_url=broker, database_url=shared_database, media=media, logs=logs)
    try:
        yield pool
    finally:
        pool.stop_all()
        from django.db import connection

        connection.close()


def _report(pk):
    from reports.models import Report

    return Report.objects.get(pk=pk)


def _finished(pk):
    report = _report(pk)
    return report if report.status in ("succeeded", "failed") else None


def test_a_worker_runs_a_report_from_the_queue_to_success(workers, officer):
    from reports.engine import services

    workers.start()
    report, created = services.report_request(kind="worker-ok", parameters={}, actor=officer)
    assert created

    done = _wait_for(lambda: _finished(report.pk), what=f"report {report.pk} to finish\n{workers.log_tail()}")

    assert done.status == "succeeded", done.error
    assert done.progress == 100
    assert done.file.read() == TINY_PDF
    assert len(done.checksum) == 64


def test_a_forced_failure_ends_failed_with_the_error(workers, officer):
    from reports.engine import services

    workers.start()
    report, _ = services.report_request(kind="worker-fail", parameters={}, actor=officer)

    done = _wait_for(lambda: _finished(report.pk), what=f"report {report.pk} to finish\n{workers.log_tail()}")

    assert done.status == "failed"
    assert done.error == "RuntimeError: Forced failure for the worker test"


def test_a_worker_killed_mid_job_and_restarted_finishes_the_job(workers, officer):
    """acks_late: the job is acknowledged only when it ends, so the one a killed worker held goes
    back to the queue once the broker's visibility timeout (5 s here) has passed; the report's
    heartbeat is stale by then, so the new worker takes it over."""
    from reports.engine import services

    first = workers.start()
    report, _ = services.report_request(kind="worker-slow", parameters={}, actor=officer)
    _wait_for(lambda: _report(report.pk).status == "running", what=f"the job to start\n{workers.log_tail()}")

    workers.kill(first)
    assert _report(report.pk).status == "running"  # the dead worker left it half done
    time.sleep(VISIBILITY_TIMEOUT + 1)
    workers.start()

    done = _wait_for(
        lambda: _finished(report.pk),
        timeout=90,
        what=f"report {report.pk} to finish after the restart\n{workers.log_tail()}",
    )
    assert done.status == "succeeded", done.error
    assert done.file.read() == TINY_PDF
    assert done.attempts == 2  # sent, then taken over once
