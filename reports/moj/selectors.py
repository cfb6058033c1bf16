"""Reads of the MoJ return's records (its versions and history). The figures themselves are
computed in ``reports.moj.figures``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from pcc_commissioning.periods import FinancialYear
from reports.models import MojReturn, MojReturnEvent


def moj_return_versions(*, fy: int, half: int) -> QuerySet[MojReturn]:
    """Every version of a half's return, newest first."""
    return (
        MojReturn.objects.filter(fy=fy, half=half)
        .select_related("signed_off_by", "created_by", "submitted_by", "amends")
        .order_by("-number")
    )


def moj_return_latest(*, fy: int, half: int) -> MojReturn | None:
    """The newest version of a half's return, or None if nobody has started it."""
    return moj_return_versions(fy=fy, half=half).first()


def moj_return_version(*, fy: int, half: int, number: int | None = None) -> MojReturn | None:
    """The version ``number`` of a half's return (the latest when None), or None."""
    if number is None:
        return moj_return_latest(fy=fy, half=half)
    return moj_return_versions(fy=fy, half=half).filter(number=number).first()


def moj_return_events(*, fy: int, half: int) -> list[MojReturnEvent]:
    """The history of every version of a half's return, newest first (one query)."""
    return list(
        MojReturnEvent.objects.filter(moj_return__fy=fy, moj_return__half=half)
        .select_related("by", "moj_return")
        .order_by("-at", "-pk")
    )


def moj_return_figures_for(moj_return: MojReturn) -> dict:
    """What a version says: its frozen figures once signed off, else computed live now (raises
    ``ValidationError`` when the half no longer has an MoJ-reported stream in scope)."""
    if moj_return.is_signed_off and moj_return.figures is not None:
        return moj_return.figures
    from .services import live_figures

    return live_figures(moj_return)


def moj_return_differences(moj_return: MojReturn, figures: dict) -> list:
    """For an amendment: how ``figures`` (this version's) differ from the signed-off version it
    amends; an empty list for a first version."""
    if moj_return.amends_id is None:
        return []
    from .figures import figures_diff

    previous = MojReturn.objects.only("figures").get(pk=moj_return.amends_id).figures or {}
    return figures_diff(previous, figures)


@dataclass(frozen=True)
class HalfRow:
    fy: int
    half: int
    latest: MojReturn | None
    in_scope: bool

    @property
    def label(self) -> str:
        return f"H{self.half} {FinancialYear(self.fy).label}"


def moj_index_rows() -> list[HalfRow]:
    """Every financial year with an MoJ-reported stream in scope (an allocation or funding lines)
    or a return, newest first, each with its two halves and their latest versions (three
    queries whatever the size of the data)."""
    from grants.models import FundingLine, StreamAllocation

    scope_years = set(
        StreamAllocation.objects.filter(stream__moj_reported=True).order_by().values_list("fy", flat=True).distinct()
    ) | set(FundingLine.objects.filter(stream__moj_reported=True).order_by().values_list("fy", flat=True).distinct())
    latest: dict[tuple[int, int], MojReturn] = {}
    for moj_return in MojReturn.objects.select_related("signed_off_by").order_by("fy", "half", "number"):
        latest[(moj_return.fy, moj_return.half)] = moj_return
    years = sorted(scope_years | {fy for fy, _ in latest}, reverse=True)
    return [
        HalfRow(fy=fy, half=half, latest=latest.get((fy, half)), in_scope=fy in scope_years)
        for fy in years
        for half in (1, 2)
    ]


@dataclass(frozen=True)
class FigureLinks:
    """The records behind a return's figures, for the page's links: award ids by reference,
    monitoring return ids by (award reference, quarter code "2019-Q1") and stream ids by name."""

    awards: dict[str, int]
    returns: dict[tuple[str, str], int]
    streams: dict[str, int]


def moj_return_links(figures: dict) -> FigureLinks:
    """Three queries whatever the number of services."""
    from grants.models import Award, FundingStream, MonitoringReturn

    references = [service["award_reference"] for service in figures.get("services", [])]
    references += [issue["award_reference"] for issue in figures.get("issues", []) if issue.get("award_reference")]
    awards = dict(Award.objects.filter(reference__in=set(references)).values_list("reference", "pk"))
    returns = {
        (reference, f"{fy:04d}-Q{quarter}"): pk
        for pk, reference, fy, quarter in MonitoringReturn.objects.filter(
            award_id__in=list(awards.values()), fy=figures["fy"]
        ).values_list("pk", "award__reference", "fy", "quarter")
    }
    names = [stream["name"] for stream in figures.get("streams", [])]
    streams = dict(FundingStream.objects.filter(name__in=names).values_list("name", "pk"))
    return FigureLinks(awards=awards, returns=returns, streams=streams)
