"""Time the main pages at national scale: median and 95th-percentile server time and the
query count of each, through Django's test client in one process (no network in the way).

Run by ``make bench`` after ``seed_demo --scale national``; writes bench/RESULTS.md.
Not a test: timings are never asserted, only recorded (DESIGN.md "Scale").
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_commissioning.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from grants.models import Award, FundingLine, MonitoringReturn  # noqa: E402
from outcomes.models import KPQ  # noqa: E402
from providers.models import Organisation  # noqa: E402

REPEATS = int(os.environ.get("BENCH_REPEATS", "20"))
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def pages() -> list[tuple[str, str]]:
    busiest_award = (
        Award.objects.filter(reference__startswith="NAT-").order_by("-pk").values_list("pk", flat=True).first()
    )
    busiest_provider = (
        FundingLine.objects.values("award__provider").order_by().annotate(n=django.db.models.Count("id"))
        .order_by("-n").values_list("award__provider", flat=True).first()
    )
    some_provider = Organisation.objects.order_by("pk").values_list("pk", flat=True).first()
    kpq3 = KPQ.objects.get(number=3).pk
    return [
        ("Providers list", "/providers/"),
        ("Providers list, search", "/providers/?q=trust"),
        ("Provider page", f"/providers/{some_provider}/"),
        ("Awards list", "/grants/"),
        ("Awards list, FY 2021 + status active + sorted by value", "/grants/?fy=2021&status=active&sort=-value"),
        ("Awards list, last page", "/grants/?page=400"),
        ("Award page", f"/grants/awards/{busiest_award}/"),
        ("Provider Awards tab (busiest provider)", f"/grants/provider/{busiest_provider}/awards/"),
        ("Funding page FY 2021", "/grants/funding/?fy=2021"),
        ("Decisions list", "/grants/decisions/"),
        ("Award performance tab", f"/grants/monitoring/awards/{busiest_award}/performance/"),
        ("Returns inbox (awaiting review)", "/grants/monitoring/returns/"),
        ("Returns inbox (late)", "/grants/monitoring/returns/?show=late"),
        ("Portfolio RAG FY 2021", "/grants/monitoring/portfolio/?fy=2021"),
        ("KPQ page (KPQ3) FY 2021", f"/reports/kpqs/{kpq3}/?fy=2021"),
        ("Need versus spend FY 2019", "/reports/need-versus-spend/?fy=2019"),
        ("Intentions board", "/needs/intentions/"),
        ("Awards export CSV, FY 2021", "/grants/awards/export/?fy=2021&format=csv"),
    ]


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    timings = []
    queries = 0
    status = 0
    for attempt in range(REPEATS + 1):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            elapsed = (time.perf_counter() - started) * 1000
        status = response.status_code
        if attempt:  # the first request warms caches and is not counted
            timings.append(elapsed)
            queries = len(captured.captured_queries)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, queries, status


def main() -> None:
    user = get_user_model().objects.get(username="officer")
    client = Client()
    client.force_login(user)
    counts = {
        "organisations": Organisation.objects.count(),
        "awards": Award.objects.count(),
        "funding lines": FundingLine.objects.count(),
        "payments": django.apps.apps.get_model("grants", "Payment").objects.count(),
        "monitoring returns": MonitoringReturn.objects.count(),
    }
    rows = []
    for name, url in pages():
        median, p95, queries, status = measure(client, url)
        rows.append(f"| {name} | `{url}` | {status} | {median:.0f} | {p95:.0f} | {queries} |")
        print(rows[-1], flush=True)
    reset_queries()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {connection.vendor}"
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine}. Data: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()) + ".",
        f"Each page requested {REPEATS} times after one warm-up, as a commissioning officer, through",
        "Django's test client (server time, no network). Times in milliseconds.",
        "",
        "| Page | URL | Status | Median ms | p95 ms | Queries |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print(f"\nWrote {RESULTS}")


if __name__ == "__main__":
    main()
