"""Import throughput for ``make bench`` (scripts/bench; alone: ``scripts/bench imports``). Not a
test: timings are recorded, never asserted (README "Performance").

For each size (default 5,000 and 50,000 rows), in a fresh PostgreSQL database of its own
(``BENCH_IMPORTS_DATABASE``, default ``pcc_bench_imports``, on 127.0.0.1):

1. ``prepare``: the records a payments file names (a funder, one funding stream, a provider
   and one active award per ten payments, each with a funding line with room for its ten);
   not timed;
2. generates a providers CSV and a payments CSV of that many rows (docs/formats.md);
3. times ``manage.py import_data`` on each, as a separate process from the command line:
   first ``--dry-run`` (every row checked, nothing kept), then for real.

Writes bench/IMPORTS.md (the table, with how many times longer the largest size took than the
smallest: linear growth is the ratio of the sizes) and puts the same section into
bench/RESULTS.md (``bench/pages.py write`` keeps it there on a full run).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
IMPORTS = BENCH / "IMPORTS.md"
PYTHON = os.environ.get("BENCH_PYTHON", sys.executable)
TARGET_SECONDS = 60  # 50,000 rows checked or imported from the command line
PAYMENTS_PER_AWARD = 10
PAYMENT_AMOUNT = 1000
STREAM = "MoJ Victims Grant"
STEPS = (  # (label, kind, dry run)
    ("Providers, dry run", "providers", True),
    ("Providers, import", "providers", False),
    ("Payments, dry run", "payments", True),
    ("Payments, import", "payments", False),
)


def _database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qtA", "-d", "postgres", "-c", sql], check=True)


def _manage(database: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _database_url(database), "DEBUG": "1"}
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)


# Files --------------------------------------------------------------------------------------------


def _award_reference(number: int) -> str:
    return f"BENCH-{number:06d}"


def write_providers(path: Path, rows: int) -> None:
    kinds = ("voluntary_sector", "private", "social_enterprise", "other")
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            (
                "name",
                "kind",
                "charity_number",
                "company_number",
                "org_id",
                "address",
                "postcode",
                "website",
                "email",
                "phone",
                "supplier_number",
            )
        )
        for number in range(rows):
            writer.writerow(
                (
                    f"Bench Provider {number:06d}",
                    kinds[number % len(kinds)],
                    f"{1_000_000 + number}",
                    f"{10_000_000 + number:08d}",
                    "",
                    f"{number} High Street, Durham",
                    "DH1 1AA",
                    f"bench-{number}.example.org",
                    f"office@bench-{number}.example.org",
                    "0191 000 0000",
                    f"SUP-{number:06d}",
                )
            )


def write_payments(path: Path, rows: int) -> None:
    """Ten quarterly payments per award over 2019/20 and 2020/21 (one line per year), the
    2019/20 ones paid."""
    dues = (
        "2019-06-30",
        "2019-09-30",
        "2019-12-31",
        "2020-03-31",
        "2020-06-30",
        "2020-09-30",
        "2020-12-31",
        "2021-03-31",
        "2021-03-15",
        "2021-03-20",
    )
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            (
                "award_reference",
                "funding_stream",
                "due_date",
                "paid_date",
                "amount",
                "invoice_reference",
                "fy",
                "po_number",
            )
        )
        for number in range(rows):
            due = dues[number % PAYMENTS_PER_AWARD]
            fy = 2019 if due < "2020-04-01" else 2020
            paid = (datetime.date.fromisoformat(due) + datetime.timedelta(days=7)).isoformat() if fy == 2019 else ""
            writer.writerow(
                (
                    _award_reference(number // PAYMENTS_PER_AWARD),
                    STREAM,
                    due,
                    paid,
                    f"{PAYMENT_AMOUNT}.00",
                    f"INV-{number:07d}",
                    fy,
                    f"PO-{number // PAYMENTS_PER_AWARD:06d}",
                )
            )


# Steps --------------------------------------------------------------------------------------------


def prepare(args) -> None:
    """Run with DATABASE_URL naming a migrated database: what the payments file refers to."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcc_commissioning.settings")
    import django

    django.setup()
    from decimal import Decimal

    from simple_history.utils import bulk_create_with_history

    from grants.models import Award, AwardKind, AwardStatus, FundingLine, FundingStream
    from outcomes.models import CommissioningPriority
    from providers.models import Organisation

    funder = Organisation.objects.create(name="Ministry of Justice (bench)", kind="central_government")
    provider = Organisation.objects.create(name="Bench Award Holder", kind="voluntary_sector")
    stream = FundingStream.objects.create(name=STREAM, source=funder, kind="central_government", moj_reported=True)
    priority = CommissioningPriority.objects.create(code="BENCH", name="Bench priority")
    awards = bulk_create_with_history(
        [
            Award(
                reference=_award_reference(number),
                title=f"Bench service {number}",
                provider=provider,
                kind=AwardKind.GRANT,
                priority=priority,
                status=AwardStatus.ACTIVE,
                start_date=datetime.date(2019, 4, 1),
                end_date=datetime.date(2021, 3, 31),
            )
            for number in range(args.awards)
        ],
        Award,
        batch_size=1000,
    )
    per_year = Decimal(PAYMENT_AMOUNT * PAYMENTS_PER_AWARD)  # room for every payment in either year
    bulk_create_with_history(
        [FundingLine(award=award, stream=stream, fy=fy, amount=per_year) for award in awards for fy in (2019, 2020)],
        FundingLine,
        batch_size=1000,
    )


