"""The award's figures as plain data: what an agreement is made from and what an award version
keeps. Stored as JSON (``Agreement.figures``, ``AwardVersion.figures``), so amounts are strings
of pounds with two decimal places and dates ISO strings: a document printed again from them
says what it said when issued, whatever has changed on the award since."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from grants.models import Award, MonitoringReturn, Payment
from pcc_commissioning.periods import fy_label


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _day(value) -> str:
    return value.isoformat() if value else ""


def _lines(award: Award) -> dict[str, Any]:
    lines = sorted(award.lines.select_related("stream"), key=lambda line: (line.fy, line.stream.name.lower()))
    by_year: dict[int, Decimal] = {}
    by_stream: dict[str, Decimal] = {}
    for line in lines:
        by_year[line.fy] = by_year.get(line.fy, Decimal(0)) + line.amount
        by_stream[line.stream.name] = by_stream.get(line.stream.name, Decimal(0)) + line.amount
    return {
        "lines": [
            {"stream": line.stream.name, "fy": line.fy, "fy_label": fy_label(line.fy), "amount": _money(line.amount)}
            for line in lines
        ],
        "years": [
            {"fy": fy, "fy_label": fy_label(fy), "amount": _money(total)} for fy, total in sorted(by_year.items())
        ],
        "streams": [{"stream": name, "amount": _money(total)} for name, total in sorted(by_stream.items())],
        "total": _money(sum((line.amount for line in lines), Decimal(0))),
    }


def _payment_plan(award: Award) -> dict[str, Any]:
    plan = getattr(award, "payment_plan", None)  # None when the award has no payment plan
    payments = Payment.objects.filter(award=award, amount__gt=0).select_related("stream").order_by("due_date", "pk")
    return {
        "payment_plan": {"frequency": plan.get_frequency_display(), "timing": plan.get_timing_display()}
        if plan
        else None,
        "payments": [
            {
                "due_date": _day(payment.due_date),
                "stream": payment.stream.name,
                "fy": payment.fy,
                "amount": _money(payment.amount),
            }
            for payment in payments
        ],
    }


def _monitoring(award: Award) -> dict[str, Any]:
    returns = MonitoringReturn.objects.filter(award=award).order_by("fy", "quarter")
    return {
        "returns": [
            {
                "fy": item.fy,
                "quarter": item.quarter,
                "label": f"Q{item.quarter} {fy_label(item.fy)}",
                "due_date": _day(item.due_date),
            }
            for item in returns
        ],
        "kpis": [
            {
                "name": kpi.name,
                "unit": kpi.unit,
                "target": "" if kpi.target is None else f"{kpi.target.normalize():f}",
                "target_period": kpi.get_target_period_display(),
            }
            for kpi in award.kpis.order_by("name")
        ],
    }


def _parties(award: Award) -> dict[str, Any]:
    provider = award.provider
    signatories = [
        membership.user.get_full_name() or membership.user.username
        for membership in provider.memberships.filter(is_signatory=True, user__is_active=True).select_related("user")
    ]
    return {
        "funder": settings.OPCC_NAME,
        "provider": {
            "name": provider.name,
            "address": provider.address,
            "postcode": provider.postcode,
            "charity_number": provider.charity_number,
            "company_number": provider.company_number,
        },
        "signatories": sorted(signatories),
        "lead_officer": (award.lead_officer.get_full_name() or award.lead_officer.username)
        if award.lead_officer
        else "",
    }


def award_figures(award: Award) -> dict[str, Any]:
    """Everything an agreement states about ``award`` (a handful of queries, whatever its size)."""
    return {
        "reference": award.reference,
        "title": award.title,
        "kind": award.kind,
        "kind_label": award.get_kind_display(),
        "status": award.status,
        "purpose": award.purpose,
        "approach": award.approach,
        "conditions": award.conditions,
        "decision": award.decision.reference if award.decision_id else "",
        "start_date": _day(award.start_date),
        "end_date": _day(award.end_date),
        "last_day": _day(award.last_day),
        "extension_until": _day(award.extension_until),
        "extension_taken": award.extension_taken,
        "duration": award.duration,
        **_parties(award),
        **_lines(award),
        **_payment_plan(award),
        **_monitoring(award),
    }
