"""The variations export: every request to change an award after the decision and what became of it
(docs/formats.md "variations (export)")."""

from __future__ import annotations

from decimal import Decimal

from grants.export_tables import Table
from grants.models import MONEY_VARIATION_KINDS, OPEN_VARIATION_STATUSES, Variation, VariationStatus
from pcc_commissioning.interchange.exports import Sheet, exporter
from pcc_commissioning.money import to_penny
from pcc_commissioning.periods import FinancialYear

VARIATION_COLUMNS = (
    "award_reference",
    "variation_reference",
    "kind",
    "status",
    "requested_on",
    "decided_on",
    "decision_reference",
    "old_end_date",
    "new_end_date",
    "value_change",
    "reason",
)


def value_change(variation: Variation) -> Decimal | None:
    """What an approved variation added to (or, negative, took off) the award's value, to the
    penny; None when it was not approved, its values were not recorded, or it moved no money
    (a virement moves money between years or streams, so it shows 0.00)."""
    if variation.status != VariationStatus.APPROVED:
        return None
    change = variation.value_change
    if change is None or (not change and variation.kind not in MONEY_VARIATION_KINDS):
        return None
    return to_penny(change)


def old_end_date(variation: Variation):
    """The award's last day before the change: recorded when the variation was decided; while
    it is still open, the award's last day now (what it would change)."""
    if variation.old_end_date is not None or variation.status not in OPEN_VARIATION_STATUSES:
        return variation.old_end_date
    return variation.award.last_day


def variations_table(*, fy: int | None = None) -> Table:
    """Every variation (those requested in ``fy`` if given), by the day requested. One query."""
    variations = Variation.objects.select_related("award", "decision")
    if fy is not None:
        year = FinancialYear(int(fy))
        variations = variations.filter(requested_on__gte=year.start, requested_on__lte=year.end)
    rows = [
        [
            variation.award.reference,
            variation.reference,
            variation.kind,
            variation.status,
            variation.requested_on,
            variation.decided_on,
            variation.decision.reference if variation.decision_id else "",
            old_end_date(variation),
            variation.new_end_date,
            value_change(variation),
            variation.reason,
        ]
        for variation in variations.order_by("requested_on", "award__reference", "reference", "pk")
    ]
    return list(VARIATION_COLUMNS), rows


@exporter(
    "variations",
    capability="grants.view",
    description="Variations of awards: kind, status, dates, the decision and the change of value.",
)
def export_variations(*, fy: int | None) -> Sheet:
    return Sheet("Variations", *variations_table(fy=fy))
