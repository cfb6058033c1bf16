"""Charts: server-side SVG drawn with matplotlib, shared by the pages, the dashboards and the PDFs.

Every chart comes with its title, a short description for people who cannot see it and its
data as rows, so the page (or the PDF's appendix) shows the same numbers as a table.

How a chart is drawn:
- matplotlib's object API and SVG canvas (no pyplot, no global figure state); the few
  settings that only exist as rcParams are applied under a lock, so threads do not mix them;
- ``svg.fonttype = "none"``: text stays text (searchable, selectable, read by PDF tools), set in
  Arial, or Liberation Sans where Arial is not installed;
- deterministic: a fixed ``svg.hashsalt`` and no date or creator metadata, so the same data
  always gives byte-identical SVG (the report archive and the tests rely on this);
- colours that stand out from white by at least 3:1, and never colour alone: every bar carries
  its value and each series its own hatching (bars) or marker and line style (lines);
- safe under a strict Content-Security-Policy: the SVG has no ``<script>``, no ``<style>``
  element and no ``style`` attributes (matplotlib's inline styles are rewritten as SVG
  presentation attributes), so it may be embedded either way. Pages embed it as
  ``<img src="data:image/svg+xml;base64,…">`` through ``{% chart_img %}`` (tag library
  ``pcc_charts``), which needs ``img-src 'self' data:`` and no ``unsafe-inline``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import matplotlib
from django.core.cache import caches
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

Number = Decimal | float | int | None

FONT_FAMILY = ["Arial", "Liberation Sans", "DejaVu Sans"]
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"
# Each at least 3:1 against white (WCAG 1.4.11), in an order that keeps neighbours apart.
COLOURS = ("#1d70b8", "#912b88", "#00703c", "#0b0c0c", "#4c2c92", "#505a5f", "#d4351c", "#28a197")
# Line hatches only: dots and circles are drawn as thousands of curves (a dotted series made a
# chart about 80 KB, inlined in every page that shows it).
HATCHES = ("", "//", "||", "xx", "\\\\", "++", "--", "|/")
# For RAG ratings the colours must mean what they say (each at least 4.5:1 on white), in the
# order green, amber, red, not rated; the hatching still tells them apart without colour.
RAG_COLOURS = ("#00703c", "#b35c00", "#d4351c", "#505a5f")
# Axis numbers as people write them: 200,000 rather than 200000 (decimals kept for small values).
_THOUSANDS = FuncFormatter(lambda value, _position: f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINE_STYLES = ("-", "--", ":", "-.", "-", "--", ":", "-.")

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "pcc-commissioning",
    "font.family": "sans-serif",
    "font.sans-serif": FONT_FAMILY,
    "font.size": 10,
    "text.parse_math": False,  # a "$" in an area's name is text, not mathematics
    "text.color": TEXT_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "axes.edgecolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "hatch.linewidth": 1.0,
}
_LOCK = threading.Lock()
_WIDTH_INCHES = 8.0


@dataclass(frozen=True)
class Chart:
    """A drawn chart. ``columns`` and ``rows`` are its data as given (``rows[i][0]`` is the
    category or period, then one value per series, ``None`` where there is none)."""

    title: str
    description: str
    svg: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    unit: str = ""
    decimals: int = 0

    @property
    def data_uri(self) -> str:
        encoded = base64.b64encode(self.svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"

    @property
    def display_rows(self) -> list[list[str]]:
        """The rows as the table shows them: numbers with thousands separators, "No data"."""
        return [
            [str(row[0]), *(format_number(value, self.decimals, empty="No data") for value in row[1:])]
            for row in self.rows
        ]

    @property
    def value_heading_suffix(self) -> str:
        return f" ({self.unit})" if self.unit else ""


# Formatting -------------------------------------------------------------------------------------


def format_number(value: Number, decimals: int = 0, *, empty: str = "–") -> str:
    """1234.5 -> "1,234.5" (to ``decimals`` places, half up); None -> ``empty``."""
    if value is None:
        return empty
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return empty
    quantum = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(quantum, rounding="ROUND_HALF_UP")
    return f"{rounded:,.{decimals}f}"


def _auto_decimals(values: Sequence[Number]) -> int:
    present = [Decimal(str(v)) if not isinstance(v, Decimal) else v for v in values if v is not None]
    if all(v == v.to_integral_value() for v in present):
        return 0
    return 1


def _as_float(value: Number) -> float:
    return math.nan if value is None else float(value)


def _check_series(series: Mapping[str, Sequence[Number]], length: int, what: str) -> None:
    if not series:
        raise ValueError("A chart needs at least one series.")
    for name, values in series.items():
        if len(values) != length:
            raise ValueError(f"Series {name!r} has {len(values)} values for {length} {what}.")


def _rows(labels: Sequence[str], series: Mapping[str, Sequence[Number]]) -> tuple[tuple, ...]:
    return tuple((str(label), *(values[index] for values in series.values())) for index, label in enumerate(labels))


def _describe(
    kind: str, title: str, labels: Sequence[str], series: Mapping[str, Sequence[Number]], unit: str, decimals: int
) -> str:
    """A sentence or two for people who cannot see the chart (the table has every number)."""
    parts = [
        f"{kind} of {', '.join(series)}{f' ({unit})' if unit else ''} for {len(labels)} "
        f"{'item' if len(labels) == 1 else 'items'}."
    ]
    if len(series) == 1:
        values = next(iter(series.values()))
        known = [(label, value) for label, value in zip(labels, values, strict=False) if value is not None]
        if known:
            high = max(known, key=lambda pair: pair[1])
            low = min(known, key=lambda pair: pair[1])
            parts.append(
                f"Highest: {high[0]}, {format_number(high[1], decimals)}. "
                f"Lowest: {low[0]}, {format_number(low[1], decimals)}."
            )
        if len(known) < len(values):
            parts.append(f"{len(values) - len(known)} without data.")
    parts.append("The data are in the table with the chart.")
    return " ".join(parts)


# SVG post-processing ----------------------------------------------------------------------------

_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL)
_SCRIPT_ELEMENT = re.compile(r"<script[^>]*>.*?</script>\s*|<script[^>]*/>\s*", re.DOTALL | re.IGNORECASE)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_EMPTY_DEFS = re.compile(r"<defs>\s*</defs>\s*")
_ROOT = re.compile(r"<svg\b([^>]*)>")
_PROLOGUE = re.compile(r"^<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)
_SIZE = re.compile(r'\s(width|height)="[^"]*pt"')


def _attribute_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def _style_to_attributes(match: re.Match) -> str:
    attributes = []
    for declaration in match.group(1).split(";"):
        if ":" not in declaration:
            continue
        name, value = (part.strip() for part in declaration.split(":", 1))
        if re.fullmatch(r"[a-z-]+", name):
            attributes.append(f' {name}="{_attribute_escape(value)}"')
    return "".join(attributes)


def _text_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean_svg(raw: str, *, title: str, description: str) -> str:
    svg = _PROLOGUE.sub("", raw)
    svg = _METADATA.sub("", svg)
    svg = _SCRIPT_ELEMENT.sub("", svg)
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _EMPTY_DEFS.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(_style_to_attributes, svg)
    # matplotlib's stylesheet set these for every element: as inherited presentation attributes.
    inner = f"\n <title>{_text_escape(title)}</title>\n <desc>{_text_escape(description)}</desc>"
    # No fixed size: the viewBox keeps the shape and the chart fills the width it is given.
    root = ' width="100%" role="img" stroke-linejoin="round" stroke-linecap="butt"'
    svg = _ROOT.sub(lambda match: f"<svg{_SIZE.sub('', match.group(1))}{root}>{inner}", svg, count=1)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + svg.strip() + "\n"


# Drawing ----------------------------------------------------------------------------------------


def _figure(height: float) -> tuple[Figure, object]:
    figure = Figure(figsize=(_WIDTH_INCHES, height), layout="constrained")
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_axisbelow(True)
    return figure, axes


def _set_title(figure: Figure, title: str) -> None:
    figure.suptitle("\n".join(textwrap.wrap(title, 70)), fontsize=13, fontweight="bold", x=0.01, ha="left")


def _bar_legend(figure: Figure, axes, *, groups: int, horizontal: bool) -> None:
    if horizontal:
        # Below the plot: the longest bars reach any corner a legend could sit in.
        handles, labels = axes.get_legend_handles_labels()
        figure.legend(handles, labels, frameon=False, loc="outside lower center", ncols=min(groups, 3))
    else:
        axes.legend(frameon=False, loc="upper right")


def _render(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _axis_label(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit and label else (label or unit)


# Drawn charts are kept in the cache, keyed by everything that shapes them: matplotlib takes a
# quarter of a second or more per chart, and a page such as the dashboard draws four on every
# view. The key holds the data, so a cached drawing is never out of date.
CHART_CACHE_SECONDS = 24 * 60 * 60


def _drawn(shape: tuple, draw: Callable[[], str]) -> str:
    normalised = tuple(
        tuple((name, tuple(str(value) for value in values)) for name, values in part.items())
        if isinstance(part, Mapping)
        else tuple(part)
        if isinstance(part, (list, tuple))
        else part
        for part in shape
    )
    key = "chart-svg:" + hashlib.sha256(repr(normalised).encode("utf-8")).hexdigest()
    cache = caches["charts"]  # see CACHES in settings.py
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    unit: str = "",
    horizontal: bool = False,
    category_label: str = "Category",
    value_label: str = "",
    decimals: int | None = None,
    description: str = "",
    colours: Sequence[str] | None = None,
    draw_title: bool = True,
) -> Chart:
    """Bars for each category, one bar per series (grouped), each labelled with its value
    (a bar of zero has no label: there is no bar to label; its table says 0).

    ``series`` maps a series' name to one value per category (``None``: no bar, "No data").
    ``colours``: one per series where the colours carry meaning (``RAG_COLOURS``).
    ``draw_title`` False: the title is not drawn (a heading says it) but stays the accessible name.
    """
    palette = tuple(colours) if colours else COLOURS
    categories = [str(category) for category in categories]
    _check_series(series, len(categories), "categories")
    values_all = [value for values in series.values() for value in values]
    places = _auto_decimals(values_all) if decimals is None else decimals
    description = description or _describe(
        "Horizontal bar chart" if horizontal else "Bar chart", title, categories, series, unit, places
    )
    count, groups = len(categories), len(series)
    height = min(2.0 + 0.32 * max(count, 1) * max(groups, 1), 30.0) if horizontal else 4.5

    def draw() -> str:
        with _LOCK, matplotlib.rc_context(_RC):
            figure, axes = _figure(height)
            if draw_title:
                _set_title(figure, title)
            _draw_bars(axes, series, count=count, palette=palette, places=places, horizontal=horizontal)
            if horizontal:
                _set_horizontal_bar_axes(axes, categories, value_label=_axis_label(value_label, unit))
            else:
                _set_vertical_bar_axes(
                    axes, categories, category_label=category_label, value_label=_axis_label(value_label, unit)
                )
            if groups > 1:
                _bar_legend(figure, axes, groups=groups, horizontal=horizontal)
            raw = _render(figure)
            return _clean_svg(raw, title=title, description=description)

    shape = ("bar", title, categories, series, unit, horizontal, category_label, value_label, places, description)
    svg = _drawn((*shape, palette, draw_title), draw)
    return Chart(
        title=title,
        description=description,
        svg=svg,
        columns=(category_label, *series.keys()),
        rows=_rows(categories, series),
        unit=unit,
        decimals=places,
    )


def _draw_bars(
    axes, series: Mapping[str, Sequence[Number]], *, count: int, palette: Sequence[str], places: int, horizontal: bool
) -> None:
    """One bar per value, the series side by side in each category, each bar labelled with its value."""
    groups = len(series)
    width = 0.8 / groups
    positions = list(range(count))
    for index, (name, values) in enumerate(series.items()):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        numbers = [_as_float(value) for value in values]
        style = {
            "color": palette[index % len(palette)],
            "hatch": HATCHES[index % len(HATCHES)],
            "edgecolor": "#ffffff",
            "linewidth": 0.5,
            "label": name,
        }
        if horizontal:
            bars = axes.barh(offsets, [0 if math.isnan(n) else n for n in numbers], height=width, **style)
        else:
            bars = axes.bar(offsets, [0 if math.isnan(n) else n for n in numbers], width=width, **style)
        labels = [
            "" if value is not None and _as_float(value) == 0 else format_number(value, places, empty="No data")
            for value in values
        ]
        axes.bar_label(bars, labels=labels, padding=3, fontsize=9, color=TEXT_COLOUR)


def _set_horizontal_bar_axes(axes, categories: list[str], *, value_label: str) -> None:
    axes.set_yticks(list(range(len(categories))), categories)
    axes.invert_yaxis()  # the first category at the top, as in the table
    axes.set_xlabel(value_label)
    axes.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
    axes.xaxis.set_major_formatter(_THOUSANDS)
    axes.margins(x=0.15)


def _set_vertical_bar_axes(axes, categories: list[str], *, category_label: str, value_label: str) -> None:
    axes.set_xticks(list(range(len(categories))), ["\n".join(textwrap.wrap(c, 14)) for c in categories])
    axes.set_ylabel(value_label)
    axes.set_xlabel(category_label)
    axes.yaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
    axes.yaxis.set_major_formatter(_THOUSANDS)
    axes.margins(y=0.15)


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    unit: str = "",
    x_label: str = "Period",
    value_label: str = "",
    decimals: int | None = None,
    description: str = "",
) -> Chart:
    """A line per series across ``x_labels`` (periods), each with its own marker and dash, and
    its last value written at its end. ``None`` leaves a gap."""
    x_labels = [str(label) for label in x_labels]
    _check_series(series, len(x_labels), "points")
    values_all = [value for values in series.values() for value in values]
    places = _auto_decimals(values_all) if decimals is None else decimals
    description = description or _describe("Line chart", title, x_labels, series, unit, places)

    def draw() -> str:
        with _LOCK, matplotlib.rc_context(_RC):
            figure, axes = _figure(4.5)
            _set_title(figure, title)
            positions = list(range(len(x_labels)))
            _draw_lines(axes, series, positions=positions, places=places)
            axes.set_xticks(positions, x_labels)
            axes.set_xlabel(x_label)
            axes.set_ylabel(_axis_label(value_label, unit))
            axes.yaxis.grid(True, color=GRID_COLOUR, linewidth=0.6)
            axes.yaxis.set_major_formatter(_THOUSANDS)
            axes.margins(x=0.05, y=0.2)
            if (
                any(value is not None for value in values_all)
                and min((float(v) for v in values_all if v is not None), default=0) >= 0
            ):
                axes.set_ylim(bottom=0)
            if len(series) > 1:
                axes.legend(frameon=False, loc="best")
            raw = _render(figure)
            return _clean_svg(raw, title=title, description=description)

    svg = _drawn(("line", title, x_labels, series, unit, x_label, value_label, places, description), draw)
    return Chart(
        title=title,
        description=description,
        svg=svg,
        columns=(x_label, *series.keys()),
        rows=_rows(x_labels, series),
        unit=unit,
        decimals=places,
    )


def _draw_lines(axes, series: Mapping[str, Sequence[Number]], *, positions: list[int], places: int) -> None:
    """A line per series, each with its own colour, marker and dash; a lone series has its values written on it."""
    for index, (name, values) in enumerate(series.items()):
        numbers = [_as_float(value) for value in values]
        axes.plot(
            positions,
            numbers,
            color=COLOURS[index % len(COLOURS)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            linewidth=2,
            markersize=7,
            label=name,
        )
        for position, value in zip(positions, values, strict=False):
            if value is not None and len(series) == 1:  # more would crowd: the table has them
                axes.annotate(
                    format_number(value, places),
                    (position, float(value)),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    fontsize=8,
                    color=TEXT_COLOUR,
                )
