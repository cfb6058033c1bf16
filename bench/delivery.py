"""Plan delivery's share of the benchmark (bench/pages.py): the officer's and the public page of
the largest published delivery plan, the Panel report's plan delivery section, and the
delivery_plan export of that plan.

Each page is looked up by its URL name and the export by its kind, and reported "not available"
if one is missing (the delivery pages land in stages) instead of failing the run.

Run alone against a seeded database (say a national seed made small with ``seed_demo --scale
national --scale-factor 0.1``), it times the same things in this process through Django's test
client, without gunicorn: ``DATABASE_URL=... python bench/delivery.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The pages timed, for the plan with the most activities: (name, URL name, who). "anonymous"
# is nobody signed in (the public page needs no sign-in).
DELIVERY_PAGES = (
    ("Delivery plan page (officer)", "delivery:plan", "officer"),
    ("Public plan page", "plans_public:plan", "anonymous"),
)
ANONYMOUS = "anonymous"


def largest_plan() -> str | None:
    """The reference of the published plan with the most activities (None: no published plan)."""
    from django.db.models import Count

    from delivery.models import DeliveryPlan, PlanStatus

    plans = DeliveryPlan.objects.filter(status=PlanStatus.PUBLISHED).annotate(n=Count("activities"))
    return plans.order_by("-n", "reference").values_list("reference", flat=True).first()


def delivery_counts() -> dict[str, int]:
    from delivery.models import ComplianceFigure, DeliveryPlan, MetricValue, ProgressUpdate

    return {
        "delivery plans": DeliveryPlan.objects.count(),
        "progress updates": ProgressUpdate.objects.count(),
        "metric values": MetricValue.objects.count(),
        "compliance figures": ComplianceFigure.objects.count(),
    }


def delivery_period() -> tuple[int, str] | None:
    """The year and half of the latest accepted update round (what a Panel report would show
    now), or None."""
    from delivery.models import UpdateRound, UpdateRoundStatus
    from pcc_commissioning.periods import half_of

    latest = (
        UpdateRound.objects.filter(status__in=(UpdateRoundStatus.ACCEPTED, UpdateRoundStatus.CONSIDERED))
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if latest is None:
        return None
    half = half_of(latest)
    return half.fy.start_year, half.code


def delivery_pages(data: dict) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """(name, URL, who) rows for the pages whose URL name exists, and a "not available" result
    for each that does not (or when there is no published plan)."""
    from django.urls import NoReverseMatch, reverse

    reference = data.get("plan")
    rows, missing = [], []
    for name, url_name, who in DELIVERY_PAGES:
        if not reference:
            missing.append({"name": name, "note": "not available (no published delivery plan in this database)"})
            continue
        try:
            url = reverse(url_name, args=[reference])
        except NoReverseMatch:
            missing.append({"name": name, "note": f"not available (no URL named {url_name})"})
            continue
        rows.append((f"{name} ({reference})", url, who))
    return rows, missing


def panel_delivery_section(fy: int, period: str):
    """The Panel report's plan delivery section alone, gathered and rendered as HTML (its share
    of the whole report, which is timed too)."""

    def build() -> str:
        from django.template.loader import render_to_string

        from pcc_commissioning.periods import period_long_label
        from reports.panel.delivery import compliance, plan_delivery
        from reports.panel.report import parse_panel_period

        span = parse_panel_period(fy, period)
        plans, missing = plan_delivery(span)
        section = {
            "period": span,
            "period_label": period_long_label(span),
            "funding": {"label": span.fy.label},
            "plans": plans,
            "plans_missing": missing,
            "compliance": compliance(span),
        }
        return render_to_string("reports/panel/plan_delivery.html", {"data": section, "threshold": 5})

    return build


def panel_report(fy: int, period: str):
    def build() -> bytes:
        from reports.panel.report import build_panel_report

        return build_panel_report(fy=fy, period=period)[0]

    return build


def delivery_plan_export(reference: str):
    """The delivery_plan export of one plan as CSV, in memory (ExportError while the kind is
    not registered)."""

    def export() -> bytes:
        import io

        from pcc_commissioning.interchange.exports import run_export

        output = io.BytesIO()
        run_export("delivery_plan", format="csv", output=output, options={"plan": reference})
        return output.getvalue()

    return export


def generation_jobs(data: dict) -> list[tuple[str, object, object]]:
    """(name, function, target seconds or a "not available" note) for bench/pages.py."""
    jobs = []
    when = data.get("delivery_period")
    if when:
        fy, period = when
        jobs.append((f"Panel report PDF with plan delivery, FY {fy} {period}", panel_report(fy, period), None))
        jobs.append(
            (f"Panel report plan delivery section (HTML), FY {fy} {period}", panel_delivery_section(fy, period), 5)
        )
    else:
        jobs.append(("Panel report plan delivery section", None, "not available (no accepted update round)"))
    if data.get("plan"):
        jobs.append((f"delivery_plan export CSV, plan {data['plan']}", delivery_plan_export(data["plan"]), 5))
    else:
        jobs.append(("delivery_plan export CSV", None, "not available (no published delivery plan)"))
    return jobs


def dataset() -> dict:
    return {"plan": largest_plan(), "delivery_period": delivery_period(), "counts": delivery_counts()}


# Run alone -----------------------------------------------------------------------------------


def _time_pages(data: dict, repeats: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rows, missing = delivery_pages(data)
    for row in missing:
        print(f"  {row['name']}: {row['note']}", flush=True)
    for name, url, who in rows:
        client = Client()
        if who != ANONYMOUS:
            client.force_login(get_user_model().objects.get(username=who))
        client.get(url)  # warm
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        print(
            f"  {name}: {response.status_code} median {statistics.median(timings):.0f} ms, "
            f"max {max(timings):.0f} ms, {len(queries)} queries, {len(response.content):,} bytes",
            flush=True,
        )


def _time_jobs(data: dict) -> None:
    from pcc_commissioning.interchange.exports import ExportError

    for name, function, note in generation_jobs(data):
        if function is None:
            print(f"  {name}: {note}", flush=True)
            continue
        started = time.perf_counter()
        try:
            result = function()
        except ExportError as error:
            print(f"  {name}: not available ({error})", flush=True)
            continue
        seconds = time.perf_counter() - started
        print(f"  {name}: {seconds:.2f} s, {len(result):,} bytes", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per page (after one to warm up)")
    args = parser.parse_args()
    from bench.pages import _setup_django

    _setup_django()
    data = dataset()
    print(", ".join(f"{n:,} {what}" for what, n in data["counts"].items()), flush=True)
    print(f"Largest published plan: {data['plan']}; latest accepted half: {data['delivery_period']}", flush=True)
    _time_pages(data, args.repeats)
    _time_jobs(data)


if __name__ == "__main__":
    main()
