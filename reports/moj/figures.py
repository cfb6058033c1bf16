"""The figures of the MoJ bi-annual compliance return and their validation.

``moj_return_figures(fy=, half=)`` computes, live, the plain JSON-serialisable dict docs/formats.md
documents ("MoJ bi-annual return"): per MoJ-reported stream, per MoJ-funded service (award),
totals, and the validation issues an officer acts on before sign-off. Money is written as a
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
import re
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
from outcomes.models import CodeList, CodeListEntry
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, Period, period_code, period_long_label

ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
DIMENSIONS = ("crime", "age", "sex", "ethnicity", "disability")
DIMENSION_NAMES = {
    "crime": "crime type",
    "age": "age band",
    "sex": "sex",
    "ethnicity": "ethnicity",
    "disability": "disability",
}
RESTORATIVE_JUSTICE = "restorative_justice"
UNCATEGORISED = "uncategorised"
BLOCKING, WARNING = "blocking", "warning"
ISSUE_KINDS = {
    "missing_return": "Missing monitoring return",
    "unaccepted_return": "Monitoring return not yet accepted",
    "over_allocation": "Spend beyond allocation",
    "ring_fence": "Ring-fenced money outside its purpose",
    "breakdown_mismatch": "Breakdown does not match victims supported",
    "no_category": "No MoJ service category",
}
_NOT_HANDED_IN = {
    ReturnStatus.DUE: "is due but has not been submitted",
    ReturnStatus.DRAFT: "is still a draft",
    ReturnStatus.RETURNED: "was returned to the provider for changes",
}


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
# Ring fences


def _words(text: str) -> set[str]:
    return {word for word in re.split(r"[^a-z]+", text.lower()) if word}


def ring_fence_allows(purpose: str, code: str | None, label: str | None) -> bool:
    """Whether an award of MoJ category ``code`` (``label``) fits a ring-fence ``purpose``:
    the purpose's words include the code, or the purpose text includes the label (both
    lower-cased). "ISVA and IDVA" allows isva and idva; no category never fits."""
    if not code:
        return False
    text = purpose.lower()
    return code.lower() in _words(purpose) or bool(label and label.lower() in text)


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
    half_start = None if half == 1 else period.start  # H1 takes payments in advance too
    half_end = period.end

    # 1. Streams in scope.
    stream_rows = list(_in_scope_streams(fy).values("pk", "name", "ring_fenced_for"))
    if not stream_rows:
        raise ValidationError(_no_scope_message(fy))
    streams = {row["pk"]: row for row in stream_rows}
    stream_ids = list(streams)
    moj_stream = Q(stream__moj_reported=True)

    # 2. Allocations.
    allocation = {
        row["stream_id"]: row["amount"]
        for row in StreamAllocation.objects.filter(fy=fy, stream__moj_reported=True).values("stream_id", "amount")
    }

    # 3. Committed funding lines by award and stream: awards committed at the end of the half
    #    (an award cancelled after it still counts in the half, one awarded after it does not).
    committed: dict[tuple[int, int], Decimal] = {}
    for row in (
        FundingLine.objects.filter(moj_stream, fy=fy)
        .alias(status_then=status_at(half_end))
        .filter(status_then__in=COMMITTED_STATUSES)
        .values("award_id", "stream_id")
        .annotate(total=Sum("amount"))
    ):
        committed[(row["award_id"], row["stream_id"])] = row["total"] or ZERO

    # 4. Paid payments by award and stream: in the half, year to date (to the half's end).
    in_half = Q() if half_start is None else Q(paid_date__gte=half_start)
    paid_half: dict[tuple[int, int], Decimal] = {}
    paid_ytd: dict[tuple[int, int], Decimal] = {}
    for row in (
        Payment.objects.filter(moj_stream, fy=fy, paid_date__isnull=False, paid_date__lte=half_end)
        .values("award_id", "stream_id")
        .annotate(half=Sum("amount", filter=in_half), ytd=Sum("amount"))
    ):
        key = (row["award_id"], row["stream_id"])
        paid_half[key] = row["half"] or ZERO
        paid_ytd[key] = row["ytd"] or ZERO

    # 5. The services: awards committed at the end of the half with a line in the year from an
    #    in-scope stream.
    in_scope_awards = Award.objects.alias(status_then=status_at(half_end, award="")).filter(
        status_then__in=COMMITTED_STATUSES, pk__in=FundingLine.objects.filter(moj_stream, fy=fy).values("award_id")
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
    in_scope_awards = in_scope_awards.values("pk")

    # 6. Monitoring returns of the half (for H2, of the whole year).
    returns = list(
        MonitoringReturn.objects.filter(award__in=in_scope_awards, fy=fy, quarter__in=all_quarters).values(
            "pk", "award_id", "quarter", "status", "referrals", "supported", "breakdown_explanation"
        )
    )

    # 7. Breakdowns of the half's accepted returns.
    breakdown_rows = list(
        ReturnBreakdown.objects.filter(
            monitoring_return__in=_accepted_half_returns(in_scope_awards, fy, quarters)
        ).values("monitoring_return_id", "code__list", "code__code", "count")
    )
    # 8. Outcomes of the half's accepted returns, summed per award and code.
    outcome_rows = list(
        ReturnOutcome.objects.filter(monitoring_return__in=_accepted_half_returns(in_scope_awards, fy, quarters))
        .values("monitoring_return__award_id", "code__code")
        .annotate(assessed=Sum("assessed"), improved=Sum("improved"))
    )
    # 9. Labels of the code lists (valid in the year).
    labels = _code_labels(fy)
    category_labels = labels.get(CodeList.MOJ_CATEGORY, {})

    # -- Streams --------------------------------------------------------------------------------
    stream_totals = defaultdict(lambda: {"committed": ZERO, "paid_half": ZERO, "paid_ytd": ZERO})
    for (award_id, stream_id), amount in committed.items():
        if award_id in awards and stream_id in streams:
            stream_totals[stream_id]["committed"] += amount
    for (_award_id, stream_id), amount in paid_half.items():
        if stream_id in streams:
            stream_totals[stream_id]["paid_half"] += amount
    for (_award_id, stream_id), amount in paid_ytd.items():
        if stream_id in streams:
            stream_totals[stream_id]["paid_ytd"] += amount

    issues: list[dict] = []
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
        name = row["name"]
        for key, severity, amount, what in (
            ("over_allocation", BLOCKING, sums["paid_ytd"], f"paid to the end of {period.code}"),
            ("over_committed", WARNING, sums["committed"], "committed"),
        ):
            if amount > alloc:
                issues.append(
                    {
                        "key": f"{key}:{name}",
                        "severity": severity,
                        "kind": "over_allocation",
                        "stream": name,
                        "message": f"{name}: {what} ({format_pence(amount)}) is more than the allocation for "
                        f"{year.label} ({format_pence(alloc)}).",
                    }
                )

    # -- Services -------------------------------------------------------------------------------
    returns_by_award: dict[int, dict[int, dict]] = defaultdict(dict)
    for ret in returns:
        returns_by_award[ret["award_id"]][ret["quarter"]] = ret
    breakdowns_by_return: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in breakdown_rows:
        if row["code__list"] in DIMENSIONS:
            codes = breakdowns_by_return[row["monitoring_return_id"]][row["code__list"]]
            codes[row["code__code"]] = codes.get(row["code__code"], 0) + row["count"]
    outcomes_by_award: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in outcome_rows:
        outcomes_by_award[row["monitoring_return__award_id"]][row["code__code"]] = {
            "assessed": int(row["assessed"] or 0),
            "improved": int(row["improved"] or 0),
        }

    services = []
    for award_id, award in sorted(awards.items(), key=lambda item: (item[1]["reference"], item[0])):
        funded_by = {}
        for stream_id in stream_ids:
            key = (award_id, stream_id)
            if key in committed or key in paid_half:
                funded_by[streams[stream_id]["name"]] = {
                    "committed": money(committed.get(key)),
                    "paid_half": money(paid_half.get(key)),
                }
        service_committed = sum((committed.get((award_id, s), ZERO) for s in stream_ids), ZERO)
        service_paid = sum((paid_half.get((award_id, s), ZERO) for s in stream_ids), ZERO)
        service_ytd = sum((paid_ytd.get((award_id, s), ZERO) for s in stream_ids), ZERO)

        activity = _quarter_activity(
            award, returns_by_award[award_id], breakdowns_by_return, year=year, quarters=quarters, issues=issues
        )
        _funding_issues(award, streams, {s: committed.get((award_id, s), ZERO) for s in stream_ids}, issues=issues)

        service = {
            "award_reference": award["reference"],
            "award_title": award["title"],
            "provider": award["provider__name"],
            "category": award["moj_category__code"],
            "committed": money(service_committed),
            "paid_half": money(service_paid),
            "streams": funded_by,
            "referrals": activity["referrals"],
            "supported": activity["supported"],
            "breakdowns": activity["breakdowns"],
            "outcomes": dict(sorted(outcomes_by_award.get(award_id, {}).items())),
            "quarters_reported": activity["quarters_reported"],
        }
        if half == 2:
            accepted_year = [r for r in returns_by_award[award_id].values() if r["status"] == ReturnStatus.ACCEPTED]
            service["full_year"] = {
                "paid": money(service_ytd),
                "referrals": sum(r["referrals"] or 0 for r in accepted_year),
                "supported": sum(r["supported"] or 0 for r in accepted_year),
            }
        services.append(service)

    totals = _totals(stream_out, services, category_labels, half=half)
    severity_order = {BLOCKING: 0, WARNING: 1}
    issues.sort(
        key=lambda i: (
            severity_order[i["severity"]],
            i.get("award_reference") or "",
            i.get("quarter") or "",
            i["kind"],
            i["key"],
        )
    )
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


def ordered_codes(figures: dict, list_name: str, used) -> list[str]:
    """The codes in ``used`` in their code list's order; codes no longer listed last, sorted."""
    used = set(used)
    known = figures.get("code_order", {}).get(list_name) or list(figures.get("labels", {}).get(list_name, {}))
    return [code for code in known if code in used] + sorted(used - set(known))


