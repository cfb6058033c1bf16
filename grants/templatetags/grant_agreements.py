"""The award page's agreements section and banner (loaded by grants/_award_after_decision.html and
grants/_award_banners.html): the award page lives in grants.awards, below this context, so it
reaches it by template tag rather than by import."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def agreements_banner(context, award) -> str:
    return ""


@register.simple_tag(takes_context=True)
def agreements_section(context, award) -> str:
    return ""
