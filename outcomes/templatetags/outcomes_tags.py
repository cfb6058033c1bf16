"""Template helpers for the outcomes app."""

from django import template

register = template.Library()


@register.filter
def fy_label(year: int | None, open_label: str = "open") -> str:
    """A financial year's label: 2019 -> "2019/20"; None -> "open".

    A stop-gap: the project's financial-period module will own year labels; when it lands,
    this is the one function to point at it.
    """
    if year is None or year == "":
        return open_label
    year = int(year)
    return f"{year}/{(year + 1) % 100:02d}"
