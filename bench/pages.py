"""The benchmark behind ``make bench`` (scripts/bench). Not a test: timings are recorded, never
asserted (README "Performance").

``measure`` (run once per database, DATABASE_URL naming it):
  - with ``--pages``: serves the app with gunicorn (production settings over plain HTTP on
    loopback) and times each main page, signed in as the commissioning officer, side by side
    with the Django admin's award changelist (signed in as the system administrator) filtered
    the same way; median and 95th percentile of the response time seen by the client on
    loopback, and the page's query count (counted once through Django's test client in this
    process, as the server does not report it); with them the largest grant round's
    applications list and panel ranking (bench/rounds.py: "not available" until they land),
    and the largest published delivery plan's officer page and public page (bench/delivery.py,
    the same);
  - the generation times of the panel report (and WeasyPrint's share), the MoJ return (figures
    computed, then its PDF), the finance pack (XLSX), the 360Giving file and the largest grant
    round's round_results export (CSV); and (bench/delivery.py) the Panel report for the latest
    accepted half with its plan delivery section, that section alone, and the largest plan's
    delivery_plan export (CSV).
  Writes a JSON file of its figures.

``write DEMO.json NATIONAL.json``: bench/RESULTS.md from both runs (how each grows from demo to
national scale), the machine and the date, and the last import timings (bench/IMPORTS.md) and
load test (bench/LOAD.md) if any.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
LOAD = BENCH / "LOAD.md"
IMPORTS = BENCH / "IMPORTS.md"
REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))
DEMO_PASSWORD = "demo-password-2019"  # seed_demo's published password (bench databases only)
# Production settings over plain HTTP on loopback, with a throwaway key.
SERVER_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-not-for-production",
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "STATIC_MANIFEST": "0",
}


def _setup_django() -> None:
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_commissioning.settings")
    import logging

    import django

    django.setup()
    for noisy in ("weasyprint", "fontTools"):  # page-by-page progress at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(*, port: int, workers: int, log: Path, extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, **SERVER_ENV, **(extra_env or {})}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "pcc_commissioning.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    from bench.http_session import HttpSession

    probe = HttpSession(f"http://127.0.0.1:{port}", timeout=5)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if probe.get("/health/").status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer within 60 s:\n{log.read_text(errors='replace')[-3000:]}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _dataset() -> dict:
    from django.db.models import Count

    from grants.models import Award, FundingLine, MonitoringReturn, Payment
    from providers.models import Organisation

    busiest_award = Award.objects.annotate(n=Count("lines")).order_by("-n", "-pk").values_list("pk", flat=True).first()
    fys = list(FundingLine.objects.values_list("fy", flat=True).distinct().order_by("fy"))
    fy = fys[len(fys) // 2] if fys else 2019
    from bench.delivery import delivery_counts, delivery_period, largest_plan
    from bench.rounds import largest_round, round_counts

    return {
        "counts": {
            "organisations": Organisation.objects.count(),
            "awards": Award.objects.count(),
            "funding lines": FundingLine.objects.count(),
            "payments": Payment.objects.count(),
            "monitoring returns": MonitoringReturn.objects.count(),
            **round_counts(),
            **delivery_counts(),
        },
        "award": busiest_award,
        "fy": fy,
        "fys": fys,
        "round": largest_round(),
        "plan": largest_plan(),
        "delivery_period": delivery_period(),
    }


def _moj_half(fys: list[int]) -> tuple[int, int] | None:
    try:
        from reports.moj.figures import moj_scope_exists
    except ImportError:
        return None
    for fy in reversed(fys):
        for half in (1, 2):
            if moj_scope_exists(fy=fy, half=half):
                return fy, half
    return None


def page_rows(data: dict) -> list[tuple[str, str, str]]:
    """(name, URL, who): our pages, then the admin changelist filtered the same way."""
    fy, award = data["fy"], data["award"]
    rows = [
        ("Dashboard", "/reports/dashboard/", "officer"),
        ("Awards list", "/grants/", "officer"),
        ("Awards list, status active", "/grants/?status=active", "officer"),
        (
            f"Awards list, FY {fy} + status active + sorted by value",
            f"/grants/?fy={fy}&status=active&sort=-value",
            "officer",
        ),
        ("Awards list, search 'trust'", "/grants/?q=trust", "officer"),
        ("Awards list, provider name 'trust'", "/grants/?provider=trust", "officer"),
        ("Award page (most funding lines)", f"/grants/awards/{award}/", "officer"),
        ("Providers list", "/providers/", "officer"),
        ("Providers list, search 'trust'", "/providers/?q=trust", "officer"),
        ("Returns inbox (awaiting review)", "/grants/monitoring/returns/", "officer"),
        ("Returns inbox (late)", "/grants/monitoring/returns/?show=late", "officer"),
        (f"Funding page FY {fy}", f"/grants/funding/?fy={fy}", "officer"),
        (f"Portfolio RAG FY {fy}", f"/grants/monitoring/portfolio/?fy={fy}", "officer"),
        ("Need versus spend", f"/reports/need-versus-spend/?fy={fy}", "officer"),
        # Every grant of every year built and checked against the 360Giving schema, one page listed.
        ("360Giving page, all years", "/reports/transparency/360giving/?fy=all", "officer"),
        # "My work": the national awards have no lead officer or finance contact, so each
        # officer's and finance officer's work is everybody's (the largest it can be).
        ("My work (officer)", "/my-work/", "officer"),
        ("My work, everyone (officer)", "/my-work/?who=everyone", "officer"),
        ("My work, returns overdue in full (officer)", "/my-work/?show=late", "officer"),
        ("My work (finance)", "/my-work/", "finance"),
        ("My work (board member)", "/my-work/", "board"),
    ]
    moj = _moj_half(data["fys"])
    if moj:
        rows.append((f"MoJ return page {moj[0]} H{moj[1]}", f"/reports/moj/{moj[0]}/h{moj[1]}/", "officer"))
    from bench.rounds import round_pages

    rows += round_pages(data)[0]
    from bench.delivery import delivery_pages

    rows += delivery_pages(data)[0]
    rows += [
        ("Admin: award changelist", "/admin/grants/award/", "admin"),
        ("Admin: award changelist, status active", "/admin/grants/award/?status__exact=active", "admin"),
        ("Admin: award changelist, search 'trust'", "/admin/grants/award/?q=trust", "admin"),
        ("Admin: award change page", f"/admin/grants/award/{award}/change/", "admin"),
        ("Admin: organisation changelist", "/admin/providers/organisation/", "admin"),
    ]
    return rows


# Pages with a target of their own (milliseconds, median), judged under the pages table; a name
# ending in "(" matches any page whose name starts with it (the round pages name their round).
PAGE_TARGETS = {
    "360Giving page, all years": 2000,
    "Round applications list (": 300,
    "Round panel ranking (": 300,
    # The largest plan's whole tree (about 100 activities, 60 metrics with their charts) on one page.
    "Delivery plan page (officer) (": 1000,
    "Public plan page (": 1000,
}


def page_target(name: str) -> int | None:
    for key, target in PAGE_TARGETS.items():
        if name == key or (key.endswith("(") and name.startswith(key)):
            return target
    return None


# Our page and the Django admin page that does the same job (the quickest thing a team would
# build instead), compared side by side in RESULTS.md.
ADMIN_COUNTERPARTS = (
    ("Awards list", "Admin: award changelist"),
    ("Awards list, status active", "Admin: award changelist, status active"),
    ("Awards list, search 'trust'", "Admin: award changelist, search 'trust'"),
    ("Award page (most funding lines)", "Admin: award change page"),
    ("Providers list", "Admin: organisation changelist"),
)


def _query_count(client, url: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(captured.captured_queries), response.status_code


def measure_pages(data: dict, log_dir: Path, only: str = "") -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.delivery import ANONYMOUS, delivery_pages
    from bench.http_session import HttpSession

    whos = {row[2] for row in page_rows(data)}
    users = {who: get_user_model().objects.get(username=who) for who in whos - {ANONYMOUS}}
    clients = {}
    for who, user in users.items():
        clients[who] = Client()
        clients[who].force_login(user)
    clients[ANONYMOUS] = Client()  # the public pages: nobody signed in
    port = free_port()
    server = start_gunicorn(port=port, workers=2, log=log_dir / "bench-gunicorn.log")
    results = []
    from bench.rounds import round_pages

    for row in round_pages(data)[1] + delivery_pages(data)[1]:
        if not only or only.lower() in row["name"].lower():
            results.append(row)
            print(f"  {row['name']}: {row['note']}", flush=True)
    try:
        sessions = {}
        for who in users:
            sessions[who] = HttpSession(f"http://127.0.0.1:{port}")
            sessions[who].login(who, DEMO_PASSWORD)
        sessions[ANONYMOUS] = HttpSession(f"http://127.0.0.1:{port}")
        for name, url, who in page_rows(data):
            if only and only.lower() not in name.lower():
                continue
            session = sessions[who]
            session.get(url)  # warm-up, not counted
            timings, statuses = [], set()
            for _ in range(REPEATS):
                reply = session.get(url)
                timings.append(reply.elapsed_ms)
                statuses.add(reply.status)
            queries, test_status = _query_count(clients[who], url)
            row = {
                "name": name,
                "url": url,
                "who": who,
                "status": "/".join(map(str, sorted(statuses))),
                "median": statistics.median(timings),
                "p95": _percentile(timings, 0.95),
                "queries": queries,
                "bytes": len(reply.body),
            }
            results.append(row)
            print(
                f"  {name}: {row['status']} median {row['median']:.0f} ms, p95 {row['p95']:.0f} ms, {queries} queries",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return results


class _WeasyPrintClock:
    """Adds up the time spent in pcc_commissioning.pdf.tagged_pdf (HTML to PDF by WeasyPrint)."""

    def __init__(self):
        self.seconds = 0.0

    def __enter__(self):
        from pcc_commissioning import pdf

        self.pdf = pdf
        self.original = pdf.tagged_pdf

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        pdf.tagged_pdf = timed
        return self

    def __exit__(self, *exc):
        self.pdf.tagged_pdf = self.original


def _timed(function) -> tuple[float, float, object]:
    """Seconds taken (median of 3 when a run is under 5 s, else one run), WeasyPrint's seconds
    in it, and the result of the last run."""
    runs, pdf_seconds, result = [], [], None
    for _attempt in range(3):
        with _WeasyPrintClock() as clock:
            started = time.perf_counter()
            result = function()
            runs.append(time.perf_counter() - started)
        pdf_seconds.append(clock.seconds)
        if runs[-1] >= 5:
            break
    middle = sorted(range(len(runs)), key=runs.__getitem__)[len(runs) // 2]
    return runs[middle], pdf_seconds[middle], result


def measure_generation(data: dict) -> list[dict]:
    """Each generator that has landed; a missing one is listed with a note."""
    from bench.delivery import generation_jobs
    from bench.rounds import round_results_export
    from pcc_commissioning.interchange.exports import ExportError

    fy = data["fy"]
    moj = _moj_half(data["fys"])
    jobs = []

    def panel():
        from reports.panel.report import build_panel_report

        return build_panel_report(fy=fy, period="H1")[0]

    jobs.append((f"Panel report PDF, FY {fy} H1", panel, None))

    if moj:

        def moj_figures():
            from reports.moj.figures import moj_return_figures

            return moj_return_figures(fy=moj[0], half=moj[1])

        def moj_pdf():
            from reports.moj.figures import moj_return_figures
            from reports.moj.outputs import render_pdf

            return render_pdf(moj_return_figures(fy=moj[0], half=moj[1]))

        jobs.append((f"MoJ return figures (compute), {moj[0]} H{moj[1]}", moj_figures, 5))
        jobs.append((f"MoJ return PDF (figures + PDF), {moj[0]} H{moj[1]}", moj_pdf, None))
    else:
        jobs.append(("MoJ return", None, "no half with anything in scope (or reports.moj not present)"))

    def finance_pack():
        from reports.exporters import finance_pack_bytes

        return finance_pack_bytes(fy=fy)

    def threesixty():
        from reports.transparency.threesixty import threesixty_giving_json

        return threesixty_giving_json()

    jobs.append((f"Finance pack XLSX, FY {fy}", finance_pack, 30))
    jobs.append(("360Giving file, every year", threesixty, None))
    if data.get("round"):
        jobs.append((f"Round results export CSV, round {data['round']}", round_results_export(data["round"]), 5))
    else:
        jobs.append(("Round results export CSV", None, "not available (no grant round in this database)"))
    jobs += generation_jobs(data)

    rows = []
    for name, function, target in jobs:
        if function is None:
            rows.append({"name": name, "note": target})
            continue
        try:
            seconds, pdf_seconds, result = _timed(function)
        except ImportError as error:
            rows.append({"name": name, "note": f"not present yet ({error})"})
            print(f"  {name}: not present ({error})", flush=True)
            continue
        except ExportError as error:  # an export kind not registered yet
            rows.append({"name": name, "note": f"not available ({error})"})
            print(f"  {name}: not available ({error})", flush=True)
            continue
        size = len(result) if isinstance(result, (bytes, str)) else None
        rows.append(
            {
                "name": name,
                "seconds": seconds,
                "pdf_seconds": pdf_seconds,
                "bytes": size,
                "target": target if isinstance(target, (int, float)) else None,
            }
        )
        print(f"  {name}: {seconds:.2f} s (WeasyPrint {pdf_seconds:.2f} s)", flush=True)
    return rows


def measure(args) -> None:
    _setup_django()
    from django.db import connection

    data = _dataset()
    print(f"{args.label}: " + ", ".join(f"{n:,} {what}" for what, n in data["counts"].items()), flush=True)
    out = {"label": args.label, "counts": data["counts"], "fy": data["fy"], "load_before": os.getloadavg()[0]}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        out["database"] = f"{connection.vendor} {cursor.fetchone()[0].split()[0]}"
    if args.pages:
        out["pages"] = measure_pages(data, Path(args.out).parent, args.only)
    out["generation"] = [] if args.skip_generation else measure_generation(data)
    Path(args.out).write_text(json.dumps(out, indent=1))


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{memory_kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        memory = "RAM unknown"
    return f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}"


def _seconds(row: dict | None) -> str:
    if not row:
        return "-"
    if "seconds" not in row:
        return f"n/a ({row.get('note', '')})"
    text = f"{row['seconds']:.2f}"
    if row.get("pdf_seconds"):
        text += f" (WeasyPrint {row['pdf_seconds']:.2f})"
    if "," in row["name"]:
        text += f" for {row['name'].split(',', 1)[1].strip()}"
    return text


def _admin_comparison(pages: list[dict]) -> list[str]:
    """Our pages against their admin counterparts, measured in the same run."""
    by_name = {row["name"]: row for row in pages}
    pairs = [
        (by_name[ours], by_name[admin]) for ours, admin in ADMIN_COUNTERPARTS if ours in by_name and admin in by_name
    ]
    if not pairs:
        return []
    lines = [
        "",
        "Against the Django admin, same run (median ms, queries):",
        "",
        "| Our page | Ours | Admin page | Admin | Ours is |",
        "|---|---|---|---|---|",
    ]
    for ours, admin in pairs:
        ratio = admin["median"] / ours["median"] if ours["median"] else 0
        verdict = f"{ratio:.1f}× faster" if ratio >= 1 else f"{1 / ratio:.1f}× slower" if ratio else "-"
        lines.append(
            f"| {ours['name']} | {ours['median']:.0f} ({ours['queries']} queries) | {admin['name']} "
            f"| {admin['median']:.0f} ({admin['queries']} queries) | {verdict} |"
        )
    return lines


def _growth(cells: list[dict | None]) -> str:
    """How many times longer the last run (national) took than the first (demo)."""
    first, last = cells[0], cells[-1]
    if not first or not last or not first.get("seconds") or "seconds" not in last:
        return "-"
    return f"{last['seconds'] / first['seconds']:,.0f}×"


def _key(name: str) -> str:
    return name.split(",", 1)[0]


def write(args) -> None:
    runs = [json.loads(Path(path).read_text()) for path in args.runs]
    national = next((run for run in runs if run.get("pages")), runs[-1])
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmark results",
        "",
        f"Run {today} by `make bench`. Machine: {_machine()}, {national['database']}.",
        "Load average (1 min) just before each run, other work on the machine included: "
        + ", ".join(f"{run['label']} {run.get('load_before', 0):.1f}" for run in runs)
        + ".",
        "",
    ]
    for run in runs:
        lines.append(
            f"- **{run['label']}** data: " + ", ".join(f"{n:,} {what}" for what, n in run["counts"].items()) + "."
        )
    lines += [
        "",
        f"## Pages ({national['label']} data)",
        "",
        f"Each page requested {REPEATS} times after one warm-up over HTTP on loopback from gunicorn (2 sync "
        "workers, production settings, PostgreSQL), one request at a time; our pages as the commissioning "
        "officer (or the role in brackets), the Django admin as the system administrator. Milliseconds as the client saw them "
        "(server time plus well under a millisecond of loopback). Queries: counted once through "
        "Django's test client.",
        "",
        "| Page | URL | Status | Median ms | p95 ms | Queries |",
        "|---|---|---|---|---|---|",
    ]
    for row in national.get("pages", []):
        if "note" in row:
            lines.append(f"| {row['name']} | - | {row['note']} | - | - | - |")
            continue
        lines.append(
            f"| {row['name']} | `{row['url']}` | {row['status']} | {row['median']:.0f} | {row['p95']:.0f} "
            f"| {row['queries']} |"
        )
    for row in national.get("pages", []):
        target = page_target(row["name"])
        if target and "median" in row:
            verdict = "met" if row["median"] < target else "NOT met"
            lines += ["", f"{row['name']}: median {row['median']:.0f} ms, target under {target} ms: {verdict}."]
    lines += _admin_comparison(national.get("pages", []))
    lines += [
        "",
        "## Reports and exports",
        "",
        "Seconds in one process (median of three runs when a run takes under 5 s); WeasyPrint's "
        "share is the time spent turning the HTML into the PDF.",
        "",
        "| What | " + " | ".join(f"{run['label']} s" for run in runs) + " | Growth | Target |",
        "|---|" + "---|" * len(runs) + "---|---|",
    ]
    names = []
    for run in runs:
        for row in run["generation"]:
            if _key(row["name"]) not in [_key(n) for n in names]:
                names.append(row["name"])
    for name in names:
        cells, found = [], []
        target = None
        for run in runs:
            row = next((r for r in run["generation"] if _key(r["name"]) == _key(name)), None)
            cells.append(_seconds(row))
            found.append(row)
            if run is national and row and row.get("target"):
                target = row["target"]
        verdict = ""
        if target:
            seconds = next((r.get("seconds") for r in national["generation"] if _key(r["name"]) == _key(name)), None)
            verdict = f"< {target} s: " + ("met" if seconds is not None and seconds < target else "NOT met")
        lines.append(f"| {_key(name)} | " + " | ".join(cells) + f" | {_growth(found)} | {verdict} |")
    lines.append("")
    if IMPORTS.exists():  # the last `scripts/bench imports` (bench/imports.py)
        lines += ["", IMPORTS.read_text().replace("# Imports", "## Imports (`scripts/bench imports`)", 1).strip(), ""]
    if LOAD.exists():
        lines += ["", LOAD.read_text().replace("# Load test", "## Load test (`make load`)", 1).strip(), ""]
    RESULTS.write_text("\n".join(lines))
    print(f"Wrote {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("measure")
    run.add_argument("--label", required=True)
    run.add_argument("--out", required=True)
    run.add_argument("--pages", action="store_true")
    run.add_argument("--skip-generation", action="store_true", help="pages only (a quick look)")
    run.add_argument("--only", default="", help="only the pages whose name contains this (a quick look)")
    report = commands.add_parser("write")
    report.add_argument("runs", nargs="+")
    args = parser.parse_args()
    {"measure": measure, "write": write}[args.command](args)


if __name__ == "__main__":
    main()
