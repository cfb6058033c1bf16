"""The load test behind ``make load`` (scripts/load). Not a test: figures are recorded.
LOAD_USERS, LOAD_SECONDS, LOAD_SKIP (task names left out, e.g. "dashboard") and LOAD_OUTPUT
(instead of bench/LOAD.md; then RESULTS.md is left alone) change a run.

Run as a script (``python bench/load.py``, DATABASE_URL naming a seeded PostgreSQL database), it
starts on free loopback ports a throwaway ``redis-server``, a Celery worker on it, and gunicorn
(3 sync workers, production settings over plain HTTP) on that database; then runs locust in a
second process (``locust -f bench/load.py``, which loads the user class below): LOAD_USERS (20)
officers, each waiting about a second between pages, for LOAD_SECONDS (60), on a mix of officer
pages and now and then a Panel report request. Writes bench/LOAD.md (throughput, p50/p95 of page
views, errors, the reports' outcome) and puts it in bench/RESULTS.md.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD = Path(os.environ.get("LOAD_OUTPUT", ROOT / "bench" / "LOAD.md"))
RESULTS = ROOT / "bench" / "RESULTS.md"
USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
GUNICORN_WORKERS = int(os.environ.get("LOAD_GUNICORN_WORKERS", "3"))
TARGET_P95_MS = 500


# The locust side (imported by locust, never when run as a script) ------------------------------

if __name__ != "__main__":
    from locust import HttpUser, between, events, task

    TARGETS = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text())
    _SESSION_NUMBERS = itertools.count()
    SKIP = {name.strip() for name in os.environ.get("LOAD_SKIP", "").split(",") if name.strip()}
    SAMPLES: list[tuple[str, str, float, bool]] = []

    @events.request.add_listener
    def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
        SAMPLES.append((request_type, name, response_time, exception is not None))

    @events.quitting.add_listener
    def _write_samples(environment, **kwargs):
        Path(os.environ["LOAD_SAMPLES"]).write_text(json.dumps(SAMPLES))

    class Officer(HttpUser):
        """A commissioning officer going about the day's work."""

        wait_time = between(0.5, 1.5)  # about a second between pages

        def on_start(self):
            # Already signed in (by the orchestrator, before the clock starts): officers at work,
            # not twenty password hashes at the same second.
            cookies = TARGETS["sessions"][next(_SESSION_NUMBERS) % len(TARGETS["sessions"])]
            for name, value in cookies.items():
                self.client.cookies.set(name, value)

        def _page(self, url: str, name: str):
            if name in SKIP:
                return
            with self.client.get(url, name=name, catch_response=True, allow_redirects=False) as reply:
                if reply.status_code != 200:
                    reply.failure(f"status {reply.status_code}")

        @task(4)
        def dashboard(self):
            self._page("/reports/dashboard/", "dashboard")

        @task(6)
        def awards(self):
            self._page(f"/grants/?page={random.randint(1, 20)}", "awards list")

        @task(6)
        def awards_filtered(self):
            fy = random.choice(TARGETS["fys"])
            status = random.choice(["active", "ended", "awarded"])
            self._page(f"/grants/?fy={fy}&status={status}&sort=-value", "awards list, filtered")

        @task(8)
        def award(self):
            self._page(f"/grants/awards/{random.choice(TARGETS['awards'])}/", "award page")

        @task(4)
        def providers(self):
            self._page(random.choice(["/providers/", "/providers/?q=trust", "/providers/?q=victim"]), "providers list")

        @task(4)
        def returns_inbox(self):
            self._page(
                random.choice(["/grants/monitoring/returns/", "/grants/monitoring/returns/?show=late"]), "returns inbox"
            )

        @task(3)
        def funding(self):
            self._page(f"/grants/funding/?fy={random.choice(TARGETS['fys'])}", "funding page")

        @task(2)
        def moj_return(self):
            if TARGETS.get("moj"):
                fy, half = TARGETS["moj"]
                self._page(f"/reports/moj/{fy}/h{half}/", "MoJ return page")

        @task(1)
        def request_report(self):
            if random.random() > 0.25:  # about one request in 150 page views
                return
            page = self.client.get("/reports/request/?kind=panel", name="report request (form)")
            if page.status_code != 200:
                return
            token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
            with self.client.post(
                "/reports/request/",
                name="report request",
                data={
                    "csrfmiddlewaretoken": token,
                    "kind": "panel",
                    "fy": random.choice(TARGETS["fys"]),
                    "period": random.choice(["H1", "H2"]),
                },
                headers={"Referer": self.host + "/reports/request/?kind=panel"},
                allow_redirects=False,
                catch_response=True,
            ) as reply:
                if reply.status_code != 302:
                    reply.failure(f"status {reply.status_code}")
                    return
            self._page(reply.headers["Location"], "report status page")


