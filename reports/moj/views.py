"""Pages of the MoJ bi-annual return: the index of halves, a half's return (figures, issues,
history, actions by role) and the actions (POST only), each calling a service in
``reports.moj.services``. Anyone with ``moj.view`` (officers, finance, board members) reads;
officers prepare and submit, finance officers sign off; board members change nothing."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.web import show_errors
from reports.engine import services as engine

from . import selectors, services
from .codes import DIMENSION_NAMES, DIMENSIONS, ordered_codes
from .figures import moj_scope_exists
from .forms import ActionForm, AmendForm, DownloadForm, ReasonForm, SignOffForm
from .kind import FORMATS

SECTION = "reports"
TEMPLATE = "reports/moj/return.html"


def _half_or_404(fy: int, half: int) -> None:
    if half not in (1, 2):
        raise Http404("There are two halves: 1 and 2.")
    try:
        FinancialYear(fy)
    except (TypeError, ValueError):
        raise Http404("No such financial year.") from None


def _page_url(fy: int, half: int, number: int | None = None) -> str:
    url = reverse("reports:moj_return", kwargs={"fy": fy, "half": half})
    return f"{url}?version={number}" if number else url


@capability_required("moj.view")
def moj_index(request):
    return render(
        request,
        "reports/moj/index.html",
        {
            "section": SECTION,
            "rows": selectors.moj_index_rows(),
            "can_prepare": has_capability(request.user, "moj.prepare"),
        },
    )


# The return page ------------------------------------------------------------------------------


def _issue_link(issue: dict, links: selectors.FigureLinks) -> tuple[str, str]:
    """Where to act on an issue: (URL, link text): the monitoring return, else the award, else
    the stream; ("", "") when none is found."""
    reference, quarter = issue.get("award_reference"), issue.get("quarter")
    if reference and quarter and (reference, quarter) in links.returns:
        return reverse("grants:return_review", kwargs={"pk": links.returns[(reference, quarter)]}), "Open the return"
    if reference and reference in links.awards:
        return reverse("grants:award_detail", kwargs={"pk": links.awards[reference]}), "Open the award"
    if issue.get("stream") in links.streams:
        return reverse("grants:stream_detail", kwargs={"pk": links.streams[issue["stream"]]}), "Open the stream"
    return "", ""


def _percent(improved: int, assessed: int) -> str:
    if not assessed:
        return "–"
    return f"{(Decimal(improved) * 100 / Decimal(assessed)).quantize(Decimal('1'), rounding=ROUND_HALF_UP)}%"


def _tables(figures: dict, links: selectors.FigureLinks) -> dict:
    """The figures shaped for the page: each issue with an anchor and a link to the record
    behind it, and each stream and service with its issues beside it."""
    issues, by_award, by_stream = _issues_shown(figures, links)
    streams = [
        {**stream, "pk": links.streams.get(stream["name"]), "issues": by_stream.get(stream["name"], [])}
        for stream in figures.get("streams", [])
    ]
    return {
        "issues": issues,
        "blocking_count": sum(1 for issue in issues if issue["severity"] == "blocking"),
        "warning_count": sum(1 for issue in issues if issue["severity"] == "warning"),
        "streams": streams,
        "services": _service_rows(figures, links, by_award),
        "breakdowns": _breakdown_tables(figures),
        "outcomes": _outcome_rows(figures),
        "totals": figures.get("totals", {}),
    }


def _issues_shown(figures: dict, links: selectors.FigureLinks) -> tuple[list[dict], dict, dict]:
    """The issues with an anchor and a link, and those of each service (by award reference) and
    of each stream (by name)."""
    issues = []
    by_award: dict[str, list[dict]] = {}
    by_stream: dict[str, list[dict]] = {}
    for number, issue in enumerate(figures.get("issues", []), start=1):
        url, link_text = _issue_link(issue, links)
        shown = {**issue, "anchor": f"issue-{number}", "url": url, "link_text": link_text}
        issues.append(shown)
        if issue.get("award_reference"):
            by_award.setdefault(issue["award_reference"], []).append(shown)
        elif issue.get("stream"):
            by_stream.setdefault(issue["stream"], []).append(shown)
    return issues, by_award, by_stream


def _service_rows(figures: dict, links: selectors.FigureLinks, by_award: dict[str, list[dict]]) -> list[dict]:
    """Each service with links to its award and the returns counted, its issues and its
    category's label."""
    categories = figures.get("labels", {}).get("moj_category", {})
    rows = []
    for service in figures.get("services", []):
        reference = service["award_reference"]
        returns = [
            {"quarter": code, "pk": links.returns.get((reference, code))}
            for code in service.get("quarters_reported", [])
        ]
        rows.append(
            {
                **service,
                "pk": links.awards.get(reference),
                "returns": returns,
                "issues": by_award.get(reference, []),
                "category_label": categories.get(service["category"], service["category"])
                if service["category"]
                else "",
            }
        )
    return rows


