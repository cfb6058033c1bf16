"""The award page's recoveries section and banner (loaded by grants/_award_after_decision.html and
grants/_award_banners.html): the award page lives in grants.awards, below this context, so it
reaches it by template tag rather than by import. Also the filters of the recoveries' tables."""

from django import template
from django.template.loader import render_to_string

from grants.recoveries import selectors
from pcc_commissioning.roles import has_capability

register = template.Library()


def _may_read(context) -> bool:
    request = context.get("request")
    return request is not None and has_capability(request.user, "grants.view")


@register.simple_tag(takes_context=True)
def recoveries_banner(context, award) -> str:
    """ "£1,250.50 to recover by 30 June 2020" while the award has money to come back."""
    if not _may_read(context):
        return ""
    outstanding = selectors.award_outstanding(selectors.award_recoveries(award))
    if not outstanding.total:
        return ""
    return render_to_string(
        "grants/recoveries/_award_banner.html",
        {"award": award, "outstanding": outstanding},
        request=context["request"],
    )


@register.simple_tag(takes_context=True)
def recoveries_section(context, award) -> str:
    """A short table of the award's recoveries, what is still to come back, and the way to its
    spend and recovery page (one query)."""
    if not _may_read(context):
        return ""
    recoveries = selectors.award_recoveries(award)
    return render_to_string(
        "grants/recoveries/_award_section.html",
        {
            "award": award,
            "recoveries": recoveries,
            "outstanding": selectors.award_outstanding(recoveries),
        },
        request=context["request"],
    )


@register.filter
def is_overdue(recovery) -> bool:
    return selectors.is_overdue(recovery)


@register.filter
def left(recovery):
    return selectors.recovery_left(recovery)