# The orchestrator (python bench/load.py) -------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _targets(path: Path) -> dict:
    from bench.pages import _dataset, _moj_half
    from grants.models import Award

    data = _dataset()
    awards = list(Award.objects.order_by("?").values_list("pk", flat=True)[:300])
    path.write_text(
        json.dumps(
            {
                "awards": awards,
                "fys": data["fys"][-3:] or [data["fy"]],
                "moj": _moj_half(data["fys"]),
                "counts": data["counts"],
            }
        )
    )
    return data


def _give_up_on_active_reports(reason: str) -> None:
    from reports.engine.services import report_mark_failed
    from reports.models import Report

    for report_id in Report.objects.filter(status__in=Report.ACTIVE_STATUSES).values_list("pk", flat=True):
        report_mark_failed(report_id=report_id, error=reason)


def _sign_in(base_url: str, count: int) -> list:
    """One signed-in officer session (a bench.http_session.HttpSession) per simulated user."""
    from bench.http_session import HttpSession
    from bench.pages import DEMO_PASSWORD

    sessions = []
    for _ in range(count):
        session = HttpSession(base_url)
        session.login("officer", DEMO_PASSWORD)
        sessions.append(session)
    return sessions


def _warm_up(sessions: list, targets: dict) -> None:
    """Each page of the mix requested at once by twice as many sessions as gunicorn has workers,
    before the clock starts: every worker has then compiled its templates and drawn the
    dashboard's charts, as on a server that has been up for a while. A cold worker's first
    page takes about a second (measured separately: ``bench/pages.py`` times one warm-up)."""
    from concurrent.futures import ThreadPoolExecutor

    fy = targets["fys"][-1]
    urls = [
        "/reports/dashboard/",
        "/grants/",
        f"/grants/?fy={fy}&status=active&sort=-value",
        f"/grants/awards/{targets['awards'][0]}/",
        "/providers/",
        "/grants/monitoring/returns/",
        f"/grants/funding/?fy={fy}",
    ]
    if targets.get("moj"):
        urls.append(f"/reports/moj/{targets['moj'][0]}/h{targets['moj'][1]}/")
    concurrent = sessions[: GUNICORN_WORKERS * 2]
    with ThreadPoolExecutor(max_workers=len(concurrent)) as pool:
        for url in urls:
            list(pool.map(lambda session: session.get(url), concurrent))  # noqa: B023 (used at once)


