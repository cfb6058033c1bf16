"""Applying an approved variation to its award, in the approval's transaction.

The award's figures are kept as they stood (version 1 the first time), the award is changed
through ``grants.awards.services.award_update`` (so its monitoring returns and pending
instalments reconcile as they do every day), its KPIs are changed, the variation records the
award's last day and value before and after, and the award's new figures become the next
version. With a template chosen, the variation letter is issued."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from grants.agreements.figures import award_figures
from grants.awards.rules import LineInput
from grants.awards.services import award_update
from grants.models import Award, AwardKPI, AwardVersion, Variation, VariationKind, VariationStatus
from grants.variations.letters import variation_letter_issue
from grants.variations.rules import award_total
from pcc_commissioning import clock
from pcc_commissioning.records import attribute_to
from pcc_commissioning.roles import has_capability


def lead_contact(award: Award) -> str:
    """The award's lead contact as the last approved change of lead contact named them."""
    latest = (
        Variation.objects.filter(award=award, kind=VariationKind.LEAD_CONTACT, status=VariationStatus.APPROVED)
        .order_by("-decided_on", "-pk")
        .values_list("new_lead_contact", flat=True)
        .first()
    )
    return latest or ""


def _snapshot(award: Award, *, number: int, variation: Variation | None) -> AwardVersion:
    figures = award_figures(award)
    figures["lead_contact"] = lead_contact(award)
    return AwardVersion.objects.create(
        award=award, number=number, variation=variation, figures=figures, made_at=clock.now()
    )


def _date_changes(award: Award, variation: Variation) -> dict[str, Any]:
    """The award's date fields after the change (the offered extension taken, or a new end)."""
    if variation.takes_extension:
        return {"extension_taken": True}
    new_end = variation.new_end_date
    if new_end is None:
        return {}
    if award.extension_taken:
        return {"extension_until": new_end}
    changes: dict[str, Any] = {"end_date": new_end}
    if award.extension_until is not None and award.extension_until <= new_end:
        # The extension offered ends before the new end date: the variation has overtaken it.
        changes |= {"extension_until": None, "extension_months": None}
    return changes


def _award_changes(award: Award, variation: Variation) -> dict[str, Any]:
    changes = _date_changes(award, variation)
    if variation.new_provider_id:
        changes["provider"] = variation.new_provider
    if variation.new_scope:
        changes["purpose"] = variation.new_scope
    if variation.decision_id:
        changes["decision"] = variation.decision
    return changes


def _apply_kpis(award: Award, variation: Variation, *, actor) -> None:
    for change in variation.kpis.select_related("kpi"):
        kpi = change.kpi
        if kpi is not None and change.remove:
            attribute_to(kpi, actor)
            kpi.delete()
        elif kpi is not None:
            kpi.target, kpi.target_period = change.target, change.target_period
            if change.unit:
                kpi.unit = change.unit
            kpi.version += 1
            attribute_to(kpi, actor)
            kpi.save()
        elif not change.remove:
            new = AwardKPI(
                award=award,
                name=change.name,
                unit=change.unit,
                target=change.target,
                target_period=change.target_period,
            )
            attribute_to(new, actor)
            new.save()


def variation_apply(*, variation: Variation, actor, letter_template=None) -> Variation:
    """Change ``variation.award`` as the approved ``variation`` says; call inside the approval's
    transaction (a refusal from the award's rules undoes the approval too)."""
    award = Award.objects.select_related("provider", "decision", "lead_officer").get(pk=variation.award_id)
    numbers = AwardVersion.objects.filter(award=award).aggregate(highest=Max("number"))["highest"]
    if numbers is None:
        _snapshot(award, number=1, variation=None)
        numbers = 1
    old_last_day, old_value = award.last_day, award_total(award)
    lines = [LineInput(stream=line.stream, fy=line.fy, amount=line.amount) for line in variation.lines.all()]
    editor = actor if actor is not None and has_capability(actor, "grants.edit") else None
    award_update(
        award=award, actor=editor, expected_version=None, lines=lines or None, **_award_changes(award, variation)
    )
    _apply_kpis(award, variation, actor=actor)
    award = Award.objects.select_related("provider", "decision", "lead_officer").get(pk=award.pk)
    variation.old_end_date, variation.old_value = old_last_day, old_value
    variation.new_value = award_total(award)
    variation.decided_on, variation.decided_by = clock.today(), actor
    attribute_to(variation, actor)
    variation.save()
    _snapshot(award, number=numbers + 1, variation=variation)
    variation_letter_issue(actor=actor, variation=variation, template=letter_template)
    return variation
