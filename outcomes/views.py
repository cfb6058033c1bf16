from django.shortcuts import render
from django.views.decorators.http import require_GET

from pcc_commissioning.roles import capability_required

from . import selectors
from .forms import CodeListYearForm
from .models import CodeList


@require_GET
@capability_required("plan.view")
def plan(request):
    """The Police and Crime Plan: outcomes with their KPQs, and the commissioning priorities."""
    return render(
        request,
        "outcomes/plan.html",
        {
            "section": "outcomes",
            "outcomes": selectors.plan_tree(),
            "priorities": selectors.priority_list(),
        },
    )


@require_GET
@capability_required("plan.view")
def code_lists(request):
    """Every code list, optionally only the entries valid in one financial year (GET ``fy``)."""
    form = CodeListYearForm(request.GET or None, years=selectors.code_list_years())
    fy = form.cleaned_data["fy"] if form.is_valid() else None
    grouped = selectors.codes_by_list(fy=fy)
    lists = [
        {"name": name, "label": label, "entries": grouped[name]}
        for name, label in CodeList.choices
    ]
    return render(
        request,
        "outcomes/code_lists.html",
        {"section": "outcomes", "form": form, "fy": fy, "lists": lists},
    )