def _who(award: dict) -> str:
    return f"{award['reference']} ({award['provider__name']})"


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
    ref, who = award["reference"], _who(award)
    referrals = supported = 0
    reported: list[str] = []
    breakdowns: dict[str, dict[str, int]] = {}
    runs_until = award_runs_until(
        end_date=award["end_date"], extension_until=award["extension_until"], extension_taken=award["extension_taken"]
    )
    for quarter in quarters:
        q_period = Period(year, f"Q{quarter}")
        code = period_code(q_period)
        ret = returns.get(quarter)
        if ret is not None and ret["status"] == ReturnStatus.ACCEPTED:
            reported.append(code)
            referrals += ret["referrals"] or 0
            supported += ret["supported"] or 0
            for dimension, codes in breakdowns_by_return.get(ret["pk"], {}).items():
                into = breakdowns.setdefault(dimension, {})
                for code_name, count in codes.items():
                    into[code_name] = into.get(code_name, 0) + count
                total = sum(codes.values())
                if total != (ret["supported"] or 0):
                    # The provider's own reason goes with the figure, so whoever reads the
                    # return (on the page, in the PDF or the spreadsheet) sees both together.
                    explanation = (ret.get("breakdown_explanation") or "").strip()
                    explained = (
                        f" The provider's explanation: “{explanation}”"
                        if explanation
                        else " The provider gave no explanation."
                    )
                    issues.append(
                        {
                            "key": f"breakdown_mismatch:{ref}:{code}:{dimension}",
                            "severity": WARNING,
                            "kind": "breakdown_mismatch",
                            "award_reference": ref,
                            "quarter": code,
                            "message": f"{who}: the {DIMENSION_NAMES[dimension]} breakdown for {q_period.label} "
                            f"adds up to {total:,}, not the {ret['supported'] or 0:,} victims supported."
                            f"{explained}",
                            "provider_explanation": explanation,
                        }
                    )
        elif ret is not None and ret["status"] == ReturnStatus.SUBMITTED:
            issues.append(
                {
                    "key": f"unaccepted_return:{ref}:{code}",
                    "severity": WARNING,
                    "kind": "unaccepted_return",
                    "award_reference": ref,
                    "quarter": code,
                    "message": f"{who}: the monitoring return for {q_period.label} is submitted but not yet "
                    f"accepted, so its figures are not counted.",
                }
            )
        elif award["start_date"] <= q_period.end and runs_until >= q_period.start:
            reason = (
                f"no monitoring return for {q_period.label}."
                if ret is None
                else f"the monitoring return for {q_period.label} "
                f"{_NOT_HANDED_IN.get(ret['status'], 'is not accepted')}."
            )
            issues.append(
                {
                    "key": f"missing_return:{ref}:{code}",
                    "severity": BLOCKING,
                    "kind": "missing_return",
                    "award_reference": ref,
                    "quarter": code,
                    "message": f"{who}: {reason}",
                }
            )
    return {
        "referrals": referrals,
        "supported": supported,
        "quarters_reported": reported,
        "breakdowns": {d: dict(sorted(breakdowns[d].items())) for d in DIMENSIONS if d in breakdowns},
    }


