"""Officers' pages of a round's definition: its eligibility questions, application questions
and criteria, each a list with pages to add, change, remove and move an entry. One set of
views serves the three lists (``part``, given by the URL conf)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.roles import capability_required
from pcc_commissioning.web import form_data

from . import selectors, services
from .forms import CriterionForm, DefinitionForm, EligibilityForm, QuestionForm
from .pages import round_context
from .validation import WEIGHTS_TOTAL


@dataclass(frozen=True)
class PartPage:
    name: str  # the URL names' stem: eligibility, question, criterion
    list_name: str  # the list's URL name
    title: str  # "Eligibility questions"
    what: str  # "eligibility question"
    form: type


PAGES = {
    "eligibility": PartPage(
        "eligibility",
        "rounds:eligibility",
        "Eligibility questions",
        "eligibility question",
        EligibilityForm,
    ),
    "questions": PartPage(
        "question",
        "rounds:questions",
        "Application questions",
        "question",
        QuestionForm,
    ),
    "criteria": PartPage(
        "criterion",
        "rounds:criteria",
        "Assessment criteria",
        "criterion",
        CriterionForm,
    ),
}


def _item(round, part: str, pk: int):
    item = services.PARTS[part].items(round).filter(pk=pk).first()
    if item is None:
        raise Http404("No such entry.")
    return item


def _context(request, round, part: str, **extra) -> dict:
    page = PAGES[part]
    return round_context(
        request, round, current=page.list_name, part=part, page=page, frozen=services.is_frozen(round), **extra
    )


def _initial(item, form_class) -> dict:
    initial = {name: getattr(item, name) for name in form_class.base_fields if hasattr(item, name)}
    if "required_answer" in initial:
        initial["required_answer"] = {True: "yes", False: "no"}.get(initial["required_answer"], "")
    return initial


@capability_required("rounds.view")
def part_list(request, reference: str, part: str):
    round = selectors.access_round(request.user, reference)
    items = list(services.PARTS[part].items(round))
    extra = {"items": items, "move_form": DefinitionForm(initial={"version": round.version})}
    if part == "criteria":
        total = round.criteria.aggregate(total=Sum("weight"))["total"]
        extra["weights_total"] = total or 0
        extra["weights_ok"] = total == WEIGHTS_TOTAL
    return render(request, "rounds/part_list.html", _context(request, round, part, **extra))


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
@create_once
def part_add(request, reference: str, part: str):
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    page = PAGES[part]
    form = page.form(form_data(request), initial={"version": round.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.definition_item_add(
                part=part,
                actor=request.user,
                round=round,
                expected_version=data["version"],
                reason=data["reason"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            saved(request, item, f"The {page.what} {item.key} has been added.")
            return redirect(page.list_name, reference=round.reference)
    return render(request, "rounds/part_form.html", _context(request, round, part, form=form))


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
def part_edit(request, reference: str, part: str, pk: int):
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    page = PAGES[part]
    item = _item(round, part, pk)
    initial = {**_initial(item, page.form), "version": round.version}
    form = page.form(form_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.definition_item_update(
                part=part,
                actor=request.user,
                item=item,
                expected_version=data["version"],
                reason=data["reason"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The {page.what} {data['key']} has been changed.")
            return redirect(page.list_name, reference=round.reference)
    return render(request, "rounds/part_form.html", _context(request, round, part, form=form, item=item))


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
def part_delete(request, reference: str, part: str, pk: int):
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    page = PAGES[part]
    item = _item(round, part, pk)
    form = DefinitionForm(form_data(request), initial={"version": round.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.definition_item_delete(
                part=part, actor=request.user, item=item, expected_version=data["version"], reason=data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The {page.what} {item.key} has been removed.")
            return redirect(page.list_name, reference=round.reference)
    return render(request, "rounds/part_delete.html", _context(request, round, part, form=form, item=item))


@capability_required("rounds.edit")
@require_http_methods(["GET", "POST"])
def part_move(request, reference: str, part: str, pk: int, direction: str):
    """Move an entry one place up or down the list. Before the round opens the list's buttons
    post here straight away; once it is open, this page first asks why."""
    round = selectors.access_round(request.user, reference, capability="rounds.edit")
    page = PAGES[part]
    item = _item(round, part, pk)
    order = list(services.PARTS[part].items(round).values_list("pk", flat=True))
    at = order.index(item.pk)
    to = at - 1 if direction == "up" else at + 1
    if direction not in ("up", "down") or not 0 <= to < len(order):
        return redirect(page.list_name, reference=round.reference)
    form = DefinitionForm(form_data(request), initial={"version": round.version})
    if request.method == "POST" and form.is_valid():
        order[at], order[to] = order[to], order[at]
        try:
            services.definition_item_reorder(
                part=part,
                actor=request.user,
                round=round,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                order=order,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"The {page.what} {item.key} has been moved {direction}.")
            return redirect(page.list_name, reference=round.reference)
    return render(
        request, "rounds/part_move.html", _context(request, round, part, form=form, item=item, direction=direction)
    )
