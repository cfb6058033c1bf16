"""Template helpers shared by every app: query strings, pagination, sorting, money."""

from django import template
from django.utils.html import format_html

from pcc_commissioning import clock
from pcc_commissioning.idempotency import FIELD, form_token
from pcc_commissioning.money import format_pence, format_pounds
from pcc_commissioning.periods import code_label
from pcc_commissioning.periods import fy_label as periods_fy_label
from pcc_commissioning.periods import quarter_label as periods_quarter_label
from pcc_commissioning.web import year_url as web_year_url

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag
def year_url(name: str, fy, *args, anchor: str = "", **query) -> str:
    """``{% year_url 'grants:funding' fy anchor='streams' %}``: a link that carries the page's
    financial year (None: every year) to the next page; positional ``args`` fill the URL."""
    return web_year_url(name, fy, args=args, anchor=anchor, **query)


@register.filter
def page_window(paginator, current: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and a window around the current page; None = gap."""
    last = paginator.num_pages
    wanted = {1, last, *range(current - around, current + around + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= last)
    window: list[int | None] = []
    for number in numbers:
        if window and number - window[-1] > 1:
            window.append(None)
        window.append(number)
    return window


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str, current: str = "") -> str:
    """A column header link that sorts by ``field`` (toggling direction), with aria-sort."""
    request = context["request"]
    current = current or request.GET.get("sort", "")
    if current == field:
        next_sort, state = f"-{field}", "ascending"
    elif current == f"-{field}":
        next_sort, state = field, "descending"
    else:
        next_sort, state = field, "none"
    params = request.GET.copy()
    params["sort"] = next_sort
    params.pop("page", None)
    return format_html(
        '<th scope="col" class="govuk-table__header" aria-sort="{}">'
        '<a class="govuk-link app-sort-link" href="?{}">{}</a></th>',
        state,
        params.urlencode(),
        label,
    )


@register.filter
def moment(value) -> str:
    """A date and time as people read it, in UK time: "midday on 30 April 2026" (clock.moment_label)."""
    if not value:
        return ""
    return clock.moment_label(value)


@register.filter
def pounds(value) -> str:
    """Whole pounds with thousands separators: £842,100 (negative as -£1,200)."""
    return format_pounds(value)


@register.filter
def pence(value) -> str:
    """Pounds and pence: £1,234.56, for payments and the MoJ return."""
    return format_pence(value)


@register.filter
def period_label(code) -> str:
    """A period code as people read it: "2020-Q1" -> "Q1 2020/21". Text that is not a code is
    shown as it is."""
    try:
        return code_label(str(code))
    except ValueError:
        return str(code)


@register.filter
def quarter_label(year, quarter) -> str:
    """``{{ ret.fy|quarter_label:ret.quarter }}``: "Q1 2020/21"."""
    return periods_quarter_label(int(year), int(quarter))


@register.filter
def fy_label(year, open_label: str = "open") -> str:
    """A financial year's label: 2019 -> "2019/20"; no year -> ``open_label``."""
    if year is None or year == "":
        return open_label
    return periods_fy_label(int(year))


@register.simple_tag(takes_context=True)
def submission_token(context) -> str:
    """The hidden one-time token that lets a create form be saved only once
    (``pcc_commissioning.idempotency``); nothing for a visitor who is not signed in."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, form_token(request))
