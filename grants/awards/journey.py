"""Adding an award in steps: one page per part of the award (``AWARD_STEPS``), then "Check your
answers", and only then the award is created, by the same ``award_create`` service and with the
same values as the one-page form gave it.

The answers are kept in the session, per journey (an id in the address, so two tabs adding two
awards do not mix), as the fields were sent; each page binds its form to them again, so a
journey holds no record and nothing is written until the check-answers page is confirmed.
Abandoning a journey leaves nothing behind but its entry in the session (the oldest are dropped).

Each step checks its own fields and the service's rules about them with what is known so far
(``award_problems``): the reference already taken on the first step, the end before the start
on the dates, lines outside the dates on the funding. The funding lines offer only the years
the dates entered cover. A change on the check-answers page goes back to its step and returns
to the check-answers page; if the change makes another step's answers wrong (new dates leave a
line outside), the check-answers page sends the officer to that step, with its errors shown.
"""

from __future__ import annotations

import contextlib
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_http_methods

from grants.awards import services as awards_services
from grants.awards.forms import AWARD_STEPS, AwardStep, AwardStepForm, LineFormSet, award_step, line_years
from grants.awards.views import _apply_award_errors, _line_inputs, _more_rows, _valid_line_inputs
from grants.pages import page_context
from pcc_commissioning.idempotency import create_once, saved
from pcc_commissioning.money import format_pence
from pcc_commissioning.periods import FinancialYear
from pcc_commissioning.roles import capability_required

SESSION_KEY = "award_journeys"
KEEP_JOURNEYS = 5  # journeys kept in a session; starting another drops the oldest
CHECK = "check"
BLANK_ANSWERS = {"reference": "Made for you when the award is added", "areas": "The whole force area"}


# The journey in the session ------------------------------------------------------------------
def _journeys(request) -> dict:
    return request.session.setdefault(SESSION_KEY, {})


def _answers(request, journey: str) -> dict | None:
    """{step slug: {field name: [values]}} of a journey, or None if the session has no such journey."""
    return _journeys(request).get(journey)


def _store(request, journey: str, step: AwardStep, data) -> None:
    """Keep what was sent for ``step``'s fields (and the funding lines on their step)."""
    names = step.fields
    kept = {
        key: data.getlist(key)
        for key in data
        if any(key == name or key.startswith(f"{name}_") for name in names) or (step.lines and key.startswith("lines-"))
    }
    journeys = _journeys(request)
    answers = journeys.pop(journey, {})
    answers[step.slug] = kept
    journeys[journey] = answers  # last used last, so the oldest is dropped first
    while len(journeys) > KEEP_JOURNEYS:
        journeys.pop(next(iter(journeys)))
    request.session.modified = True


def _bound(answers: dict, step: AwardStep, initial=None):
    """The step's form (and its funding lines) bound to the stored answers, or unbound if the
    step has not been answered yet."""
    stored = answers.get(step.slug)
    data = MultiValueDict(stored) if stored is not None else None
    form = AwardStepForm(data, step=step, initial=initial)
    formset = LineFormSet(data, prefix="lines", years=_years(answers)) if step.lines else None
    return form, formset


def _years(answers: dict) -> list[int]:
    """The years the funding lines offer: around the dates entered (all recent years if none)."""
    form = AwardStepForm(MultiValueDict(answers.get("dates", {})), step=award_step("dates"))
    dates = []
    for name in ("start_date", "end_date", "extension_until"):
        field = form.fields[name]
        with contextlib.suppress(ValidationError):
            dates.append(field.clean(field.widget.value_from_datadict(form.data, {}, name)))
    return line_years(*dates)


def _valid(form, formset) -> bool:
    return form.is_valid() & (formset.is_valid() if formset is not None else True)


def _values(answers: dict, *, upto: AwardStep | None = None) -> tuple[dict, list]:
    """The cleaned values of the steps answered validly (up to and including ``upto``), as the
    service takes them, and the funding lines' inputs."""
    fields, lines = {}, []
    for step in AWARD_STEPS:
        form, formset = _bound(answers, step)
        if form.is_bound and form.is_valid():
            fields.update(form.cleaned_data)
        if formset is not None and formset.is_bound:
            lines = _valid_line_inputs(formset)[0]
        if step == upto:
            break
    return fields, lines


