"""The award page's agreements section and banner (loaded by grants/_award_after_decision.html and
grants/_award_banners.html): the award page lives in grants.awards, below this context, so it
reaches it by template tag rather than by import. The provider's award page in the portal
lists the award's agreements with ``portal_agreements``."""

import datetime

from django import template
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from grants.agreements import acceptance
from grants.models import ACCEPTED_AGREEMENT_STATUSES, AgreementStatus
from pcc_commissioning.roles import has_capability

register = template.Library()


def _agreements(award) -> list:
    """The award's agreements, read once per page (the banner and the section share them)."""
    cached = getattr(award, "_acceptance_agreements", None)
    if cached is None:
        cached = acceptance.award_agreements(award)
        award._acceptance_agreements = cached
    return cached


def _agreements_page(award) -> str:
    """The agreements helper's page for the award, when it exists."""
    try:
        return reverse("grants:award_agreements", kwargs={"pk": award.pk})
    except NoReverseMatch:
        return ""


def _rows(agreements: list, *, can_sign: bool) -> list[dict]:
    return [
        {
            "agreement": agreement,
            "accepted": acceptance.accepted_label(agreement),
            "short_checksum": agreement.checksum[:12],
            "countersign": can_sign and agreement.status == AgreementStatus.ACCEPTED,
            "record_signed": can_sign and agreement.status == AgreementStatus.ISSUED,
            "signed_copy": bool(agreement.signed_copy),
        }
        for agreement in agreements
    ]


def _closed(award) -> bool:
    """A closed award is read-only: nothing waits on anyone and nothing is offered to sign (the
    award page has read its closure already, so this costs no query)."""
    return hasattr(award, "closure")


@register.simple_tag(takes_context=True)
def agreements_banner(context, award) -> str:
    waiting = "" if _closed(award) else acceptance.waiting_on(award, _agreements(award))
    if not waiting:
        return ""
    return render_to_string(
        "grants/agreements/_acceptance_banner.html", {"waiting": waiting}, request=context.get("request")
    )


@register.simple_tag(takes_context=True)
def agreements_section(context, award) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    can_sign = bool(user is not None and has_capability(user, "agreements.edit")) and not _closed(award)
    agreements = _agreements(award)
    return render_to_string(
        "grants/agreements/_acceptance_section.html",
        {
            "award": award,
            "rows": _rows(agreements, can_sign=can_sign),
            "agreements_page": _agreements_page(award),
            "can_sign": can_sign,
            "closed": _closed(award),
        },
        request=request,
    )


@register.simple_tag(takes_context=True)
def portal_agreements(context, award) -> str:
    """The provider's list of the award's agreements, each linked to its portal page."""
    agreements = _agreements(award)
    return render_to_string(
        "portal/agreements/_award_agreements.html",
        {
            "award": award,
            "agreements": agreements,
            "waiting": acceptance.waiting_on(award, agreements),
            "accepted_statuses": ACCEPTED_AGREEMENT_STATUSES,
        },
        request=context.get("request"),
    )


@register.simple_tag
def payment_block_reason(award, payment) -> str:
    """Why ``payment`` cannot be marked paid yet ("" when it can): the mark-paid page shows this
    instead of its button. Refunds and recovery receipts never wait."""
    if payment.amount <= 0:
        return ""
    return acceptance.payment_block_reason(award) or ""


@register.filter
def iso_date(value):
    """An agreement's figures keep dates as ISO text ("2019-04-01"): the date, for ``|date``
    (the text as it is if it is not one)."""
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return value
