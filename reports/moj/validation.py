"""The validation issues of the MoJ return: what an officer acts on before sign-off (blocking)
or should look at (warning). Each issue is a plain dict with a ``key`` stable between versions,
a ``severity``, a ``kind`` (one of ``ISSUE_KINDS``) and a ``message``; those about a service or
a quarter say which."""

from __future__ import annotations

import re
from decimal import Decimal

from grants.models import ReturnStatus
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear, Period

from .codes import DIMENSION_NAMES

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


def sort_issues(issues: list[dict]) -> None:
    """Blocking first, then by service, quarter, kind and key (in place)."""
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


# ---------------------------------------------------------------------------------------------
# Streams


def allocation_issues(
    name: str, *, allocation: Decimal, paid_ytd: Decimal, committed: Decimal, period: Period, year: FinancialYear
) -> list[dict]:
    """A stream paying (blocking) or committing (warning) more than its allocation."""
    issues = []
    for key, severity, amount, what in (
        ("over_allocation", BLOCKING, paid_ytd, f"paid to the end of {period.code}"),
        ("over_committed", WARNING, committed, "committed"),
    ):
        if amount > allocation:
            issues.append(
                {
                    "key": f"{key}:{name}",
                    "severity": severity,
                    "kind": "over_allocation",
                    "stream": name,
                    "message": f"{name}: {what} ({format_pence(amount)}) is more than the allocation for "
                    f"{year.label} ({format_pence(allocation)}).",
                }
            )
    return issues


# ---------------------------------------------------------------------------------------------
# Monitoring returns of a service


def _who(award: dict) -> str:
    return f"{award['reference']} ({award['provider__name']})"


def breakdown_mismatch_issue(
    award: dict, ret: dict, *, quarter: str, q_period: Period, dimension: str, total: int
) -> dict:
    """An accepted return (of ``quarter``, its period code) whose ``dimension`` breakdown adds
    up to ``total``, not to the victims supported."""
    ref = award["reference"]
    # The provider's own reason goes with the figure, so whoever reads the
    # return (on the page, in the PDF or the spreadsheet) sees both together.
    explanation = (ret.get("breakdown_explanation") or "").strip()
    explained = f" The provider's explanation: “{explanation}”" if explanation else " The provider gave no explanation."
    return {
        "key": f"breakdown_mismatch:{ref}:{quarter}:{dimension}",
        "severity": WARNING,
        "kind": "breakdown_mismatch",
        "award_reference": ref,
        "quarter": quarter,
        "message": f"{_who(award)}: the {DIMENSION_NAMES[dimension]} breakdown for {q_period.label} "
        f"adds up to {total:,}, not the {ret['supported'] or 0:,} victims supported."
        f"{explained}",
        "provider_explanation": explanation,
    }


def unaccepted_return_issue(award: dict, *, quarter: str, q_period: Period) -> dict:
    """A return submitted but not accepted yet: its figures are not counted."""
    ref = award["reference"]
    return {
        "key": f"unaccepted_return:{ref}:{quarter}",
        "severity": WARNING,
        "kind": "unaccepted_return",
        "award_reference": ref,
        "quarter": quarter,
        "message": f"{_who(award)}: the monitoring return for {q_period.label} is submitted but not yet "
        f"accepted, so its figures are not counted.",
    }


def missing_return_issue(award: dict, ret: dict | None, *, quarter: str, q_period: Period) -> dict:
    """No return, or one not handed in, for a quarter the award runs in."""
    ref = award["reference"]
    reason = (
        f"no monitoring return for {q_period.label}."
        if ret is None
        else f"the monitoring return for {q_period.label} {_NOT_HANDED_IN.get(ret['status'], 'is not accepted')}."
    )
    return {
        "key": f"missing_return:{ref}:{quarter}",
        "severity": BLOCKING,
        "kind": "missing_return",
        "award_reference": ref,
        "quarter": quarter,
        "message": f"{_who(award)}: {reason}",
    }


# ---------------------------------------------------------------------------------------------
# Funding of a service


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


def funding_issues(award: dict, streams: dict[int, dict], committed: dict[int, Decimal]) -> list[dict]:
    """No MoJ category, and ring-fenced streams (by id) committing money (by stream id) to an
    award whose category does not fit their purpose."""
    ref, who = award["reference"], _who(award)
    category, label = award["moj_category__code"], award["moj_category__label"]
    issues = []
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
    return issues