def _wait_ready(process: subprocess.Popen, log: Path, marker: bytes, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited:\n{log.read_text(errors='replace')[-3000:]}")
        if marker in log.read_bytes():
            return
        time.sleep(0.3)
    raise SystemExit(f"{what} not ready after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.pages import SERVER_ENV, _machine, _setup_django, free_port, start_gunicorn

    _setup_django()
    from django.db import connection

    from reports.models import Report

    work = Path(tempfile.mkdtemp(prefix="pcc-load-"))
    media = work / "media"
    media.mkdir()
    targets_file = work / "targets.json"
    data = _targets(targets_file)
    redis_port, web_port = free_port(), free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    env = {
        **os.environ,
        **SERVER_ENV,
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "MEDIA_ROOT": str(media),
        "PYTHONPATH": str(ROOT),
    }
    started_at = datetime.datetime.now(datetime.UTC)
    # A report left queued by an earlier run would absorb this run's requests for it.
    _give_up_on_active_reports("left over from an earlier load test")
    first_report = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()
    redis = worker = web = None
    try:
        redis_log, worker_log = work / "redis.log", work / "worker.log"
        redis = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
            ],
            stdout=redis_log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_ready(redis, redis_log, b"Ready to accept connections", "redis-server")
        worker = subprocess.Popen(
            # Below the web server's CPU priority: a report waits a little, a page view does not.
            [
                "nice",
                "-n",
                "10",
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "pcc_commissioning",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                "load@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=worker_log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_ready(worker, worker_log, b" ready.", "the Celery worker")
        web = start_gunicorn(
            port=web_port,
            workers=GUNICORN_WORKERS,
            log=work / "gunicorn.log",
            extra_env={"CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": broker, "MEDIA_ROOT": str(media)},
        )
        targets = json.loads(targets_file.read_text())
        sessions = _sign_in(f"http://127.0.0.1:{web_port}", USERS)
        targets["sessions"] = [{cookie.name: cookie.value for cookie in session.cookies} for session in sessions]
        targets_file.write_text(json.dumps(targets))
        _warm_up(sessions, targets)
        samples_file = work / "samples.json"
        load_before = os.getloadavg()[0]
        print(
            f"locust: {USERS} users for {SECONDS} s against gunicorn ({GUNICORN_WORKERS} workers) on "
            f"127.0.0.1:{web_port}",
            flush=True,
        )
        locust = subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(ROOT / "bench" / "load.py"),
                "--headless",
                "--users",
                str(USERS),
                "--spawn-rate",
                str(USERS),
                "--run-time",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{web_port}",
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOAD_TARGETS": str(targets_file), "LOAD_SAMPLES": str(samples_file)},
        )
        # Give the worker up to a minute to finish the reports still queued.
        deadline = time.monotonic() + 60
        while (
            time.monotonic() < deadline
            and Report.objects.filter(pk__gt=first_report, status__in=Report.ACTIVE_STATUSES).exists()
        ):
            time.sleep(1)
        reports = list(Report.objects.filter(pk__gt=first_report).values_list("status", "started_at", "finished_at"))
        _give_up_on_active_reports("the load test ended before this report finished")
        samples = json.loads(samples_file.read_text()) if samples_file.exists() else []
    finally:
        _stop(web)
        _stop(worker)
        _stop(redis)
    write_results(
        samples=samples,
        reports=reports,
        data=data,
        started_at=started_at,
        machine=_machine(),
        locust_status=locust.returncode,
        database=connection.settings_dict["NAME"],
        load_before=load_before,
    )
    shutil.rmtree(work, ignore_errors=True)


def write_results(*, samples, reports, data, started_at, machine, locust_status, database, load_before) -> None:
    pages = [s for s in samples if s[0] == "GET" and not s[1].startswith("report request")]
    errors = [s for s in samples if s[3]]
    by_name: dict[str, list[float]] = {}
    for _, name, elapsed, _ in pages:
        by_name.setdefault(name, []).append(elapsed)
    times = [s[2] for s in pages]
    others = [s[2] for s in pages if s[1] != "dashboard"]
    p95 = _percentile(times, 0.95)
    durations = [
        (finished - started).total_seconds()
        for status, started, finished in reports
        if status == "succeeded" and started and finished
    ]
    statuses = {}
    for status, *_ in reports:
        statuses[status] = statuses.get(status, 0) + 1
    verdict = "met" if not errors and p95 < TARGET_P95_MS else "NOT met"
    lines = [
        "# Load test",
        "",
        f"Run {started_at:%Y-%m-%d %H:%M} UTC by `make load` on {machine}; database `{database}` ("
        + ", ".join(f"{n:,} {what}" for what, n in data["counts"].items())
        + ").",
        f"{USERS} officers (locust, a second process on loopback), each waiting 0.5-1.5 s between pages, for "
        f"{SECONDS} s, against gunicorn ({GUNICORN_WORKERS} sync workers, production settings) + PostgreSQL + one "
        "Celery worker (at nice 10) on Redis. Each user is signed in before the clock starts (its own session), "
        "and each page of the mix is requested a few times at once first, so every gunicorn worker is warm. "
        "Page views: every GET except the report form."
        + (f" Left out of the mix (LOAD_SKIP): {os.environ['LOAD_SKIP']}." if os.environ.get("LOAD_SKIP") else ""),
        f"Load average (1 min) on the machine just before the run: {load_before:.1f} (other work included).",
        "",
        f"- Requests: {len(samples):,} ({len(samples) / SECONDS:.1f}/s); page views: {len(pages):,} "
        f"({len(pages) / SECONDS:.1f}/s)",
        f"- Page views: median {statistics.median(times) if times else 0:.0f} ms, p95 {p95:.0f} ms, "
        f"max {max(times) if times else 0:.0f} ms",
        f"- Page views other than the dashboard: p95 {_percentile(others, 0.95):.0f} ms",
        f"- Errors: {len(errors)}" + (f" ({', '.join(sorted({s[1] for s in errors}))})" if errors else ""),
        f"- Panel reports requested: {len(reports)} ("
        + ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
        + ")"
        + (f"; generation median {statistics.median(durations):.1f} s on the worker" if durations else ""),
        f"- Target (zero errors, p95 under {TARGET_P95_MS} ms): **{verdict}**"
        + ("" if locust_status == 0 else f" (locust exit status {locust_status})"),
        "",
        "| Page | Views | Median ms | p95 ms | Max ms |",
        "|---|---|---|---|---|",
    ]
    for name, values in sorted(by_name.items()):
        lines.append(
            f"| {name} | {len(values)} | {statistics.median(values):.0f} | {_percentile(values, 0.95):.0f} "
            f"| {max(values):.0f} |"
        )
    lines.append("")
    LOAD.write_text("\n".join(lines))
    print("\n".join(lines))
    if RESULTS.exists() and "LOAD_OUTPUT" not in os.environ:
        text = RESULTS.read_text()
        section = "\n".join(lines).replace("# Load test", "## Load test (`make load`)", 1).strip()
        marker = "## Load test (`make load`)"
        text = text.split(marker)[0].rstrip() + "\n\n" + section + "\n"
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
