"""Officers' pages of a round's set-up: the list, a round's overview, creating, editing and
copying a round, its moves, and its definition as a JSON file. Thin: permission, a selector or
a service, a template. The definition's lists have their own module (``definition_views``)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from grants.years import year_page
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.interchange.imports import run_import
from pcc_commissioning.interchange.rows import ImportFailed
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability
from pcc_commissioning.transitions import available
from pcc_commissioning.web import form_data, form_files

from ..models import RoundStatus
from . import selectors, services
from .documents import definition_document
from .forms import (
    DefinitionImportForm,
    RoundActionForm,
    RoundCopyForm,
    RoundEditForm,
    RoundForm,
    initial_moments,
)
from .pages import round_context
from .transitions import ROUND_MACHINE
from .validation import definition_problems

PAGE_SIZE = 25
MOMENT_FIELDS = {"opens_at": "opens_on", "closes_at": "closes_on"}


def _form_field_for(form):
    """Where a service's error about ``name`` goes on ``form``: the opening and closing times
    are two boxes each on the page, and the date box takes the message."""

    def field_for(name: str) -> str | None:
        field = MOMENT_FIELDS.get(name, name)
        return field if field in form.fields else None

    return field_for


@capability_required("rounds.view")
@year_page(all_years=True)
def round_list(request, year):
    status = request.GET.get("status", "")
    rows = selectors.rounds_list(fy=year.fy, status=status)
    page_obj = page_of(rows, number=request.GET.get("page"), per_page=PAGE_SIZE)
    years = sorted({*selectors.round_years(), year.current, *([year.fy] if year.fy else [])}, reverse=True)
    for round in page_obj.object_list:
        round.phase_label = selectors.phase_label(selectors.phase(round))
    return render(
        request,
        "rounds/round_list.html",
        {
            "section": "rounds",
            "page_obj": page_obj,
            "rounds": page_obj.object_list,
            "year": year,
            "fy": year.fy,
            "year_choices": [(each, f"{each}/{str(each + 1)[2:]}") for each in years],
            "status": status,
            "statuses": RoundStatus.choices,
            "can_edit": has_capability(request.user, "rounds.edit"),
            "can_import": has_capability(request.user, "rounds.import"),
            "import_form": DefinitionImportForm(),
        },
    )


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
@create_once
def round_create(request):
    form = RoundForm(form_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=_form_field_for(form))
        else:
            saved(request, round, f"Round {round.reference} has been set up as a draft.")
            return redirect("rounds:detail", reference=round.reference)
    return render(request, "rounds/round_form.html", {"form": form, "section": "rounds"})


def _offered_moves(request, round, problems: list[str]) -> list:
    """The moves the overview offers as buttons: those the user may make, less those whose
    guard is known to refuse without running it (the service still checks when pressed)."""
    refused = {"decide"}  # made by the decision stage, on its own page
    if problems:
        refused.add("publish")  # the page lists what stops it
    if round.status == RoundStatus.PUBLISHED and selectors.phase(round) != "upcoming":
        refused.add("unpublish")  # opened: applicants may have started
    moves = available(ROUND_MACHINE, state=round.status, actor=request.user)
    return [move for move in moves if move.name not in refused]


@capability_required("rounds.view")
def round_detail(request, reference: str):
    round = selectors.access_round(request.user, reference)
    problems = definition_problems(round) if round.status == RoundStatus.DRAFT else []
    return render(
        request,
        "rounds/round_detail.html",
        round_context(
            request,
            round,
            current="rounds:detail",
            moves=_offered_moves(request, round, problems),
            versions=selectors.round_versions(round),
            problems=problems,
            frozen=services.is_frozen(round),
            kpqs=round.kpqs.all(),
            areas=round.areas.all(),
        ),
    )


_EDITABLE = (*services.ROUND_FIELDS,)


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
def round_edit(request, reference: str):
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    initial = {name: getattr(round, name) for name in _EDITABLE if name not in MOMENT_FIELDS}
    initial.update(initial_moments(round), version=round.version, kpqs=list(round.kpqs.all()))
    initial["areas"] = list(round.areas.all())
    form = RoundEditForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        expected_version, reason = fields.pop("version"), fields.pop("reason")
        try:
            services.round_update(
                actor=request.user, round=round, expected_version=expected_version, reason=reason, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=_form_field_for(form))
        else:
            messages.success(request, f"Round {round.reference} has been updated.")
            return redirect("rounds:detail", reference=round.reference)
    return render(
        request,
        "rounds/round_form.html",
        round_context(request, round, current="rounds:detail", form=form, frozen=services.is_frozen(round)),
    )


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
@create_once
def round_copy(request, reference: str):
    source = selectors.access_round(request.user, reference, capability="rounds.edit")
    initial = {"name": source.name, "fy": source.fy + 1}
    form = RoundCopyForm(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_copy(actor=request.user, source=source, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True, field_for=_form_field_for(form))
        else:
            saved(request, round, f"Round {round.reference} has been copied from {source.reference} as a draft.")
            return redirect("rounds:detail", reference=round.reference)
    return render(request, "rounds/round_copy.html", {"form": form, "round": source, "section": "rounds"})


MOVES = {
    "publish": (services.round_publish, "Round {ref} has been published."),
    "unpublish": (services.round_unpublish, "Round {ref} is a draft again."),
    "cancel": (services.round_cancel, "Round {ref} has been cancelled."),
    "publish_results": (services.round_publish_results, "The results of round {ref} have been published."),
}


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
def round_move(request, reference: str, move: str):
    """Confirm and make one of the round's moves (a page of its own, so it works without
    JavaScript and a cancellation can ask why)."""
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    transition = ROUND_MACHINE.get(move)
    if move not in MOVES or transition is None:
        raise Http404("No such move.")
    form = RoundActionForm(form_data(request), initial={"version": round.version})
    if request.method == "POST" and form.is_valid():
        service, message = MOVES[move]
        extra = {"reason": form.cleaned_data["reason"]} if transition.needs_note else {}
        try:
            service(actor=request.user, round=round, expected_version=form.cleaned_data["version"], **extra)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, message.format(ref=round.reference))
            return redirect("rounds:detail", reference=round.reference)
    return render(
        request,
        "rounds/round_move.html",
        round_context(request, round, current="rounds:detail", form=form, transition=transition),
    )


@capability_required("rounds.view")
@require_GET
def definition_download(request, reference: str):
    round = selectors.access_round(request.user, reference)
    document = definition_document(round)
    response = HttpResponse(json.dumps(document, indent=2, ensure_ascii=False) + "\n", content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="round-definition-{round.reference}.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("rounds.import")
@require_http_methods(["GET", "POST"])
def definition_upload(request):
    form = DefinitionImportForm(form_data(request), form_files(request))
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run_import(
                "round_definition",
                upload.read(),
                filename=upload.name,
                actor=request.user,
                update=form.cleaned_data["update"],
            )
        except ImportFailed as exc:
            problems = exc.errors
            form.add_error("file", "The file was not imported: see the problems listed.")
        else:
            messages.success(request, "The round's definition has been imported.")
            return redirect("rounds:list")
    return render(request, "rounds/definition_upload.html", {"form": form, "problems": problems, "section": "rounds"})
