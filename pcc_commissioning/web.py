"""Helpers for thin views."""

from __future__ import annotations

from urllib.parse import urlencode

# ``?fy=all``: every year, on the pages and exports that offer "All years" (no ``fy`` at all
# means the year rule's year, see ``grants/years.py``).
ALL_YEARS = "all"


def form_data(request):
    """The submitted fields on a POST, else None. A POST with no fields still binds the form
    (``request.POST or None`` would not), so it is validated and shows its errors."""
    return request.POST if request.method == "POST" else None


def form_files(request):
    """The uploaded files on a POST, else None (see ``form_data``)."""
    return request.FILES if request.method == "POST" else None


def fy_param(request, *, default: int | None) -> int | None:
    """The ``fy`` query parameter as a starting year ("2019", "2019/20"); blank or unreadable
    or a year outside the accepted years (``?fy=99999999``) gives ``default``, so a mistyped
    address shows the default year rather than an error."""
    from .periods import parse_fy_input

    value = request.GET.get("fy", "").strip()
    try:
        return parse_fy_input(value).start_year if value else default
    except (TypeError, ValueError, OverflowError):
        return default


def year_url(name: str, fy: int | None, *, args=(), anchor: str = "", **query) -> str:
    """The address of the page ``name`` for the year ``fy`` (None: every year, ``fy=all``), with
    the other query values given (empty ones left out): how a page's links carry its year to
    the next page."""
    from django.urls import reverse

    params = {"fy": ALL_YEARS if fy is None else fy}
    params.update({key: value for key, value in query.items() if value not in (None, "")})
    url = f"{reverse(name, args=args)}?{urlencode(params)}"
    return f"{url}#{anchor}" if anchor else url


def show_errors(request, error, *, name_fields: bool = False) -> None:
    """A service's ``ValidationError`` as error banners on the next page, one per message. With
    ``name_fields``, a message about a field starts with the field's name ("Status: …"), for
    messages that do not say what they are about."""
    from django.contrib import messages

    if name_fields and hasattr(error, "error_dict"):
        texts = [
            f"{name.replace('_', ' ').capitalize()}: {message}"
            for name, errors in error.error_dict.items()
            for single in errors
            for message in single.messages
        ]
    else:
        texts = error.messages
    for text in texts:
        messages.error(request, text)


def link_base(request) -> str:
    """Scheme and host for links sent by e-mail: the address the sender reached the service on
    (Django has checked the host against ALLOWED_HOSTS)."""
    return request.build_absolute_uri("/")
