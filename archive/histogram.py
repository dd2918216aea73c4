"""Letters over time as an SVG bar chart drawn on the server, with the same counts as a
table: per year on the search page (from its year facet), per month (or year) on an agenda
item's page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from html import escape

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

HISTOGRAM_WIDTH = 720
HISTOGRAM_HEIGHT = 160
HISTOGRAM_MAX_MONTHS = 120
# A bar is never wider than a twelfth of the chart: one month alone is a bar, not the chart.
HISTOGRAM_MIN_SLOTS = 12
# Room left of the bars for the count axis and its labels.
HISTOGRAM_AXIS_WIDTH = 40


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bars: list[Bar]
    by_year: bool
    peak: int
    width: int = HISTOGRAM_WIDTH
    height: int = HISTOGRAM_HEIGHT

    @property
    def first(self) -> str:
        return self.bars[0].label if self.bars else ""

    @property
    def last(self) -> str:
        return self.bars[-1].label if self.bars else ""

    @property
    def axis_y(self) -> int:
        return self.height - 20

    @property
    def axis_x(self) -> int:
        return HISTOGRAM_AXIS_WIDTH

    @property
    def peak_y(self) -> int:
        return 10

    @property
    def bars_svg(self) -> SafeString:
        return bar_rects((b.x, b.y, b.width, b.height, f"{b.label}: {b.count}") for b in self.bars)

    @property
    def table_rows(self) -> SafeString:
        return table_rows((b.label, b.count) for b in self.bars if b.count)


# A chart's marks and its table's rows are written here rather than in template loops: a
# search page draws a bar per year of its matches (80 and more), a state's timeline hundreds
# of marks, and the template engine took ~6-15 ms a page for them. Numbers written by
# Python also keep their decimal point whatever the interface language (a French page's
# template wrote "12,5", which SVG does not read). Titles and cells are escaped by the standard
# library (Django's escape, lazy-aware, cost twice as much for a few hundred short strings).


def bar_rects(bars: Iterable[tuple[float, float, float, float, str]]) -> SafeString:
    """<rect class="bar"> with its <title>, for each (x, y, width, height, title)."""
    return mark_safe(  # noqa: S308 - titles escaped, the rest numbers
        "".join(
            f'<rect x="{x}" y="{y}" width="{width}" height="{height}" class="bar">'
            f"<title>{escape(str(title))}</title></rect>"
            for x, y, width, height, title in bars
        )
    )


def table_rows(rows: Iterable[Iterable]) -> SafeString:
    return mark_safe(  # noqa: S308 - every cell escaped
        "".join(
            "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>"
            for row in rows
        )
    )


def year_histogram(facets) -> Histogram | None:
    """Results per year on the search page, from the year facet (counted over every match,
    so no query of its own); every year of the span drawn, empty ones too."""
    counts = {
        int(value.value): value.count
        for facet in facets
        if facet.param == "year"
        for value in facet.values
        if str(value.value).isdigit()
    }
    if not counts:
        return None
    years = range(min(counts), max(counts) + 1)
    return _draw([(str(year), counts.get(year, 0)) for year in years], by_year=True)


def month_histogram(letters) -> Histogram | None:
    """Letters per month (per year when they span more than ten years), every month of the
    span drawn, empty ones too, so gaps show. One GROUP BY query. `letters` is a queryset of
    letters, or of one agenda item's links (they carry their letter's distribution date)."""
    rows = (
        letters.order_by()
        .exclude(distribution_date=None)
        .annotate(month=TruncMonth("distribution_date"))
        .values("month")
        .annotate(n=Count("*"))
    )
    counts = {row["month"]: row["n"] for row in rows}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    by_year = months > HISTOGRAM_MAX_MONTHS
    buckets: list[tuple[str, int]] = []
    if by_year:
        per_year: dict[int, int] = {}
        for month, n in counts.items():
            per_year[month.year] = per_year.get(month.year, 0) + n
        buckets = [(str(y), per_year.get(y, 0)) for y in range(first.year, last.year + 1)]
    else:
        year, month = first.year, first.month
        for _index in range(months):
            current = date(year, month, 1)
            buckets.append((date_format(current, "F Y"), counts.get(current, 0)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return _draw(buckets, by_year)


def _draw(buckets: list[tuple[str, int]], by_year: bool) -> Histogram:
    peak = max(n for _label, n in buckets)
    plot_height = HISTOGRAM_HEIGHT - 30
    slot = (HISTOGRAM_WIDTH - HISTOGRAM_AXIS_WIDTH) / max(len(buckets), HISTOGRAM_MIN_SLOTS)
    bars = []
    for index, (label, n) in enumerate(buckets):
        height = plot_height * n / peak if peak else 0
        bars.append(
            Bar(
                label=label,
                count=n,
                x=round(HISTOGRAM_AXIS_WIDTH + index * slot + slot * 0.1, 2),
                y=round(HISTOGRAM_HEIGHT - 20 - height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(height, 2),
            )
        )
    return Histogram(bars=bars, by_year=by_year, peak=peak)
