"""Close-out pages: awards closing soon, closing an award, and the closed awards whose personal
data is due for deletion. Internal roles read them; only officers close and redact."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from grants.awards import selectors as awards_selectors
from grants.closeout import selectors, services
from grants.closeout.checklist import checklists_for, closing_state
from grants.closeout.forms import AwardCloseForm
from grants.models import AwardClosure
from grants.pages import PAGE_SIZE, page_context
from pcc_commissioning.forms import add_service_errors
from pcc_commissioning.records import page_of
from pcc_commissioning.roles import capability_required, has_capability, require
from pcc_commissioning.web import form_data


@capability_required("grants.view")
def closing_soon(request):
    sort = request.GET.get("sort", "")
    page_obj = page_of(selectors.closing_soon(sort=sort), number=request.GET.get("page"), per_page=PAGE_SIZE)
    checklists = checklists_for(page_obj.object_list)
    rows = [
        {"award": award, "missing": [item for item in checklists[award.pk] if not item.done]}
        for award in page_obj.object_list
    ]
    return render(
        request,
        "grants/closeout/closing_soon.html",
        page_context(
            request,
            page_obj=page_obj,
            rows=rows,
            sort=sort,
            ending_days=settings.CONTRACT_ENDING_DAYS,
            can_close=has_capability(request.user, "awards.close"),
        ),
    )


@capability_required("grants.view")
@require_http_methods(["GET", "POST"])
def award_close(request, pk: int):
    award = awards_selectors.access_award(request.user, pk)
    closure = selectors.award_closure(award)
    can_close = has_capability(request.user, "awards.close") and closure is None
    if request.method == "POST":
        require(request.user, "awards.close")
        if closure is not None:
            raise PermissionDenied("This award is already closed.")
    items, facts = closing_state(award)
    initial = {"version": award.version, "final_return": facts.final_return, "final_spend": facts.final_spend}
    form = AwardCloseForm(form_data(request), initial=initial, award=award) if can_close else None
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.award_close(actor=request.user, award=award, expected_version=data.pop("version"), **data)
        except ValidationError as exc:
            add_service_errors(form, exc, name_fields=True)
        else:
            messages.success(request, f"Award {award.reference} has been closed: it is now read-only.")
            return redirect("grants:award_detail", pk=award.pk)
    elif request.method == "POST":
        # The form has errors of its own: the checklist's show with them, so all is fixed in one round.
        missing = {item.field: [item.missing] for item in items if not item.done and item.field not in form.errors}
        if missing:
            add_service_errors(form, ValidationError(missing), name_fields=True)
    return render(
        request,
        "grants/closeout/award_close.html",
        page_context(request, award=award, items=items, closure=closure, form=form, ready=all(i.done for i in items)),
    )


@capability_required("grants.view")
def retention(request):
    page_obj = page_of(selectors.retention_due(), number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "grants/closeout/retention.html",
        page_context(
            request,
            page_obj=page_obj,
            closures=page_obj.object_list,
            retention_years=settings.PERSONAL_DATA_RETENTION_YEARS,
            can_redact=has_capability(request.user, "retention.redact"),
        ),
    )


@capability_required("retention.redact")
@require_POST
def retention_redact(request, pk: int):
    closure = get_object_or_404(AwardClosure.objects.select_related("award"), pk=pk)
    try:
        done = services.personal_data_redact(actor=request.user, closure=closure)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"{done.line()}. The figures are kept.")
    return redirect("grants:retention")
