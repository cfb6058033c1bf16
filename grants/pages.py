"""What every grants page shares: the page size, the navigation section, the template context and
the headers of a private download."""

from __future__ import annotations

from pcc_commissioning.roles import has_capability

PAGE_SIZE = 25


SECTION = "grants"


def page_context(request, **extra) -> dict:
    user = request.user
    return {
        "section": SECTION,
        "can_edit": has_capability(user, "grants.edit"),
        "can_pay": has_capability(user, "payments.edit"),
        **extra,
    }


# Downloads -----------------------------------------------------------------------------------------
# The tables are those of each context's ``exporters`` module (the same as ``manage.py export_data``); these views
# check permission, apply the page's filters and hand the table to the shared writer.
def export_format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


def private_download(response):
    response["Cache-Control"] = "private, no-store"
    return response
