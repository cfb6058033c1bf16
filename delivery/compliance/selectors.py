"""Reads of Victims' Code compliance: a quarter's table (bodies × measures, each cell's
percentage and its change from the quarter before), a body's year, the year's trend, the review
meetings and the Code's editions. Each read is a fixed number of queries, whatever the number
of bodies, measures or meetings."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from pcc_commissioning.periods import period_for, quarter_label
from providers.models import Organisation, OrganisationKind

from ..models import (
    ActionStatus,
    CodeEdition,
    CodeRight,
    ComplianceFigure,
    ComplianceMeasure,
    ReviewAction,
    ReviewMeeting,
)
from .breakdown import dimension_label

QUARTERS = (1, 2, 3, 4)


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """``numerator`` of ``denominator`` as a percentage to one decimal place, rounded half up
    from the exact fraction (2 of 3 is 66.7, 1 of 8 is 12.5, 1 of 16 is 6.3); None when there
    were no victims to count."""
    if not denominator:
        return None
    tenths, remainder = divmod(numerator * 1000, denominator)
    if 2 * remainder >= denominator:
        tenths += 1
    return Decimal(tenths).scaleb(-1)


def previous_quarter(fy: int, quarter: int) -> tuple[int, int]:
    return (fy, quarter - 1) if quarter > 1 else (fy - 1, 4)


@dataclass
class Cell:
    """One body's figure for one measure in a quarter (``figure`` None: not reported)."""

    measure: ComplianceMeasure
    figure: ComplianceFigure | None
    previous: ComplianceFigure | None = None

    @property
    def percentage(self) -> Decimal | None:
        return percentage(self.figure.numerator, self.figure.denominator) if self.figure else None

    @property
    def previous_percentage(self) -> Decimal | None:
        return percentage(self.previous.numerator, self.previous.denominator) if self.previous else None

    @property
    def change(self) -> Decimal | None:
        """Percentage points since the quarter before, from the rounded percentages shown (so a
        reader subtracting the two columns gets the same number)."""
        now, before = self.percentage, self.previous_percentage
        return None if now is None or before is None else now - before


@dataclass
class BodyRow:
    body: Organisation
    cells: list[Cell]