def _funding_issues(
    award: dict, streams: dict[int, dict], committed: dict[int, Decimal], *, issues: list[dict]
) -> None:
    """No MoJ category, and ring-fenced streams (by id) committing money (by stream id) to an
    award whose category does not fit their purpose."""
    ref, who = award["reference"], _who(award)
    category, label = award["moj_category__code"], award["moj_category__label"]
    if not category:
        issues.append(
            {
                "key": f"no_category:{ref}",
                "severity": BLOCKING,
                "kind": "no_category",
                "award_reference": ref,
                "message": f"{who}: funded by the MoJ grant but has no MoJ service category.",
            }
        )
    for stream_id, amount in committed.items():
        purpose = streams[stream_id]["ring_fenced_for"]
        if not purpose or amount <= 0 or ring_fence_allows(purpose, category, label):
            continue
        name = streams[stream_id]["name"]
        what = f"whose MoJ service category is {label}" if category else "which has no MoJ service category"
        issues.append(
            {
                "key": f"ring_fence:{name}:{ref}",
                "severity": BLOCKING,
                "kind": "ring_fence",
                "award_reference": ref,
                "stream": name,
                "message": f"{name} is ring-fenced for {purpose}, but funds {who}, {what}.",
            }
        )


def _accepted_half_returns(in_scope_awards, fy: int, quarters: list[int]):
    return MonitoringReturn.objects.filter(
        award__in=in_scope_awards, fy=fy, quarter__in=quarters, status=ReturnStatus.ACCEPTED
    ).values("pk")


def _code_labels(fy: int) -> dict[str, dict[str, str]]:
    """{list: {code: label}} of the code lists the return uses, as valid in the year, each list
    in its sort order (the order forms and the PDF show them in)."""
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    wanted = [*DIMENSIONS, CodeList.OUTCOME, CodeList.MOJ_CATEGORY]
    for row in (
        CodeListEntry.objects.filter(list__in=wanted)
        .filter(Q(valid_from_fy__isnull=True) | Q(valid_from_fy__lte=fy))
        .filter(Q(valid_to_fy__isnull=True) | Q(valid_to_fy__gte=fy))
        .order_by("list", "sort_order", "code", "valid_from_fy")
        .values("list", "code", "label")
    ):
        labels[str(row["list"])][row["code"]] = row["label"]
    return labels


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