def _fresh_database(database: str, rows: int) -> None:
    _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    _psql(f"CREATE DATABASE {database}")
    _manage(database, "migrate", "--noinput", "-v0")
    env = {**os.environ, "DATABASE_URL": _database_url(database), "DEBUG": "1"}
    subprocess.run(
        [PYTHON, str(Path(__file__)), "prepare", "--awards", str(-(-rows // PAYMENTS_PER_AWARD))],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _timed_import(database: str, kind: str, path: Path, *, dry_run: bool) -> tuple[float, float, str]:
    """Seconds from start to exit, and the CPU seconds the import's process spent in Python
    (user time: what other work on a shared machine changes least), with its summary line."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    started = time.perf_counter()
    done = _manage(database, "import_data", kind, str(path), *(["--dry-run"] if dry_run else []))
    took = time.perf_counter() - started
    return took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu_before, done.stdout.strip()


def measure(args) -> None:
    database = os.environ.get("BENCH_IMPORTS_DATABASE", "pcc_bench_imports")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise SystemExit(f"BENCH_IMPORTS_DATABASE must be a plain database name, not {database!r}")
    sizes = sorted(args.sizes)
    seconds: dict[tuple[str, int], float] = {}
    cpu: dict[tuple[str, int], float] = {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            print(f"{rows:,} rows: fresh database {database}")
            _fresh_database(database, rows)
            files = {kind: Path(folder) / f"{kind}-{rows}.csv" for kind in ("providers", "payments")}
            write_providers(files["providers"], rows)
            write_payments(files["payments"], rows)
            for label, kind, dry_run in STEPS:
                loads.append(os.getloadavg()[0])
                took, user, summary = _timed_import(database, kind, files[kind], dry_run=dry_run)
                seconds[(label, rows)], cpu[(label, rows)] = took, user
                print(f"  {label}: {took:.1f} s, {user:.1f} s user CPU ({summary})")
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    loads.append(os.getloadavg()[0])
    _write(sizes, seconds, cpu, loads)


def _write(
    sizes: list[int], seconds: dict[tuple[str, int], float], cpu: dict[tuple[str, int], float], loads: list[float]
) -> None:
    from bench.pages import _machine

    smallest, largest = sizes[0], sizes[-1]
    database = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qtA", "-d", "postgres", "-c", "SHOW server_version"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[0]
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Imports",
        "",
        f"Run {today} by `scripts/bench imports` on {_machine()}, PostgreSQL {database}; load average "
        f"(1 min) from {min(loads):.1f} to {max(loads):.1f} before each import and at the end (other work on "
        "the machine included: on a busy machine the seconds grow, the user CPU seconds much less).",
        f"Seconds of `manage.py import_data KIND FILE` from start to exit (Python and Django start-up "
        f"included), and in brackets the user CPU seconds of its process (PostgreSQL's own work not "
        f"included), each size in a fresh database. Providers: new organisations, every column filled. "
        f"Payments: {PAYMENTS_PER_AWARD} per active award (one award per {PAYMENTS_PER_AWARD} rows), "
        "those due in 2019/20 paid, each checked against its award's funding lines and earlier payments. "
        f"A dry run checks every row and writes nothing; linear growth from {smallest:,} to {largest:,} "
        f"rows would take {largest / smallest:.0f}× as long.",
        "",
        "| Import | " + " | ".join(f"{rows:,} rows: s (CPU s)" for rows in sizes) + f" | {largest:,} / {smallest:,} "
        f"| Target (< {TARGET_SECONDS} s at {largest:,}) |",
        "|---|" + "---|" * len(sizes) + "---|---|",
    ]
    for label, _, _ in STEPS:
        first, last = seconds[(label, smallest)], seconds[(label, largest)]
        verdict = "met" if last < TARGET_SECONDS else "NOT met"
        lines.append(
            f"| {label} | "
            + " | ".join(f"{seconds[(label, rows)]:.1f} ({cpu[(label, rows)]:.1f})" for rows in sizes)
            + f" | {last / first:.1f}× | {verdict} |"
        )
    IMPORTS.write_text("\n".join(lines) + "\n")
    print(f"Wrote {IMPORTS}")
    splice_into_results()


def splice_into_results() -> None:
    """Put bench/IMPORTS.md into bench/RESULTS.md as its "## Imports" section (replacing the
    previous one), before the load test."""
    if not IMPORTS.exists() or not RESULTS.exists():
        return
    section = imports_section()
    text = RESULTS.read_text()
    text = re.sub(r"\n## Imports.*?(?=\n## |\Z)", "\n", text, flags=re.S).rstrip("\n") + "\n"
    marker = "\n## Load test"
    if marker in text:
        head, tail = text.split(marker, 1)
        text = head.rstrip("\n") + "\n\n" + section + "\n" + marker + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    print(f"Updated {RESULTS}")


def imports_section() -> str:
    return IMPORTS.read_text().replace("# Imports", "## Imports (`scripts/bench imports`)", 1).strip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("measure")
    run.add_argument("--sizes", type=int, nargs="+", default=[5_000, 50_000])
    setup = commands.add_parser("prepare")
    setup.add_argument("--awards", type=int, required=True)
    args = parser.parse_args()
    {"measure": measure, "prepare": prepare}[args.command](args)


if __name__ == "__main__":
    main()
