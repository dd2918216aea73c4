"""The claims timeline of an agenda item's or a state's page: incidents claimed per month by
each claimant, and the casualties the claims state, drawn as SVG on the server with the
same figures as a table beside it (the table is the accessible form; the drawing a view).

One GROUP BY query over the claims (not rejected by an editor). An incident is placed at
its stated date, else the start of its stated period, else the letter's distribution date.
The figures are sums of what the claims state, attributed to their claimants: not facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.dates import MONTHS
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from archive.histogram import bar_rects, table_rows
from archive.models import IncidentClaim

WIDTH = 720
ROW_HEIGHT = 28
AXIS_WIDTH = 150  # room for the claimants' names
BARS_HEIGHT = 80
MAX_MONTHS = 120


@dataclass(frozen=True)
class TimelineRow:
    month: date
    label: str
    claimant: str
    claims: int
    killed: int
    injured: int


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    title: str


@dataclass(frozen=True)
class CasualtyBar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Timeline:
    rows: list[TimelineRow]
    claimants: list[tuple[str, float]]  # name and the y of its line
    dots: list[Dot]
    bars: list[CasualtyBar]
    first: str
    last: str
    peak_casualties: int
    width: int
    height: int

    @property
    def bars_top(self) -> float:
        return self.height - BARS_HEIGHT - 20

    @property
    def axis_y(self) -> float:
        return self.height - 20

    @property
    def axis_x(self) -> int:
        return AXIS_WIDTH

    # Written in Python, as archive.histogram explains (bar_rects, table_rows).
    @property
    def claimants_svg(self) -> SafeString:
        return mark_safe(  # noqa: S308 - names escaped, the rest numbers
            "".join(
                f'<text x="{AXIS_WIDTH - 6}" y="{y + 4}" text-anchor="end" class="axis-label">'
                f"{escape(name)}</text>"
                f'<line x1="{AXIS_WIDTH}" y1="{y}" x2="{self.width}" y2="{y}" class="gridline"/>'
                for name, y in self.claimants
            )
        )

    @property
    def dots_svg(self) -> SafeString:
        return mark_safe(  # noqa: S308 - titles escaped, the rest numbers
            "".join(
                f'<circle cx="{d.x}" cy="{d.y}" r="{d.r}" class="dot"><title>{escape(d.title)}'
                "</title></circle>"
                for d in self.dots
            )
        )

    @property
    def bars_svg(self) -> SafeString:
        return bar_rects((b.x, b.y, b.width, b.height, b.title) for b in self.bars)

    @property
    def table_rows(self) -> SafeString:
        return table_rows((r.label, r.claimant, r.claims, r.killed, r.injured) for r in self.rows)


def month_label(month: date) -> str:
    """The month as date_format(month, "F Y") writes it (its name in the active language, the
    year in four digits), without the format machinery: ~0.1 ms a call, and a state's
    timeline has hundreds of months (at a million letters, 40 % of its page)."""
    return f"{MONTHS[month.month]} {month.year:04d}"


def claims_timeline(claims: QuerySet) -> Timeline | None:
    """`claims`: a queryset of IncidentClaim (e.g. those of one agenda item's letters)."""
    grouped = (
        claims.exclude(review_status=IncidentClaim.Review.REJECTED)
        .annotate(month=TruncMonth(Coalesce("date", "period_start", "letter__distribution_date")))
        .exclude(month=None)
        .values("month", "claimant__short_en", "claimant__name_fr", "claimant_name")
        .annotate(n=Count("pk"), killed_sum=Sum("killed"), injured_sum=Sum("injured"))
        .order_by("month", "claimant__short_en", "claimant_name")
    )
    french = (get_language() or "").startswith("fr")
    rows = [
        TimelineRow(
            month=row["month"].date() if hasattr(row["month"], "date") else row["month"],
            label=month_label(row["month"]),
            claimant=(french and row["claimant__name_fr"])
            or row["claimant__short_en"]
            or row["claimant_name"]
            or "?",
            claims=row["n"],
            killed=row["killed_sum"] or 0,
            injured=row["injured_sum"] or 0,
        )
        for row in grouped
    ]
    if not rows:
        return None
    first, last = rows[0].month, rows[-1].month
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    slots = max(min(months, MAX_MONTHS), 12)
    slot = (WIDTH - AXIS_WIDTH) / slots

    def x_of(month: date) -> float:
        index = (month.year - first.year) * 12 + month.month - first.month
        if months > MAX_MONTHS:  # a long span: squeeze it into MAX_MONTHS slots
            index = index * (MAX_MONTHS - 1) // max(months - 1, 1)
        return round(AXIS_WIDTH + index * slot + slot / 2, 2)

    names = sorted({row.claimant for row in rows})
    line_y = {name: 20 + i * ROW_HEIGHT for i, name in enumerate(names)}
    most = max(row.claims for row in rows)
    dots = [
        Dot(
            x=x_of(row.month),
            y=line_y[row.claimant],
            r=round(3 + 8 * (row.claims / most) ** 0.5, 2),
            title=f"{row.label}: {row.claimant}, {row.claims}",
        )
        for row in rows
    ]
    per_month: dict[date, int] = {}
    for row in rows:
        per_month[row.month] = per_month.get(row.month, 0) + row.killed + row.injured
    peak = max(per_month.values())
    height = 20 + len(names) * ROW_HEIGHT + BARS_HEIGHT + 40
    bars = []
    for month, casualties in sorted(per_month.items()):
        if not casualties:
            continue
        bar_height = round(BARS_HEIGHT * casualties / peak, 2)
        bars.append(
            CasualtyBar(
                x=round(x_of(month) - slot * 0.4, 2),
                y=round(height - 20 - bar_height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=bar_height,
                title=f"{month_label(month)}: {casualties}",
            )
        )
    return Timeline(
        rows=rows,
        claimants=[(name, line_y[name]) for name in names],
        dots=dots,
        bars=bars,
        first=rows[0].label,
        last=rows[-1].label,
        peak_casualties=peak,
        width=WIDTH,
        height=height,
    )
