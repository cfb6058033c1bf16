"""Failure recovery against throwaway servers each test starts on free ports (never the shared
PostgreSQL on 5432 or Redis on 6379):

- Redis (broker and result store) down when reports are requested: each request answers at
  once with a clear message, the reports are kept (queued, not sent) and each runs exactly once
  when Redis is back and ``reports_requeue_waiting`` (Celery beat, every minute) sends it;
- the database restarting under a running gunicorn: the requests after it succeed (persistent
  connections are health-checked, ``CONN_HEALTH_CHECKS``);
- a worker killed mid-report: its heartbeat goes stale and the sweep (every minute) runs the
  report again once, the dead worker's job redelivered later changing nothing; out of attempts,
  the sweep fails it with a reason and the redelivered job leaves it so (the worker taking the
  redelivered job over is in test_celery_worker);
- backup and restore: ``manage.py backup`` then ``manage.py restore`` into an empty database
  gives back every row of every table (row counts and a checksum of every row compared).

A throwaway PostgreSQL cluster is made with the server's own ``initdb``/``pg_ctl`` (as the
``postgres`` user when the tests run as root); the tests that need one are skipped, saying why,
where those programs are missing. The Redis and worker tests reuse test_celery_worker's fixtures
and, like them, need the test database on PostgreSQL (a database two processes share).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from bench.http_session import HttpSession
from pcc_commissioning.roles import Role
from tests.factories.users import TEST_PASSWORD, UserFactory
from tests.reports.test_celery_worker import (  # noqa: F401  (fixtures used by name)
    ROOT,
    VISIBILITY_TIMEOUT,
    _finished,
    _free_port,
    _ping,
    _report,
    _wait_for,
    broker,
    shared_database,
    workers,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# Throwaway servers ------------------------------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary folder, on a free port, trusting local connections."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pcc-throwaway-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_postgres: list[str] = []
        try:
            self._initdb()
        except BaseException:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _initdb(self) -> None:
        if os.geteuid() == 0:  # postgres refuses to run as root
            self.as_postgres = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.root, user="postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        with (self.data / "postgresql.conf").open("a") as conf:  # (initdb -c is PostgreSQL 16+)
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\nfull_page_writes = off\n"
            )

    def _run(self, *command: str) -> None:
        result = subprocess.run([*self.as_postgres, *command], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise AssertionError(f"{command[0]} failed: {result.stderr}{result.stdout}\n{log}")

    def pg_ctl(self, action: str, *extra: str) -> None:
        self._run(str(self.bin / "pg_ctl"), action, "-D", str(self.data), "-l", str(self.log), "-w", *extra)

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")  # ends every open connection

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "immediate")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def connect(self, name: str):
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=name)

    def create_database(self, name: str) -> str:
        conn = self.connect("postgres")
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return self.url(name)


@pytest.fixture(scope="module")
def throwaway_postgres():
    bin_dir = _postgres_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are missing: install the Debian package postgresql")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("Running as root without runuser: cannot start PostgreSQL as the postgres user")
    server = None
    try:
        server = ThrowawayPostgres(bin_dir)
        server.start()
        yield server
    finally:
        if server is not None:
            with contextlib.suppress(AssertionError):
                server.stop()
            shutil.rmtree(server.root, ignore_errors=True)


class RedisServer:
    """A redis-server on a fixed free port that the test can stop and start again."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        self.port = _free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port)
        try:
            _wait_for(lambda: _ping(client), timeout=15, what="the throwaway redis-server")
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(shared_database, tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is missing: install the Debian package redis-server")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server):
    """Overrides test_celery_worker's fixture of that name: the broker the tests can stop."""
    return redis_server.url


def _manage(*arguments: str, database_url: str, timeout: int = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def _require_postgres_test_database(why: str) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(f"{why}: runs with the test database on PostgreSQL (DATABASE_URL=postgres://...; CI does)")


# Redis down when a report is requested ----------------------------------------------------------


REQUESTS_WHILE_DOWN = 8
PROMPT_SECONDS = 3


def test_reports_requested_while_redis_is_down_answer_at_once_and_each_runs_once_when_it_is_back(
    redis_server, workers, officer, client
):
    """Redis is the broker and the result store: neither may turn a request into a wait or an error."""
    from reports.engine import services
    from reports.models import Report

    redis_server.stop()
    client.force_login(officer)

    locations = []
    for number in [*range(REQUESTS_WHILE_DOWN), 0]:  # the last asks for the first one again
        started = time.monotonic()
        response = client.post("/reports/request/", {"kind": "worker-count", "number": str(number)})
        assert time.monotonic() - started < PROMPT_SECONDS, "the request waited on the dead broker"
        assert response.status_code == 302
        locations.append(response["Location"])

    assert locations[-1] == locations[0]  # the waiting one, not a second copy
    waiting = Report.objects.order_by("pk")
    assert len(waiting) == REQUESTS_WHILE_DOWN
    assert {(r.status, r.sent_at, r.step) for r in waiting} == {("queued", None, services.QUEUE_DOWN_STEP)}
    page = client.get(locations[0])
    assert page.status_code == 200
    assert "the report queue could not be reached" in page.content.decode()
    assert services.reports_requeue_waiting() == 0  # still down: nothing sent, still waiting
    assert Report.objects.filter(sent_at__isnull=True).count() == REQUESTS_WHILE_DOWN

    redis_server.start()
    workers.start()
    assert services.reports_requeue_waiting() == REQUESTS_WHILE_DOWN
    assert services.reports_requeue_waiting() == 0  # sent once only

    for report in waiting:
        what = f"report {report.pk} to run\n{workers.log_tail()}"
        done = _wait_for(lambda: _finished(report.pk), what=what)  # noqa: B023 (called at once)
        assert done.status == Report.Status.SUCCEEDED, done.error
    assert sorted(workers.builds(), key=int) == [str(n) for n in range(REQUESTS_WHILE_DOWN)]  # each built once


def test_the_requeue_and_the_sweep_run_every_minute_in_celery_beat(settings):
    from celery.schedules import crontab

    for name, task in (
        ("requeue-waiting-reports", "reports.tasks.requeue_waiting_reports"),
        ("sweep-stuck-reports", "reports.tasks.sweep_stuck_reports"),
    ):
        entry = settings.CELERY_BEAT_SCHEDULE[name]
        assert entry["task"] == task
        assert entry["schedule"] == crontab()  # every minute


# A worker killed mid-report ---------------------------------------------------------------------


def _beat_until_finished(report_id: int, pool, *, timeout: float):
    """What Celery beat does every minute (the sweep, then the requeue), every half second."""
    from reports.engine.tasks import sweep_stuck_reports

    def beat():
        sweep_stuck_reports()
        return _finished(report_id)

    return _wait_for(beat, timeout=timeout, interval=0.5, what=f"report {report_id} to finish\n{pool.log_tail()}")


def test_a_worker_killed_mid_report_is_noticed_by_its_heartbeat_and_the_report_runs_again_once(workers, officer):
    from reports.engine import services
    from reports.models import Report

    first = workers.start()
    report, _ = services.report_request(kind="worker-slow", parameters={}, actor=officer)
    _wait_for(lambda: _report(report.pk).status == "running", what=f"the job to start\n{workers.log_tail()}")
    workers.kill(first)
    killed = time.monotonic()
    assert services.reports_sweep_stuck() == 0  # its last heartbeat is fresh: too soon to tell
    workers.start()

    done = _beat_until_finished(report.pk, workers, timeout=60)

    assert done.status == Report.Status.SUCCEEDED, done.error
    assert time.monotonic() - killed < 60  # seconds here; within REPORT_WORKER_LOST_AFTER_SECONDS + a minute live
    assert done.attempts == 2
    # The dead worker's job comes back after the visibility timeout and changes nothing.
    time.sleep(VISIBILITY_TIMEOUT + 3)
    again = _report(report.pk)
    assert (again.status, again.finished_at, again.file.name, again.attempts) == (
        Report.Status.SUCCEEDED,
        done.finished_at,
        done.file.name,
        2,
    )


def test_a_worker_killed_mid_report_out_of_attempts_is_failed_with_a_reason_and_stays_failed(
    workers, officer, settings
):
    from reports.engine import services
    from reports.models import Report

    settings.REPORT_MAX_ATTEMPTS = 1
    first = workers.start()
    report, _ = services.report_request(kind="worker-slow", parameters={}, actor=officer)
    _wait_for(lambda: _report(report.pk).status == "running", what=f"the job to start\n{workers.log_tail()}")
    workers.kill(first)

    swept = _beat_until_finished(report.pk, workers, timeout=30)
    assert swept.status == Report.Status.FAILED
    assert swept.error.startswith("The worker building this report stopped before finishing it")

    # The job the dead worker held comes back after the visibility timeout; it leaves the report failed.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    workers.start()
    _wait_for(
        lambda: "succeeded in" in workers.log_tail(),
        timeout=60,
        what=f"the redelivered job to end\n{workers.log_tail()}",
    )
    again = _report(report.pk)
    assert again.status == Report.Status.FAILED
    assert not again.file


# The database restarting ------------------------------------------------------------------------


def _gunicorn(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("CELERY_BROKER_URL", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return subprocess.Popen(
        [str(gunicorn), "pcc_commissioning.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def test_requests_after_the_database_restarts_succeed(throwaway_postgres, tmp_path):
    _require_postgres_test_database("The database restart test copies the migrated test database")
    user = UserFactory(username="restart-officer", role=Role.OFFICER)
    # The tests hash passwords with a fast hasher the server's settings do not list.
    user.password = PBKDF2PasswordHasher().encode(TEST_PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    backup = tmp_path / "test.dump"
    call_command("backup", output=str(backup), stdout=io.StringIO())
    url = throwaway_postgres.create_database("restart_check")
    restored = _manage("restore", str(backup), database_url=url)
    assert restored.returncode == 0, restored.stderr

    port = _free_port()
    log = tmp_path / "gunicorn.log"
    server = _gunicorn(url, port, log)
    try:
        session = HttpSession(f"http://127.0.0.1:{port}", timeout=30)
        _wait_for(lambda: _up(session), timeout=30, what=f"gunicorn to start\n{log.read_text(errors='replace')}")
        session.login("restart-officer", TEST_PASSWORD)
        assert session.get("/grants/").status == 200
        assert _connections(throwaway_postgres, "restart_check") == 1  # one persistent connection, reused

        throwaway_postgres.restart()  # the open connection is gone

        for path in ("/grants/", "/providers/", "/health/"):
            reply = session.get(path)
            assert reply.status == 200, f"{path}: {reply.status}\n{log.read_text(errors='replace')[-3000:]}"
    finally:
        server.terminate()
        server.wait(timeout=15)


def _up(session: HttpSession) -> bool:
    try:
        return session.get("/health/").status == 200
    except OSError:
        return False


def _connections(server: ThrowawayPostgres, name: str) -> int:
    conn = server.connect("postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
            return cursor.fetchone()[0]
    finally:
        conn.close()


# Backup and restore -----------------------------------------------------------------------------


def _model_tables() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _postgres_fingerprint(conn) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and an MD5 over every row's text, and
    every sequence's position (new rows after a restore must not reuse ids)."""
    fingerprint = {}
    with conn.cursor() as cursor:
        # A timestamp's text depends on the session's time zone: compare both databases in UTC
        # (Django's connection is in UTC; a plain one takes the server's zone, BST in summer).
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), ',' ORDER BY md5(t::text)), '')) "
                f'FROM "{table}" AS t'
            )
            fingerprint[table] = cursor.fetchone()
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        for name, last_value in cursor.fetchall():
            fingerprint[f"sequence {name}"] = (last_value, "")
    return fingerprint


def _sqlite_fingerprint(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    fingerprint = {}
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_stat%' ORDER BY name"
        )
    ]
    for table in tables:
        # quote() gives each value's SQL text, so no type converter of the connection changes it.
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        row_text = " || ',' || ".join(f'quote("{column}")' for column in columns)
        rows = sorted(
            hashlib.sha256(text.encode()).hexdigest() for (text,) in conn.execute(f'SELECT {row_text} FROM "{table}"')
        )
        fingerprint[table] = (len(rows), hashlib.sha256(",".join(rows).encode()).hexdigest())
    return fingerprint


def _seed_demo() -> None:
    call_command("seed_demo", force=True, stdout=io.StringIO())


def _assert_same(source: dict, restored: dict) -> None:
    assert set(restored) == set(source)
    different = {table: (source[table], restored[table]) for table in source if source[table] != restored[table]}
    assert not different, f"Tables that differ after the restore: {different}"
    missing = _model_tables() - set(source)
    assert not missing, f"Models without a table: {missing}"
    for table in ("grants_award", "grants_payment", "providers_organisation", "pcc_commissioning_user"):
        assert source[table][0] > 0, f"the demo should have rows in {table}"


def test_a_postgresql_backup_restored_into_an_empty_database_gives_back_every_row(throwaway_postgres, tmp_path):
    _require_postgres_test_database("The PostgreSQL backup round trip")
    from django.db import connection

    _seed_demo()
    backup = tmp_path / "pcc.dump"
    call_command("backup", output=str(backup), stdout=io.StringIO())

    url = throwaway_postgres.create_database("restored")
    restored = _manage("restore", str(backup), database_url=url)
    assert restored.returncode == 0, restored.stderr
    again = _manage("restore", str(backup), database_url=url)
    assert again.returncode != 0 and "is not empty" in again.stderr  # never over existing data

    connection.ensure_connection()
    source = _postgres_fingerprint(connection.connection)
    copy = throwaway_postgres.connect("restored")
    try:
        _assert_same(source, _postgres_fingerprint(copy))
    finally:
        copy.close()


def test_a_sqlite_backup_restored_into_an_empty_database_gives_back_every_row(tmp_path):
    # Whatever the test database is (CI runs on PostgreSQL), the SQLite database backed up here is
    # a file of its own, made and seeded by the command line as an office running on SQLite would.
    source_file = tmp_path / "source.sqlite3"
    source_url = f"sqlite:///{source_file}"
    for arguments in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
        done = _manage(*arguments, database_url=source_url, timeout=900)
        assert done.returncode == 0, done.stderr
    backup = tmp_path / "pcc.sqlite3"
    made = _manage("backup", "--output", str(backup), database_url=source_url)
    assert made.returncode == 0, made.stderr

    target = tmp_path / "restored.sqlite3"
    restored = _manage("restore", str(backup), database_url=f"sqlite:///{target}")
    assert restored.returncode == 0, restored.stderr

    source, copy = sqlite3.connect(source_file), sqlite3.connect(target)
    try:
        _assert_same(_sqlite_fingerprint(source), _sqlite_fingerprint(copy))
    finally:
        source.close()
        copy.close()


def test_restore_refuses_a_backup_of_the_other_engine(tmp_path):
    from django.db import connection

    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if connection.vendor == "sqlite" else b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(Exception, match="backup but the database is"):
        call_command("restore", str(other), stdout=io.StringIO())


# The requeue service on its own (any database; the broker replaced by a stand-in) ---------------


def test_requeue_sends_only_reports_whose_sending_failed_and_stops_while_the_broker_is_down(
    officer, monkeypatch, tmp_path
):
    from django.utils import timezone
    from kombu.exceptions import OperationalError as BrokerDown

    from reports.engine import services, tasks
    from reports.models import Report
    from tests.reports.test_celery_worker import _test_kinds

    for name, kind in _test_kinds().items():
        monkeypatch.setitem(services.REPORT_KINDS, name, kind)
    sent: list[int] = []
    broker_up = False

    def delay(report_id):
        if not broker_up:
            raise BrokerDown("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        sent.append(report_id)

    monkeypatch.setattr(tasks.run_report, "delay", delay)
    first, _ = services.report_request(kind="worker-ok", parameters={}, actor=officer)
    second, _ = services.report_request(kind="worker-slow", parameters={}, actor=officer)
    fine = Report.objects.create(
        kind="worker-fail",
        parameters={},
        parameters_key="{}",
        requested_by=officer,
        step="Waiting to start",
        sent_at=timezone.now(),
    )  # sent: never sent twice
    assert {r.step for r in Report.objects.filter(pk__in=[first.pk, second.pk])} == {services.QUEUE_DOWN_STEP}

    assert services.reports_requeue_waiting() == 0  # still down: both keep waiting, unchanged
    assert Report.objects.filter(step=services.QUEUE_DOWN_STEP).count() == 2

    broker_up = True
    assert services.reports_requeue_waiting() == 2
    assert sent == [first.pk, second.pk]
    assert services.reports_requeue_waiting() == 0
    assert fine.pk not in sent
    assert set(Report.objects.values_list("status", flat=True)) == {Report.Status.QUEUED}