def _breakdown_tables(figures: dict) -> list[dict]:
    """The services' breakdowns added up: a table per dimension reported, codes in list order."""
    labels = figures.get("labels", {})
    breakdowns: dict[str, dict[str, int]] = {dimension: {} for dimension in DIMENSIONS}
    for service in figures.get("services", []):
        for dimension, counts in service.get("breakdowns", {}).items():
            into = breakdowns.setdefault(dimension, {})
            for code, count in counts.items():
                into[code] = into.get(code, 0) + count
    return [
        {
            "dimension": dimension,
            "name": DIMENSION_NAMES.get(dimension, dimension),
            "rows": [
                (labels.get(dimension, {}).get(code, code), counts[code])
                for code in ordered_codes(figures, dimension, counts)
            ],
            "total": sum(counts.values()),
        }
        for dimension, counts in breakdowns.items()
        if counts
    ]


def _outcome_rows(figures: dict) -> list[dict]:
    """The services' outcomes added up per code, with the share improved."""
    outcomes: dict[str, dict[str, int]] = {}
    for service in figures.get("services", []):
        for code, counts in service.get("outcomes", {}).items():
            into = outcomes.setdefault(code, {"assessed": 0, "improved": 0})
            into["assessed"] += counts["assessed"]
            into["improved"] += counts["improved"]
    return [
        {
            "label": figures.get("labels", {}).get("outcome", {}).get(code, code),
            **outcomes[code],
            "percent": _percent(outcomes[code]["improved"], outcomes[code]["assessed"]),
        }
        for code in ordered_codes(figures, "outcome", outcomes)
    ]


def _page_context(request, *, fy: int, half: int, number: int | None, bound: dict | None = None) -> dict:
    """Everything the return page shows for version ``number`` (the latest when None).
    ``bound`` holds a submitted form to show again with its errors, by action name."""
    user = request.user
    versions = list(selectors.moj_return_versions(fy=fy, half=half))
    current = versions[0] if versions and number is None else next((v for v in versions if v.number == number), None)
    if number is not None and current is None:
        raise Http404("There is no such version of this return.")
    context = {
        "section": SECTION,
        "fy": fy,
        "half": half,
        "fy_label": FinancialYear(fy).label,
        "title": f"MoJ return {services.half_label(fy=fy, half=half)}",
        "half_label": services.half_label(fy=fy, half=half),
        "versions": versions,
        "current": current,
        "events": selectors.moj_return_events(fy=fy, half=half),
        "can_prepare": has_capability(user, "moj.prepare"),
        "can_download": has_capability(user, "reports.request"),
        "formats": FORMATS,
    }
    if current is None:
        context["in_scope"] = moj_scope_exists(fy=fy, half=half)
        return context
    context["in_scope"] = True
    try:
        figures = selectors.moj_return_figures_for(current)
    except ValidationError as error:
        context["figures_error"] = " ".join(error.messages)
        return context
    context["figures"] = figures
    context["computed_at"] = (
        datetime.datetime.fromisoformat(figures["computed_at"]) if figures.get("computed_at") else None
    )
    context.update(_tables(figures, selectors.moj_return_links(figures)))
    context["differences"] = selectors.moj_return_differences(current, figures)
    context["explanations"] = figures.get("explanations", []) if current.is_signed_off else []

    latest = current.pk == versions[0].pk
    bound = bound or {}
    actions = {t.name for t in services.allowed_transitions(user, current)} if latest else set()
    keys = {"number": current.number, "version": current.version}
    if "submit" in actions:
        context["submit_form"] = ActionForm(initial=keys)
    if "reopen" in actions:
        context["reopen_form"] = bound.get("reopen") or ReasonForm(initial=keys, auto_id="reopen_%s")
    if "sign_off" in actions:
        context["sign_off_form"] = bound.get("sign_off") or SignOffForm(
            initial={**keys, "checksum": services.content_checksum(figures)},
            blocking_issues=services.blocking_issues(figures),
        )
    if latest and current.is_signed_off and context["can_prepare"]:
        context["amend_form"] = bound.get("amend") or AmendForm(initial={"number": current.number}, auto_id="amend_%s")
    context["has_actions"] = any(
        name in context for name in ("submit_form", "reopen_form", "sign_off_form", "amend_form")
    )
    return context


@require_GET
@capability_required("moj.view")
def moj_return(request, fy: int, half: int):
    _half_or_404(fy, half)
    raw = request.GET.get("version", "")
    number = int(raw) if raw.isdigit() and int(raw) > 0 else None
    return render(request, TEMPLATE, _page_context(request, fy=fy, half=half, number=number))


# Actions (POST only) ----------------------------------------------------------------------------


def _version_or_404(fy: int, half: int, number) -> object:
    _half_or_404(fy, half)
    found = selectors.moj_return_version(fy=fy, half=half, number=number)
    if found is None:
        raise Http404("There is no such version of this return.")
    return found


