"""The award page's variations section and banner (loaded by grants/_award_after_decision.html and
grants/_award_banners.html): the award page lives in grants.awards, below this context, so it
reaches it by template tag rather than by import."""

from django import template
from django.template.loader import render_to_string

from grants.variations import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def variations_banner(context, award) -> str:
    """ "Varied: version 3 since 1 October 2019" and what is waiting (two queries)."""
    banner = selectors.award_banner(award)
    if banner.version is None and not banner.open:
        return ""
    return render_to_string(
        "grants/variations/_banner.html", {"award": award, "banner": banner}, request=context.get("request")
    )


@register.simple_tag(takes_context=True)
def variations_section(context, award) -> str:
    """The award's variations and each version's figures (two queries)."""
    return render_to_string(
        "grants/variations/_section.html",
        {
            "award": award,
            "variations": selectors.award_variations(award),
            "versions": selectors.award_versions(award),
            "closed": hasattr(award, "closure"),
        },
        request=context.get("request"),
    )


@register.simple_tag(takes_context=True)
def portal_variations(context, award) -> str:
    """The provider's own requests to change the award, and the way to ask for one (one query)."""
    from grants.variations.rules import PROVIDER_VARIABLE_STATUSES

    return render_to_string(
        "portal/variations/_award_variations.html",
        {
            "award": award,
            "variations": selectors.award_variations(award),
            "may_request": award.status in PROVIDER_VARIABLE_STATUSES and not hasattr(award, "closure"),
        },
        request=context.get("request"),
    )
