"""The figures of the MoJ bi-annual compliance return and their validation.

``moj_return_figures(fy=, half=)`` computes, live, the plain JSON-serialisable dict docs/formats.md
documents ("MoJ bi-annual return"): per MoJ-reported stream, per MoJ-funded service (award),
totals, and the validation issues an officer acts on before sign-off (written in
``reports.moj.validation``; the code lists in ``reports.moj.codes``). Money is written as a
string with two decimals ("1234.50"), counts as integers.

The figures are those of the half as it ended: committed counts the awards committed at the
end of the half's last day (``grants.awards.selectors.status_at``: their status then, read from their
timelines, or now for a half not over yet), and paid counts payments with a paid date on or
before that day, so computing a past half again later gives the same money.

A constant number of queries whatever the size of the data: one grouped query each for the
streams, allocations, funding lines, payments, awards, returns, breakdowns, outcomes and code
labels; everything else is assembled in Python.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone

from grants.awards.selectors import status_at
from grants.models import (
    COMMITTED_STATUSES,
    Award,
    FundingLine,
    FundingStream,
    MonitoringReturn,
    Payment,
    ReturnBreakdown,
    ReturnOutcome,
    ReturnStatus,
    StreamAllocation,
    award_runs_until,
)
from outcomes.models import CodeList
from pcc_commissioning.periods import FinancialYear, Period, period_code, period_long_label

from .codes import DIMENSIONS, code_labels
from .validation import (
    allocation_issues,
    breakdown_mismatch_issue,
    funding_issues,
    missing_return_issue,
    sort_issues,
    unaccepted_return_issue,
)

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
RESTORATIVE_JUSTICE = "restorative_justice"
UNCATEGORISED = "uncategorised"


def money(value: Decimal | None) -> str:
    """A sum of money as the return writes it: "1234.50"."""
    return str((value or ZERO).quantize(PENNY))


def _half(fy: int, half: int) -> Period:
    if isinstance(half, bool) or half not in (1, 2):
        raise ValidationError({"half": f"'{half}' is not a half: use 1 (April to September) or 2 (October to March)."})
    try:
        return Period.parse(FinancialYear(int(fy)), f"H{half}")
    except (TypeError, ValueError) as exc:
        raise ValidationError({"fy": f"'{fy}' is not a financial year: give its starting year, e.g. 2019."}) from exc


def _in_scope_streams(fy: int):
    """The MoJ-reported streams with an allocation or a funding line in the year."""
    return FundingStream.objects.filter(moj_reported=True).filter(
        Q(pk__in=StreamAllocation.objects.filter(fy=fy).values("stream_id"))
        | Q(pk__in=FundingLine.objects.filter(fy=fy).values("stream_id"))
    )


def moj_scope_exists(*, fy: int, half: int) -> bool:
    """Whether the half has a return to make: an MoJ-reported stream with an allocation or
    funding lines in the year (the scope is the year's, so both halves answer alike)."""
    _half(fy, half)
    fy = int(fy)
    return _in_scope_streams(fy).exists()


def _no_scope_message(fy: int) -> str:
    return f"No funding stream reported to the MoJ has an allocation or funding lines in {FinancialYear(fy).label}."


# ---------------------------------------------------------------------------------------------
# The figures


def moj_return_figures(*, fy: int, half: int) -> dict[str, Any]:
    """The live figures and validation issues of the return for ``fy`` and ``half`` (1 or 2).

    Raises ValidationError when no MoJ-reported stream is in scope for the year. ``status`` is
    "draft" and ``version`` 1: the workflow fills in those of the version being shown.
    """
    period = _half(fy, half)
    fy = int(fy)
    year = FinancialYear(fy)
    quarters = [int(q.code[1]) for q in period.quarters()]
    all_quarters = [int(q.code[1]) for q in year.quarters()] if half == 2 else quarters

    streams = _streams(fy)
    allocation = _allocations(fy)
    spend = _Spend(committed=_committed(fy, period.end), **_paid(fy, half, period))
    awards, in_scope_awards = _services_in_scope(fy, period.end)
    activity = _activity(in_scope_awards, fy, quarters=quarters, all_quarters=all_quarters)
    labels = code_labels(fy)

    issues: list[dict] = []
    stream_out = _stream_figures(streams, allocation, spend, awards, period=period, year=year, issues=issues)
    services = [
        _service_figures(
            award_id, award, streams, spend, activity, year=year, half=half, quarters=quarters, issues=issues
        )
        for award_id, award in sorted(awards.items(), key=lambda item: (item[1]["reference"], item[0]))
    ]
    totals = _totals(stream_out, services, labels.get(CodeList.MOJ_CATEGORY, {}), half=half)
    sort_issues(issues)
    return {
        "fy": fy,
        "fy_label": year.label,
        "half": half,
        "period_label": period_long_label(period),
        "status": "draft",
        "version": 1,
        "computed_at": timezone.now().replace(microsecond=0).isoformat(),
        "streams": stream_out,
        "services": services,
        "totals": totals,
        "issues": issues,
        "labels": {name: labels[name] for name in sorted(labels)},
        # PostgreSQL's jsonb does not keep the order of an object's keys, so a frozen return
        # keeps each code list's order as a list.
        "code_order": {name: list(labels[name]) for name in sorted(labels)},
    }


# -- Gathering (one query each) ----------------------------------------------------------------

_MOJ_STREAM = Q(stream__moj_reported=True)


@dataclass(frozen=True)
class _Spend:
    """Money by (award id, stream id): committed at the end of the half, paid in the half and
    paid in the year to the half's end."""

    committed: dict[tuple[int, int], Decimal]
    paid_half: dict[tuple[int, int], Decimal]
    paid_ytd: dict[tuple[int, int], Decimal]


@dataclass(frozen=True)
class _Activity:
    """The monitoring returns of the in-scope services: by award and quarter; breakdowns of the
    half's accepted returns by return, dimension and code; their outcomes by award and code."""

    returns_by_award: dict[int, dict[int, dict]]
    breakdowns_by_return: dict[int, dict[str, dict[str, int]]]
    outcomes_by_award: dict[int, dict[str, dict[str, int]]]


def _streams(fy: int) -> dict[int, dict]:
    """The streams in scope by id; a ValidationError when there is none."""
    stream_rows = list(_in_scope_streams(fy).values("pk", "name", "ring_fenced_for"))
    if not stream_rows:
        raise ValidationError(_no_scope_message(fy))
    return {row["pk"]: row for row in stream_rows}


def _allocations(fy: int) -> dict[int, Decimal]:
    return {
        row["stream_id"]: row["amount"]
        for row in StreamAllocation.objects.filter(fy=fy, stream__moj_reported=True).values("stream_id", "amount")
    }


def _committed(fy: int, half_end) -> dict[tuple[int, int], Decimal]:
    """Committed funding lines by award and stream: awards committed at the end of the half
    (an award cancelled after it still counts in the half, one awarded after it does not)."""
    return {
        (row["award_id"], row["stream_id"]): row["total"] or ZERO
        for row in FundingLine.objects.filter(_MOJ_STREAM, fy=fy)
        .alias(status_then=status_at(half_end))
        .filter(status_then__in=COMMITTED_STATUSES)
        .values("award_id", "stream_id")
        .annotate(total=Sum("amount"))
    }


def _paid(fy: int, half: int, period: Period) -> dict[str, dict[tuple[int, int], Decimal]]:
    """Paid payments by award and stream: in the half, year to date (to the half's end)."""
    half_start = None if half == 1 else period.start  # H1 takes payments in advance too
    in_half = Q() if half_start is None else Q(paid_date__gte=half_start)
    paid_half: dict[tuple[int, int], Decimal] = {}
    paid_ytd: dict[tuple[int, int], Decimal] = {}
    for row in (
        Payment.objects.filter(_MOJ_STREAM, fy=fy, paid_date__isnull=False, paid_date__lte=period.end)
        .values("award_id", "stream_id")
        .annotate(half=Sum("amount", filter=in_half), ytd=Sum("amount"))
    ):
        key = (row["award_id"], row["stream_id"])
        paid_half[key] = row["half"] or ZERO
        paid_ytd[key] = row["ytd"] or ZERO
    return {"paid_half": paid_half, "paid_ytd": paid_ytd}


def _services_in_scope(fy: int, half_end):
    """The services: awards committed at the end of the half with a line in the year from an
    in-scope stream, by id, and (unevaluated) their ids."""
    in_scope_awards = Award.objects.alias(status_then=status_at(half_end, award="")).filter(
        status_then__in=COMMITTED_STATUSES, pk__in=FundingLine.objects.filter(_MOJ_STREAM, fy=fy).values("award_id")
    )
    awards = {
        row["pk"]: row
        for row in in_scope_awards.values(
            "pk",
            "reference",
            "title",
            "provider__name",
            "moj_category__code",
            "moj_category__label",
            "start_date",
            "end_date",
            "extension_until",
            "extension_taken",
        )
    }
    return awards, in_scope_awards.values("pk")


def _activity(in_scope_awards, fy: int, *, quarters: list[int], all_quarters: list[int]) -> _Activity:
    """The returns of the half (for H2, of the whole year), and the breakdowns and outcomes
    (summed per award and code) of the half's accepted returns."""
    returns_by_award: dict[int, dict[int, dict]] = defaultdict(dict)
    for ret in MonitoringReturn.objects.filter(award__in=in_scope_awards, fy=fy, quarter__in=all_quarters).values(
        "pk", "award_id", "quarter", "status", "referrals", "supported", "breakdown_explanation"
    ):
        returns_by_award[ret["award_id"]][ret["quarter"]] = ret
    breakdowns_by_return: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in ReturnBreakdown.objects.filter(
        monitoring_return__in=_accepted_half_returns(in_scope_awards, fy, quarters)
    ).values("monitoring_return_id", "code__list", "code__code", "count"):
        if row["code__list"] in DIMENSIONS:
            codes = breakdowns_by_return[row["monitoring_return_id"]][row["code__list"]]
            codes[row["code__code"]] = codes.get(row["code__code"], 0) + row["count"]
    outcomes_by_award: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in (
        ReturnOutcome.objects.filter(monitoring_return__in=_accepted_half_returns(in_scope_awards, fy, quarters))
        .values("monitoring_return__award_id", "code__code")
        .annotate(assessed=Sum("assessed"), improved=Sum("improved"))
    ):
        outcomes_by_award[row["monitoring_return__award_id"]][row["code__code"]] = {
            "assessed": int(row["assessed"] or 0),
            "improved": int(row["improved"] or 0),
        }
    return _Activity(returns_by_award, breakdowns_by_return, outcomes_by_award)


def _accepted_half_returns(in_scope_awards, fy: int, quarters: list[int]):
    return MonitoringReturn.objects.filter(
        award__in=in_scope_awards, fy=fy, quarter__in=quarters, status=ReturnStatus.ACCEPTED
    ).values("pk")


# -- Streams -------------------------------------------------------------------------------------


def _stream_figures(
    streams: dict[int, dict],
    allocation: dict[int, Decimal],
    spend: _Spend,
    awards: dict[int, dict],
    *,
    period: Period,
    year: FinancialYear,
    issues: list[dict],
) -> list[dict]:
    """Each stream's money by name; its spend beyond the allocation goes into ``issues``."""
    stream_totals = defaultdict(lambda: {"committed": ZERO, "paid_half": ZERO, "paid_ytd": ZERO})
    for (award_id, stream_id), amount in spend.committed.items():
        if award_id in awards and stream_id in streams:
            stream_totals[stream_id]["committed"] += amount
    for (_award_id, stream_id), amount in spend.paid_half.items():
        if stream_id in streams:
            stream_totals[stream_id]["paid_half"] += amount
    for (_award_id, stream_id), amount in spend.paid_ytd.items():
        if stream_id in streams:
            stream_totals[stream_id]["paid_ytd"] += amount

    stream_out = []
    for stream_id, row in sorted(streams.items(), key=lambda item: (item[1]["name"].lower(), item[0])):
        sums = stream_totals[stream_id]
        alloc = allocation.get(stream_id, ZERO)
        stream_out.append(
            {
                "name": row["name"],
                "ring_fenced_for": row["ring_fenced_for"] or "",
                "allocation": money(alloc),
                "committed": money(sums["committed"]),
                "paid_half": money(sums["paid_half"]),
                "paid_ytd": money(sums["paid_ytd"]),
                # Shown as "unspent" on the pages, PDF and XLSX; the key keeps the name the README
                # documents for the JSON format, which signed-off versions also carry frozen.
                "remaining": money(alloc - sums["paid_ytd"]),
            }
        )
        issues += allocation_issues(
            row["name"],
            allocation=alloc,
            paid_ytd=sums["paid_ytd"],
            committed=sums["committed"],
            period=period,
            year=year,
        )
    return stream_out


# -- Services ------------------------------------------------------------------------------------


def _service_figures(
    award_id: int,
    award: dict,
    streams: dict[int, dict],
    spend: _Spend,
    activity: _Activity,
    *,
    year: FinancialYear,
    half: int,
    quarters: list[int],
    issues: list[dict],
) -> dict:
    """One service's money by stream, activity and outcomes; its issues go into ``issues``."""
    stream_ids = list(streams)
    funded_by = {}
    for stream_id in stream_ids:
        key = (award_id, stream_id)
        if key in spend.committed or key in spend.paid_half:
            funded_by[streams[stream_id]["name"]] = {
                "committed": money(spend.committed.get(key)),
                "paid_half": money(spend.paid_half.get(key)),
            }
    returns = activity.returns_by_award[award_id]
    counted = _quarter_activity(
        award, returns, activity.breakdowns_by_return, year=year, quarters=quarters, issues=issues
    )
    committed = {s: spend.committed.get((award_id, s), ZERO) for s in stream_ids}
    issues += funding_issues(award, streams, committed)

    service = {
        "award_reference": award["reference"],
        "award_title": award["title"],
        "provider": award["provider__name"],
        "category": award["moj_category__code"],
        "committed": money(sum(committed.values(), ZERO)),
        "paid_half": money(sum((spend.paid_half.get((award_id, s), ZERO) for s in stream_ids), ZERO)),
        "streams": funded_by,
        "referrals": counted["referrals"],
        "supported": counted["supported"],
        "breakdowns": counted["breakdowns"],
        "outcomes": dict(sorted(activity.outcomes_by_award.get(award_id, {}).items())),
        "quarters_reported": counted["quarters_reported"],
    }
    if half == 2:
        accepted_year = [r for r in returns.values() if r["status"] == ReturnStatus.ACCEPTED]
        service["full_year"] = {
            "paid": money(sum((spend.paid_ytd.get((award_id, s), ZERO) for s in stream_ids), ZERO)),
            "referrals": sum(r["referrals"] or 0 for r in accepted_year),
            "supported": sum(r["supported"] or 0 for r in accepted_year),
        }
    return service


def _quarter_activity(
    award: dict,
    returns: dict[int, dict],
    breakdowns_by_return: dict,
    *,
    year: FinancialYear,
    quarters: list[int],
    issues: list[dict],
) -> dict:
    """An award's referrals, supported, breakdowns and quarters reported from its accepted
    returns of the half's quarters; the issues about those quarters' returns go into ``issues``."""
    counted = {"referrals": 0, "supported": 0, "quarters_reported": [], "breakdowns": {}}
    runs_until = award_runs_until(
        end_date=award["end_date"], extension_until=award["extension_until"], extension_taken=award["extension_taken"]
    )
    for quarter in quarters:
        q_period = Period(year, f"Q{quarter}")
        code = period_code(q_period)
        ret = returns.get(quarter)
        if ret is not None and ret["status"] == ReturnStatus.ACCEPTED:
            counted["quarters_reported"].append(code)
            counted["referrals"] += ret["referrals"] or 0
            counted["supported"] += ret["supported"] or 0
            for dimension, codes in breakdowns_by_return.get(ret["pk"], {}).items():
                _add_breakdown(counted["breakdowns"], dimension, codes)
                total = sum(codes.values())
                if total != (ret["supported"] or 0):
                    issues.append(
                        breakdown_mismatch_issue(
                            award, ret, quarter=code, q_period=q_period, dimension=dimension, total=total
                        )
                    )
        elif ret is not None and ret["status"] == ReturnStatus.SUBMITTED:
            issues.append(unaccepted_return_issue(award, quarter=code, q_period=q_period))
        elif award["start_date"] <= q_period.end and runs_until >= q_period.start:
            issues.append(missing_return_issue(award, ret, quarter=code, q_period=q_period))
    breakdowns = counted["breakdowns"]
    counted["breakdowns"] = {d: dict(sorted(breakdowns[d].items())) for d in DIMENSIONS if d in breakdowns}
    return counted


def _add_breakdown(breakdowns: dict[str, dict[str, int]], dimension: str, codes: dict[str, int]) -> None:
    into = breakdowns.setdefault(dimension, {})
    for code_name, count in codes.items():
        into[code_name] = into.get(code_name, 0) + count


def _group(services: list[dict], *, half: int) -> dict[str, Any]:
    group: dict[str, Any] = {
        "committed": money(sum((Decimal(s["committed"]) for s in services), ZERO)),
        "paid_half": money(sum((Decimal(s["paid_half"]) for s in services), ZERO)),
        "referrals": sum(s["referrals"] for s in services),
        "supported": sum(s["supported"] for s in services),
    }
    if half == 2:
        group["full_year"] = {
            "paid": money(sum((Decimal(s["full_year"]["paid"]) for s in services), ZERO)),
            "referrals": sum(s["full_year"]["referrals"] for s in services),
            "supported": sum(s["full_year"]["supported"] for s in services),
        }
    return group


def _totals(streams: list[dict], services: list[dict], category_labels: dict[str, str], *, half: int) -> dict:
    def stream_sum(field: str) -> str:
        return money(sum((Decimal(s[field]) for s in streams), ZERO))

    by_category_services: dict[str, list[dict]] = defaultdict(list)
    for service in services:
        by_category_services[service["category"] or UNCATEGORISED].append(service)
    by_category = {}
    for code in sorted(by_category_services):
        label = "Uncategorised" if code == UNCATEGORISED else category_labels.get(code, code)
        by_category[code] = {"label": label, **_group(by_category_services[code], half=half)}
    overall = _group(services, half=half)
    totals = {
        "allocation": stream_sum("allocation"),
        "committed": stream_sum("committed"),
        "paid_half": stream_sum("paid_half"),
        "paid_ytd": stream_sum("paid_ytd"),
        "remaining": stream_sum("remaining"),
        "referrals": overall["referrals"],
        "supported": overall["supported"],
        "by_category": by_category,
        "victim_services": _group([s for s in services if s["category"] != RESTORATIVE_JUSTICE], half=half),
        "restorative_justice": _group([s for s in services if s["category"] == RESTORATIVE_JUSTICE], half=half),
        "overall": overall,
    }
    if half == 2:
        totals["full_year"] = overall["full_year"]
    return totals


# ---------------------------------------------------------------------------------------------
# Checksums and differences


def _canonical(figures: dict) -> bytes:
    return json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def figures_checksum(figures: dict) -> str:
    """SHA-256 (hex) of the figures written as canonical JSON (sorted keys, no spaces)."""
    return hashlib.sha256(_canonical(figures)).hexdigest()


@dataclass(frozen=True)
class Difference:
    """One figure that differs between two versions: ``path`` like
    "Stream MoJ Core › paid in half"; ``old``/``new`` are None where the figure is absent."""

    path: str
    old: Any
    new: Any


_FIELD_NAMES = {
    "allocation": "allocation",
    "committed": "committed",
    "paid_half": "paid in half",
    "paid_ytd": "paid year to date",
    "remaining": "unspent",
    "ring_fenced_for": "ring-fenced for",
    "award_title": "title",
    "provider": "provider",
    "category": "MoJ category",
    "referrals": "referrals",
    "supported": "victims supported",
    "quarters_reported": "quarters reported",
    "full_year": "full year",
    "paid": "paid",
    "assessed": "assessed",
    "improved": "improved",
    "streams": "streams",
    "breakdowns": "breakdowns",
    "outcomes": "outcomes",
    "by_category": "by category",
    "victim_services": "victim services",
    "restorative_justice": "restorative justice",
    "overall": "overall",
    "label": "label",
}
_SEP = " › "


def _walk(path: str, old: Any, new: Any, out: list[Difference]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            name = _FIELD_NAMES.get(key, key)
            _walk(f"{path}{_SEP}{name}", old.get(key), new.get(key), out)
        return
    if old != new:
        out.append(Difference(path, old, new))


def _keyed(items: list[dict], key: str) -> dict[str, dict]:
    return {item[key]: item for item in items or []}


def figures_diff(old: dict, new: dict) -> list[Difference]:
    """The figures that differ between two versions of a return (streams, services, totals and
    issues), in the order streams, services, totals, issues. Computed-at, status and version
    are not figures and are ignored. A stream or service in one version only is listed with
    None on the other side."""
    out: list[Difference] = []
    for label, section, key in (("Stream", "streams", "name"), ("Service", "services", "award_reference")):
        before, after = _keyed(old.get(section), key), _keyed(new.get(section), key)
        for name in sorted(set(before) | set(after)):
            if name not in before or name not in after:
                out.append(
                    Difference(
                        f"{label} {name}",
                        None if name not in before else "included",
                        None if name not in after else "included",
                    )
                )
                continue
            fields = {k: v for k, v in before[name].items() if k != key}
            others = {k: v for k, v in after[name].items() if k != key}
            _walk(f"{label} {name}", fields, others, out)
    _walk("Totals", old.get("totals") or {}, new.get("totals") or {}, out)
    before, after = _keyed(old.get("issues"), "key"), _keyed(new.get("issues"), "key")
    for key in sorted(set(before) | set(after)):
        if key in before and key in after:
            if before[key].get("severity") != after[key].get("severity"):
                out.append(Difference(f"Issue {key}{_SEP}severity", before[key]["severity"], after[key]["severity"]))
            continue
        out.append(Difference(f"Issue {key}", before.get(key, {}).get("message"), after.get(key, {}).get("message")))
    return out