def _check_rules(answers: dict, step: AwardStep, form, formset) -> None:
    """The service's rules about this step's fields (and lines), with what is known so far."""
    fields, lines = _values(answers, upto=step)
    fields.update({name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors})
    if formset is not None:
        lines = _valid_line_inputs(formset)[0]
    problems = awards_services.award_problems(award=None, lines=lines, **fields)
    if problems is None or not hasattr(problems, "error_dict"):
        return
    mine = {
        name: errors
        for name, errors in problems.error_dict.items()
        if (name in form.fields and name not in form.errors) or (name == "lines" and formset is not None)
    }
    if mine:
        line_forms = _valid_line_inputs(formset)[1] if formset is not None else []
        _apply_award_errors(form, formset, ValidationError(mine), line_forms)


# The pages ---------------------------------------------------------------------------------------
def _step_url(journey: str, step: AwardStep, *, change: bool = False) -> str:
    url = reverse("grants:award_create_step", kwargs={"journey": journey, "step": step.slug})
    return f"{url}?change=1" if change else url


def _check_url(journey: str) -> str:
    return reverse("grants:award_create_check", kwargs={"journey": journey})


def _render_step(request, journey: str, step: AwardStep, form, formset, *, change: bool):
    index = AWARD_STEPS.index(step)
    if change:
        back = _check_url(journey)
    elif index:
        back = _step_url(journey, AWARD_STEPS[index - 1])
    else:
        back = reverse("grants:index")
    return render(
        request,
        "grants/award_step.html",
        page_context(
            request,
            step=step,
            number=index + 1,
            steps=len(AWARD_STEPS),
            form=form,
            formset=formset,
            action=_step_url(journey, step, change=change),
            back=back,
        ),
    )


@capability_required("grants.edit")
@require_http_methods(["GET"])
def award_create(request):
    """ "Add an award": the first step of a new journey (nothing is kept until it is answered)."""
    journey = secrets.token_urlsafe(9)
    step = AWARD_STEPS[0]
    form = AwardStepForm(step=step, initial={"provider": request.GET.get("provider") or None})
    return _render_step(request, journey, step, form, None, change=False)


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
def award_create_step(request, journey: str, step: str):
    current = award_step(step)
    if current is None:
        raise Http404("No such step.")
    answers = _answers(request, journey)
    if answers is None and current != AWARD_STEPS[0]:
        messages.info(request, "That award was not added: its answers are no longer kept. Start again.")
        return redirect("grants:award_create")
    answers = answers or {}
    change = bool(request.GET.get("change"))
    if request.method == "POST":
        _store(request, journey, current, request.POST)
        answers = _answers(request, journey)
    form, formset = _bound(answers, current)
    if request.method == "POST" and "add_line" in request.POST and formset is not None:
        formset = _more_rows(request, form, LineFormSet, formset.years)
        return _render_step(request, journey, current, form, formset, change=change)
    if form.is_bound:
        _valid(form, formset)  # the form's own checks, then the service's rules about the step
        _check_rules(answers, current, form, formset)
    has_errors = bool(form.errors) or bool(formset is not None and formset.total_error_count())
    if request.method == "POST" and not has_errors:
        index = AWARD_STEPS.index(current)
        if change or index + 1 == len(AWARD_STEPS):
            return redirect(_check_url(journey))
        return redirect(_step_url(journey, AWARD_STEPS[index + 1]))
    return _render_step(request, journey, current, form, formset, change=change)


def _first_step_to_fix(answers: dict) -> AwardStep | None:
    """The first step not answered, or whose answers are wrong now (by the form or the rules)."""
    for step in AWARD_STEPS:
        if step.slug not in answers:
            return step
        form, formset = _bound(answers, step)
        _valid(form, formset)
        _check_rules(answers, step, form, formset)
        if form.errors or (formset is not None and formset.total_error_count()):
            return step
    return None


