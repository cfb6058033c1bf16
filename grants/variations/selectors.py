"""Reading variations: one with what it proposes against the award as it is, the list, an
award's variations and versions, and who may do what. A fixed number of queries each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from grants.models import (
    OPEN_VARIATION_STATUSES,
    Award,
    AwardVersion,
    FundingLine,
    Variation,
    VariationStatus,
)
from grants.variations.transitions import VARIATION_MACHINE, approval_move
from pcc_commissioning import clock
from pcc_commissioning.periods import fy_label
from pcc_commissioning.roles import is_provider_user, provider_organisation_id, require
from pcc_commissioning.transitions import Transition, may


def variation_detail(pk: int) -> Variation:
    return get_object_or_404(
        Variation.objects.select_related(
            "award",
            "award__provider",
            "award__decision",
            "decision",
            "new_provider",
            "requested_by",
            "officer_approved_by",
            "finance_approved_by",
            "decided_by",
        ).prefetch_related("lines__stream", "kpis__kpi"),
        pk=pk,
    )


def access_variation(user, pk: int) -> Variation:
    """The variation ``pk`` if ``user`` may read it: internal roles with ``grants.view`` any; a
    provider user only its own organisation's (any other is 404)."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    if is_provider_user(user):
        variation = variation_detail(pk)
        if provider_organisation_id(user) != variation.award.provider_id:
            raise Http404("No such variation.")
        return variation
    require(user, "grants.view")
    return variation_detail(pk)


def variation_list(*, status: str = "", kind: str = "") -> QuerySet[Variation]:
    """Every variation, newest first, filtered by status and kind (blank: all)."""
    rows = Variation.objects.select_related("award", "award__provider").order_by("-requested_on", "-pk")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows


def award_variations(award: Award) -> list[Variation]:
    return list(Variation.objects.filter(award=award).order_by("-requested_on", "-pk"))


def award_versions(award: Award) -> list[VersionRow]:
    """Each version of the award's figures, as awarded first (one query)."""
    return version_rows(list(AwardVersion.objects.filter(award=award).select_related("variation").order_by("number")))


@dataclass(frozen=True)
class Banner:
    version: int | None
    since: datetime.date | None
    awaiting_finance: int
    open: int


def award_banner(award: Award) -> Banner:
    """What the award page says of its variations (two queries)."""
    versions = AwardVersion.objects.filter(award=award).aggregate(highest=Max("number"), since=Max("made_at"))
    counts = Variation.objects.filter(award=award).aggregate(
        awaiting_finance=Count("pk", filter=Q(status=VariationStatus.AWAITING_FINANCE)),
        open=Count("pk", filter=Q(status__in=OPEN_VARIATION_STATUSES)),
    )
    highest = versions["highest"]
    return Banner(
        version=highest if highest and highest > 1 else None,
        since=versions["since"].date() if highest and highest > 1 else None,
        awaiting_finance=counts["awaiting_finance"],
        open=counts["open"],
    )


# The proposal against the award as it is --------------------------------------------------------
@dataclass(frozen=True)
class Compared:
    label: str
    now: str
    proposed: str

    @property
    def changes(self) -> bool:
        return self.now != self.proposed


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"£{amount:,.2f}"


def _line_rows(variation: Variation) -> list[Compared]:
    proposed = {(line.stream.name, line.fy): line.amount for line in variation.lines.all()}
    if not proposed:
        return []
    now = {
        (line.stream.name, line.fy): line.amount
        for line in FundingLine.objects.filter(award=variation.award_id).select_related("stream")
    }
    keys = sorted(set(now) | set(proposed), key=lambda key: (key[1], key[0].lower()))
    rows = [
        Compared(f"{name}, {fy_label(fy)}", _money(now.get((name, fy))) or "–", _money(proposed.get((name, fy))) or "–")
        for name, fy in keys
    ]
    rows.append(Compared("Total", _money(sum(now.values(), Decimal(0))), _money(sum(proposed.values(), Decimal(0)))))
    return rows


def proposal_rows(variation: Variation) -> list[Compared]:
    """What the variation changes, each as the award has it now and as proposed."""
    award = variation.award
    rows = []
    if variation.new_end_date:
        label = "Last day (the extension offered taken)" if variation.takes_extension else "Last day"
        rows.append(Compared(label, f"{award.last_day:%-d %B %Y}", f"{variation.new_end_date:%-d %B %Y}"))
    rows.extend(_line_rows(variation))
    if variation.new_provider_id:
        rows.append(Compared("Provider", award.provider.name, variation.new_provider.name))
    if variation.new_scope:
        rows.append(Compared("Purpose", award.purpose or "–", variation.new_scope))
    if variation.new_lead_contact:
        rows.append(Compared("Lead contact", "–", variation.new_lead_contact))
    for change in variation.kpis.all():
        now = "–" if change.kpi is None else f"{change.kpi.name}: {_target(change.kpi.target)}"
        proposed = "Removed" if change.remove else f"{change.name}: {_target(change.target)}"
        rows.append(Compared("KPI", now, proposed))
    return rows


def _target(value) -> str:
    return "no target" if value is None else f"{value.normalize():f}"


# What the viewer may do -------------------------------------------------------------------------
@dataclass(frozen=True)
class Actions:
    approve: Transition | None
    decline: Transition | None
    link_decision: bool
    withdraw: bool


def actions_for(user, variation: Variation) -> Actions:
    """The buttons the machine allows ``user`` on ``variation`` now (guards are not run)."""
    if variation.status not in OPEN_VARIATION_STATUSES:
        return Actions(None, None, False, False)
    get = VARIATION_MACHINE.get
    approve = get(approval_move(variation))
    decline = next(
        (
            get(name)
            for name in ("decline", "finance_decline")
            if VARIATION_MACHINE.allows(variation.status, name) and may(user, get(name))
        ),
        None,
    )
    withdraw = may(user, get("withdraw")) and (user.pk == variation.requested_by_id or may(user, get("decline")))
    # Waiting for a decision with none linked, approving could only be refused: link one first.
    if variation.status == VariationStatus.AWAITING_DECISION and variation.decision_id is None:
        approve = None
    return Actions(
        approve=approve if approve is not None and may(user, approve) else None,
        decline=decline,
        link_decision=may(user, get("link_decision")),
        withdraw=withdraw,
    )


@dataclass(frozen=True)
class VersionRow:
    """One version of the award's figures, read back from its snapshot."""

    number: int
    variation: Variation | None
    made_at: datetime.datetime
    last_day: datetime.date | None
    provider: str
    total: Decimal
    # The day the version took effect: the award's start for the version as awarded, else the
    # day its variation was approved.
    from_day: datetime.date | None = None


def version_rows(versions: list[AwardVersion]) -> list[VersionRow]:
    def day(text: str):
        return datetime.date.fromisoformat(text) if text else None

    return [
        VersionRow(
            number=version.number,
            variation=version.variation,
            made_at=version.made_at,
            last_day=day(version.figures.get("last_day", "")),
            provider=(version.figures.get("provider") or {}).get("name", ""),
            total=Decimal(version.figures.get("total") or "0"),
            from_day=day(version.figures.get("start_date", ""))
            if version.variation is None
            else clock.localtime(version.made_at).date(),
        )
        for version in versions
    ]
