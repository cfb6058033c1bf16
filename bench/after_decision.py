"""After the decision's share of the benchmark: the officer's recoveries list, variations list,
closing-soon list and retention page, each the first page of its list.

Run alone against a seeded database (a national seed made small with ``seed_demo --scale
national --scale-factor 0.1``, or the demo), it times each page in this process through Django's
test client, without gunicorn, and says how many rows it lists and how many queries it made:
``DATABASE_URL=... python bench/after_decision.py [--repeats N]``. A page whose URL name is
missing is reported "not available" instead of failing the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# (name, URL name): every page is the officer's.
PAGES = (
    ("Recoveries list", "grants:recovery_list"),
    ("Variations list", "grants:variation_list"),
    ("Closing soon", "grants:closing_soon"),
    ("Personal data due for deletion", "grants:retention"),
)


def counts() -> dict[str, int]:
    from grants.closeout.selectors import closing_soon, retention_due
    from grants.models import Award, Recovery, Variation

    return {
        "awards": Award.objects.count(),
        "recoveries": Recovery.objects.count(),
        "variations": Variation.objects.count(),
        "awards closing soon or ended": closing_soon().count(),
        "closed awards due for redaction": retention_due().count(),
    }


def pages() -> tuple[list[tuple[str, str]], list[str]]:
    """(name, URL) of the pages that exist, and a "not available" line for each that does not."""
    from django.urls import NoReverseMatch, reverse

    rows, missing = [], []
    for name, url_name in PAGES:
        try:
            rows.append((name, reverse(url_name)))
        except NoReverseMatch:
            missing.append(f"{name}: not available (no URL named {url_name})")
    return rows, missing


def time_pages(repeats: int, *, username: str = "officer") -> list[dict]:
    """Each page's status, median and worst time in ms, queries and size, as the officer."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    results = []
    for name, url in pages()[0]:
        client.get(url)  # warm
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        results.append(
            {
                "name": name,
                "status": response.status_code,
                "median_ms": statistics.median(timings),
                "max_ms": max(timings),
                "queries": len(queries),
                "bytes": len(response.content),
            }
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per page (after one to warm up)")
    args = parser.parse_args()
    from bench.pages import _setup_django

    _setup_django()
    print(", ".join(f"{n:,} {what}" for what, n in counts().items()), flush=True)
    for line in pages()[1]:
        print(f"  {line}", flush=True)
    for row in time_pages(args.repeats):
        print(
            f"  {row['name']}: {row['status']} median {row['median_ms']:.0f} ms, max {row['max_ms']:.0f} ms, "
            f"{row['queries']} queries, {row['bytes']:,} bytes",
            flush=True,
        )


if __name__ == "__main__":
    main()