@dataclass
class QuarterTable:
    fy: int
    quarter: int
    edition: CodeEdition | None
    measures: list[ComplianceMeasure]
    rows: list[BodyRow]
    # (body id, measure id) -> {quarter: figure} for the whole year, for the trend.
    year: dict[tuple[int, int], dict[int, ComplianceFigure]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return quarter_label(self.fy, self.quarter)

    @property
    def previous_label(self) -> str:
        return quarter_label(*previous_quarter(self.fy, self.quarter))

    def trend(self, measure: ComplianceMeasure) -> list[tuple[Organisation, list[Decimal | None]]]:
        """Each body's percentage for ``measure`` in the year's four quarters (None: not reported)."""
        result = []
        for row in self.rows:
            by_quarter = self.year.get((row.body.pk, measure.pk), {})
            result.append(
                (
                    row.body,
                    [
                        percentage(by_quarter[q].numerator, by_quarter[q].denominator) if q in by_quarter else None
                        for q in QUARTERS
                    ],
                )
            )
        return result


def edition_in_force(fy: int, quarter: int) -> CodeEdition | None:
    """The edition in force at the end of the quarter (the latest to start, if two overlap)."""
    end = period_for(fy, f"Q{quarter}").end
    return (
        CodeEdition.objects.filter(in_force_from__lte=end)
        .filter(Q(in_force_to__isnull=True) | Q(in_force_to__gte=end))
        .order_by("-in_force_from")
        .first()
    )


def _measure_order(measure: ComplianceMeasure) -> tuple:
    return (-measure.edition.in_force_from.toordinal(), measure.position, measure.key)


def quarter_table(*, fy: int, quarter: int) -> QuarterTable:
    """The table of quarter ``quarter`` of ``fy``: the measures of the edition in force (and any
    other measure reported that quarter, as in the quarter a new Code starts), and a row for
    every body with a figure in the year, its cells in the measures' order. Three queries."""
    edition = edition_in_force(fy, quarter)
    before_fy, before_quarter = previous_quarter(fy, quarter)
    figures = list(
        ComplianceFigure.objects.filter(Q(fy=fy) | Q(fy=before_fy, quarter=before_quarter)).select_related(
            "body", "measure__edition", "measure__right"
        )
    )
    measures = {m.pk: m for m in (edition.measures.select_related("edition", "right") if edition else [])}
    for figure in figures:
        if figure.fy == fy and figure.quarter == quarter:
            measures.setdefault(figure.measure_id, figure.measure)
    ordered = sorted(measures.values(), key=_measure_order)
    now: dict[tuple[int, int], ComplianceFigure] = {}
    before: dict[tuple[int, int], ComplianceFigure] = {}
    year: dict[tuple[int, int], dict[int, ComplianceFigure]] = defaultdict(dict)
    bodies: dict[int, Organisation] = {}
    for figure in figures:
        key = (figure.body_id, figure.measure_id)
        if figure.fy == before_fy and figure.quarter == before_quarter:
            before[key] = figure
        if figure.fy == fy:
            year[key][figure.quarter] = figure
            bodies.setdefault(figure.body_id, figure.body)
            if figure.quarter == quarter:
                now[key] = figure
    rows = [
        BodyRow(
            body,
            [Cell(m, now.get((body.pk, m.pk)), before.get((body.pk, m.pk))) for m in ordered],
        )
        for body in sorted(bodies.values(), key=lambda b: b.name.lower())
    ]
    return QuarterTable(fy=fy, quarter=quarter, edition=edition, measures=ordered, rows=rows, year=dict(year))


@dataclass
class BreakdownPart:
    category: str
    numerator: int
    denominator: int

    @property
    def percentage(self) -> Decimal | None:
        return percentage(self.numerator, self.denominator)


@dataclass
class BreakdownGroup:
    dimension: str
    parts: list[BreakdownPart]

    @property
    def label(self) -> str:
        return dimension_label(self.dimension)


def breakdown_groups(figure: ComplianceFigure) -> list[BreakdownGroup]:
    return [
        BreakdownGroup(
            dimension,
            [BreakdownPart(category, numbers[0], numbers[1]) for category, numbers in parts.items()],
        )
        for dimension, parts in (figure.breakdown or {}).items()
    ]


@dataclass
class BodyYear:
    body: Organisation
    fy: int
    measures: list[ComplianceMeasure]
    # measure id -> {quarter: figure}
    figures: dict[int, dict[int, ComplianceFigure]]

    @property
    def sections(self) -> list[dict]:
        """Per measure, its four quarters: the figure (or None), percentage and breakdown."""
        sections = []
        for measure in self.measures:
            found = self.figures.get(measure.pk, {})
            quarters = []
            for q in QUARTERS:
                figure = found.get(q)
                quarters.append(
                    {
                        "quarter": q,
                        "figure": figure,
                        "percentage": percentage(figure.numerator, figure.denominator) if figure else None,
                        "groups": breakdown_groups(figure) if figure else [],
                    }
                )
            sections.append({"measure": measure, "quarters": quarters})
        return sections


def body_year(*, body_id: int, fy: int) -> BodyYear:
    """One body's figures for every quarter of ``fy``, by measure. Two queries."""
    body = get_object_or_404(Organisation, pk=body_id)
    figures = ComplianceFigure.objects.filter(body=body, fy=fy).select_related("measure__edition", "measure__right")
    by_measure: dict[int, dict[int, ComplianceFigure]] = defaultdict(dict)
    measures = {}
    for figure in figures:
        by_measure[figure.measure_id][figure.quarter] = figure
        measures[figure.measure_id] = figure.measure
    return BodyYear(body=body, fy=fy, measures=sorted(measures.values(), key=_measure_order), figures=dict(by_measure))


def compliance_years() -> list[int]:
    return sorted(set(ComplianceFigure.objects.values_list("fy", flat=True).distinct()), reverse=True)


def figure_for(*, body_id: int, measure_id: int, fy: int, quarter: int) -> ComplianceFigure | None:
    return ComplianceFigure.objects.filter(body_id=body_id, measure_id=measure_id, fy=fy, quarter=quarter).first()


# Review meetings -----------------------------------------------------------------------------


def review_meetings(*, fy: int | None = None) -> list[ReviewMeeting]:
    """The meetings (latest first) with their bodies and actions. Three queries."""
    meetings = ReviewMeeting.objects.prefetch_related(
        "bodies", Prefetch("actions", queryset=ReviewAction.objects.select_related("body"))
    )
    if fy is not None:
        meetings = meetings.filter(fy=fy)
    meetings = list(meetings)
    for meeting in meetings:
        meeting.open_actions = sum(1 for action in meeting.actions.all() if action.status == ActionStatus.OPEN)
    return meetings


def review_meeting(pk: int) -> ReviewMeeting:
    return get_object_or_404(
        ReviewMeeting.objects.prefetch_related(
            "bodies", Prefetch("actions", queryset=ReviewAction.objects.select_related("body"))
        ),
        pk=pk,
    )


def quarter_meeting(*, fy: int, quarter: int) -> ReviewMeeting | None:
    """The latest review of the quarter, with its actions (for the pack)."""
    return (
        ReviewMeeting.objects.filter(fy=fy, quarter=quarter)
        .prefetch_related("bodies", Prefetch("actions", queryset=ReviewAction.objects.select_related("body")))
        .first()
    )


def review_action(*, meeting_pk: int, pk: int) -> ReviewAction:
    return get_object_or_404(ReviewAction.objects.select_related("meeting", "body"), meeting_id=meeting_pk, pk=pk)


# The Code ------------------------------------------------------------------------------------


def code_editions() -> list[CodeEdition]:
    """Every edition (newest first) with its rights and measures. Three queries."""
    return list(
        CodeEdition.objects.prefetch_related(
            Prefetch("rights", queryset=CodeRight.objects.order_by("number")),
            Prefetch("measures", queryset=ComplianceMeasure.objects.select_related("right")),
        )
    )


def measures_for_choice():
    return ComplianceMeasure.objects.select_related("edition").order_by("-edition__in_force_from", "position", "key")


def bodies_for_choice():
    return Organisation.objects.filter(active=True).order_by("name")


# The kinds of organisation the criminal justice bodies are (the force and its witness care
# unit, probation, the CPS and HM Courts and Tribunals Service as central government).
JUSTICE_KINDS = (OrganisationKind.POLICE, OrganisationKind.PROBATION, OrganisationKind.CENTRAL_GOVERNMENT)


def justice_bodies_for_choice():
    """The bodies a review meets or gives an action to: those of a criminal justice kind and any
    other that has reported figures (a youth justice service, say), not every provider."""
    return (
        Organisation.objects.filter(active=True)
        .filter(Q(kind__in=JUSTICE_KINDS) | Q(compliance_figures__isnull=False))
        .distinct()
        .order_by("name")
    )
