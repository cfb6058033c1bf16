"""The award page's closeout section and banner (loaded by grants/_award_after_decision.html and
grants/_award_banners.html): the award page lives in grants.awards, below this context, so it
reaches it by template tag rather than by import."""

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string

from grants.closeout.checklist import CLOSABLE_STATUSES
from pcc_commissioning.roles import has_capability

register = template.Library()


def _closure(award):
    """The award's closure (the award page has already asked whether there is one, so this is
    read from the award where it can be), with who closed it."""
    try:
        return award.closure
    except ObjectDoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def closeout_banner(context, award) -> str:
    request = context.request
    closure = _closure(award)
    closable = closure is None and award.status in CLOSABLE_STATUSES
    if closure is None and not closable:
        return ""
    return render_to_string(
        "grants/closeout/_banner.html",
        {
            "award": award,
            "closure": closure,
            "closable": closable,
            "can_close": has_capability(request.user, "awards.close"),
        },
        request=request,
    )


@register.simple_tag(takes_context=True)
def closeout_section(context, award) -> str:
    closure = _closure(award)
    if closure is None:
        return ""
    return render_to_string(
        "grants/closeout/_section.html", {"award": award, "closure": closure}, request=context.request
    )