@capability_required("moj.prepare")
@require_POST
@create_once
def moj_start(request, fy: int, half: int):
    _half_or_404(fy, half)
    try:
        moj_return = services.moj_return_start(fy=fy, half=half, actor=request.user)
    except ValidationError as error:
        show_errors(request, error)
    else:
        saved(
            request,
            moj_return,
            f"The {services.half_label(fy=fy, half=half)} return has been started "
            "(version 1, a draft). Check the issues below.",
        )
    return redirect(_page_url(fy, half))


@capability_required("moj.prepare")
@require_POST
def moj_submit(request, fy: int, half: int):
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The return could not be submitted: reload the page and try again.")
        return redirect(_page_url(fy, half))
    moj_return = _version_or_404(fy, half, form.cleaned_data["number"])
    try:
        services.moj_return_submit(moj_return=moj_return, actor=request.user, version=form.cleaned_data["version"])
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, "The return has been submitted to a finance officer for sign-off.")
    return redirect(_page_url(fy, half))


def _render_again(request, fy: int, half: int, number: int, action: str, form) -> object:
    context = _page_context(request, fy=fy, half=half, number=number, bound={action: form})
    context["error_form"] = form
    return render(request, TEMPLATE, context)


@capability_required("moj.view")
@require_POST
def moj_reopen(request, fy: int, half: int):
    if not services.may(request.user, services.TRANSITIONS["reopen"]):
        raise PermissionDenied("Your role does not allow this (return to draft).")
    form = ReasonForm(request.POST, auto_id="reopen_%s")
    number = form.data.get("number")
    moj_return = _version_or_404(fy, half, int(number) if str(number).isdigit() else None)
    if form.is_valid():
        try:
            services.moj_return_reopen(
                moj_return=moj_return,
                actor=request.user,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error, name_fields=True)
        else:
            messages.success(request, "The return is a draft again.")
            return redirect(_page_url(fy, half))
    return _render_again(request, fy, half, moj_return.number, "reopen", form)


@capability_required("moj.sign_off")
@require_POST
def moj_sign_off(request, fy: int, half: int):
    number = request.POST.get("number", "")
    moj_return = _version_or_404(fy, half, int(number) if number.isdigit() else None)
    blocking = []
    if not moj_return.is_signed_off:
        try:
            blocking = services.blocking_issues(services.live_figures(moj_return))
        except ValidationError:
            blocking = []
    form = SignOffForm(request.POST, blocking_issues=blocking)
    if form.is_valid():
        try:
            services.moj_return_sign_off(
                moj_return=moj_return,
                actor=request.user,
                version=form.cleaned_data["version"],
                checksum=form.cleaned_data["checksum"],
                signatory_role=form.cleaned_data["signatory_role"],
                explanations=form.explanations(),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "changed":
                # Show the new figures with a fresh form (new checksum), keeping what was typed.
                messages.error(request, services.CHANGED_SINCE_OPENED)
                return redirect(_page_url(fy, half))
            add_service_errors(form, error, name_fields=True)
            form.shorten_issue_errors()
        else:
            messages.success(request, "The return has been signed off. Its figures are now frozen.")
            return redirect(_page_url(fy, half))
    return _render_again(request, fy, half, moj_return.number, "sign_off", form)


@capability_required("moj.prepare")
@require_POST
def moj_amend(request, fy: int, half: int):
    form = AmendForm(request.POST, auto_id="amend_%s")
    number = form.data.get("number")
    moj_return = _version_or_404(fy, half, int(number) if str(number).isdigit() else None)
    if form.is_valid():
        try:
            amendment = services.moj_return_amend(
                moj_return=moj_return, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error, name_fields=True)
        else:
            messages.success(
                request,
                f"Version {amendment.number} has been started as a draft, computed from "
                f"today's data; its differences from version {moj_return.number} are listed.",
            )
            return redirect(_page_url(fy, half))
    return _render_again(request, fy, half, moj_return.number, "amend", form)


@capability_required("moj.view")
@capability_required("reports.request")
@require_POST
def moj_download(request, fy: int, half: int):
    """Request the version as PDF, XLSX or JSON from the reports engine (a Celery job) and go to
    the report's page, which follows its progress and offers the file."""
    form = DownloadForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose PDF, Spreadsheet (XLSX) or JSON.")
        return redirect(_page_url(fy, half))
    moj_return = _version_or_404(fy, half, form.cleaned_data["number"])
    parameters = {
        "fy": fy,
        "half": half,
        "format": form.cleaned_data["format"],
        "version": moj_return.number,
        "period": f"H{half}",
    }
    report, created = engine.report_request(kind="moj_return", parameters=parameters, actor=request.user)
    if not created:
        messages.info(request, "This file was already being prepared: here it is, rather than a second copy.")
    return redirect("reports:report_detail", pk=report.pk)