def answer_text(bound) -> str:
    """A field's answer as the check-answers page shows it."""
    field, value = bound.field, bound.form.cleaned_data.get(bound.name)
    if hasattr(value, "model") and hasattr(field, "label_from_instance"):  # several records
        value = ", ".join(field.label_from_instance(item) for item in value)
    elif hasattr(field, "label_from_instance") and value is not None:
        value = field.label_from_instance(value)
    elif isinstance(value, bool):
        return "Yes" if value else "No"
    elif hasattr(value, "strftime"):
        value = value.strftime("%-d %B %Y")
    elif getattr(field, "choices", None) and value:
        value = dict(field.choices).get(value, value)
    return str(value) if value not in (None, "") else BLANK_ANSWERS.get(bound.name, "Not given")


def _summary(answers: dict, journey: str) -> list[dict]:
    """Per step: its title, its change link, and (label, answer, change link) per field; the
    funding lines with their total on their step."""
    sections = []
    for step in AWARD_STEPS:
        form, formset = _bound(answers, step)
        _valid(form, formset)
        change = _step_url(journey, step, change=True)
        rows = [(bound.label, answer_text(bound), f"{change}#{bound.id_for_label}") for bound in form]
        lines = []
        if formset is not None:
            lines = [
                (line.stream.name, FinancialYear(line.fy).label, format_pence(line.amount))
                for line in _line_inputs(formset)[0]
            ]
        total = sum((line.amount for line in _line_inputs(formset)[0]), 0) if formset is not None else None
        sections.append(
            {
                "step": step,
                "rows": rows,
                "lines": lines,
                "total": format_pence(total) if lines else "",
                "change": change,
            }
        )
    return sections


@capability_required("grants.edit")
@require_http_methods(["GET", "POST"])
@create_once
def award_create_check(request, journey: str):
    """ "Check your answers", and confirming it: the one place the award is created."""
    answers = _answers(request, journey)
    if answers is None:
        messages.info(request, "That award was not added: its answers are no longer kept. Start again.")
        return redirect("grants:award_create")
    to_fix = _first_step_to_fix(answers)
    if to_fix is not None:
        return redirect(_step_url(journey, to_fix, change=to_fix.slug in answers))
    if request.method == "POST":
        fields, _ = _values(answers)
        formset = _bound(answers, next(step for step in AWARD_STEPS if step.lines))[1]
        formset.is_valid()
        lines, line_forms = _line_inputs(formset)
        kpqs = fields.pop("kpqs")
        areas = fields.pop("areas")
        try:
            award = awards_services.award_create(actor=request.user, lines=lines, kpqs=kpqs, areas=areas, **fields)
        except ValidationError as exc:
            return _refused(request, journey, answers, exc)
        _journeys(request).pop(journey, None)
        request.session.modified = True
        saved(request, award, f"Award {award.reference} has been added.")
        return redirect("grants:award_detail", pk=award.pk)
    return render(
        request,
        "grants/award_check.html",
        page_context(request, sections=_summary(answers, journey), back=_step_url(journey, AWARD_STEPS[-1])),
    )


def _refused(request, journey: str, answers: dict, exc: ValidationError):
    """The service refused the award (something changed since the steps were checked, such as a
    reference taken meanwhile): the step of the first problem, with the problems on it."""
    keys = list(getattr(exc, "error_dict", {}))
    step = next(
        (step for step in AWARD_STEPS for key in keys if key in step.fields or (key == "lines" and step.lines)),
        AWARD_STEPS[0],
    )
    form, formset = _bound(answers, step)
    _valid(form, formset)
    if hasattr(exc, "error_dict") and formset is None:
        exc = ValidationError({key: errors for key, errors in exc.error_dict.items() if key != "lines"} or exc.messages)
    line_forms = _line_inputs(formset)[1] if formset is not None else []
    _apply_award_errors(form, formset, exc, line_forms)
    return _render_step(request, journey, step, form, formset, change=True)
