"""The claims tables of a state's page: the incidents it claims in its letters and those other
states attribute to it, each with its letter (templates/archive/includes/_claims_list.html;
its rows are written by `claim_rows`).

Both lists, up to STATE_CLAIMS_SHOWN claims each, are read in one statement as rows holding
what a table row shows: building IncidentClaim, Letter and MemberState instances for up to a
hundred claims, and prefetching their letters' symbols, cost more than the statement itself.
"""

# ruff: noqa: S608 - SQL assembled from constants and SQL Django compiled; values are parameters.
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from archive.labels import day_month_year, incident_kind
from archive.listing import visible_letter_sql
from archive.models import IncidentClaim, MemberState, NamedBySymbols
from archive.replicas import reading_connection

STATE_CLAIMS_SHOWN = 50


@dataclass(frozen=True)
class StateRef:
    """A state a claim names: its name in the interface language, linked to its page."""

    iso3: str
    name: str

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("state_detail", args=[self.iso3])


@dataclass(frozen=True)
class ClaimLetter(NamedBySymbols):
    """The letter a claim is quoted from: its name and address (as Letter's)."""

    pk: int
    symbol_list: list[str]
    doc_type: str


@dataclass(frozen=True)
class ClaimRow:
    """What a row of the claims table reads of an IncidentClaim, with the same names."""

    pk: int
    kind: str
    claimant: StateRef | None
    claimant_name: str
    accused_state: StateRef | None
    accused_name: str
    date: date | None
    period_start: date | None
    period_end: date | None
    place: str
    killed: int | None
    killed_civilians: int | None
    injured: int | None
    injured_civilians: int | None
    review_status: str
    letter: ClaimLetter

    @property
    def anchor(self) -> str:
        return f"claim-{self.pk}"

    def get_review_status_display(self) -> str:
        return str(dict(IncidentClaim.Review.choices).get(self.review_status, self.review_status))


def state_claims(state: MemberState) -> tuple[list[ClaimRow], list[ClaimRow]]:
    """(claims `state` makes, claims attributed to it): those of visible letters an editor did
    not reject, by the incident's date (undated last), then the letter's, newest first; up to
    STATE_CLAIMS_SHOWN of each. One statement, served by the claims' indexes on the claimant
    and the accused state."""
    language = (get_language() or "en")[:2]
    visible_sql, visible_params = visible_letter_sql("c.letter_id")

    def side(column: str) -> str:
        # The state's name as MemberState.__str__ gives it: French where it has one.
        name = "coalesce(CASE WHEN %s = 'fr' THEN nullif({0}.name_fr, '') END, {0}.short_en)"
        return (
            f"(SELECT %s AS side, c.id, c.kind, cm.iso3, {name.format('cm')}, c.claimant_name,"
            f" am.iso3, {name.format('am')}, c.accused_name, c.date, c.period_start,"
            " c.period_end, c.place, c.killed, c.killed_civilians, c.injured,"
            " c.injured_civilians, c.review_status, l.id,"
            " coalesce((SELECT array_agg(s.symbol ORDER BY s.position)"
            "  FROM archive_lettersymbol s WHERE s.letter_id = l.id), '{}'), l.doc_type"
            " FROM archive_incidentclaim c JOIN archive_letter l ON l.id = c.letter_id"
            " LEFT JOIN archive_memberstate cm ON cm.id = c.claimant_id"
            " LEFT JOIN archive_memberstate am ON am.id = c.accused_state_id"
            f" WHERE c.{column} = %s AND c.review_status <> %s AND {visible_sql}"
            # As the ORM's order_by(F("date").desc(nulls_last=True), "-letter__distribution_date",
            # "pk") wrote it: PostgreSQL puts an undated letter first among the same dates.
            " ORDER BY c.date DESC NULLS LAST, l.distribution_date DESC, c.id"
            f" LIMIT {STATE_CLAIMS_SHOWN})"
        )

    def params(label: str) -> list:
        return [label, language, language, state.pk, IncidentClaim.Review.REJECTED, *visible_params]

    with reading_connection().cursor() as cursor:
        cursor.execute(
            f"{side('claimant_id')} UNION ALL {side('accused_state_id')}",
            [*params("made"), *params("against")],
        )
        rows = cursor.fetchall()
    made, against = [], []
    for side_label, *row in rows:
        (made if side_label == "made" else against).append(_claim_row(row))
    return made, against


def _claim_row(row: tuple) -> ClaimRow:
    (pk, kind, claimant_iso3, claimant, claimant_name, accused_iso3, accused, accused_name,
     *figures, review_status, letter_id, symbols, doc_type) = row  # fmt: skip
    return ClaimRow(
        pk,
        kind,
        StateRef(claimant_iso3, claimant) if claimant_iso3 else None,
        claimant_name,
        StateRef(accused_iso3, accused) if accused_iso3 else None,
        accused_name,
        *figures,
        review_status,
        ClaimLetter(letter_id, symbols, doc_type),
    )


def claim_columns(claims_by_state: bool) -> list[str]:
    """The table's column headings, in the interface language: the rows' cells carry them
    too (`data-label`, read out on narrow screens)."""
    return [
        _("When"),
        _("Incident (as claimed)"),
        _("Attributed to") if claims_by_state else _("Claimed by"),
        _("Where"),
        _("Killed (civilians)"),
        _("Injured (civilians)"),
        _("Letter"),
    ]


def claim_rows(claims: list[ClaimRow], claims_by_state: bool) -> SafeString:
    """The table's rows: when, what, attributed to (the state's own claims) or claimed by
    (others'), where, killed and injured (civilians in brackets), and the letter quoting
    it with its review status. Written here rather than in the template's loop: a state
    page has up to a hundred claims, and the template engine took ~0.1 ms on each."""
    labels = [escape(label) for label in claim_columns(claims_by_state)]
    not_stated, the_sender = escape(_("not stated")), escape(_("the sender"))
    rows = []
    for claim in claims:
        if claim.date:
            when = (
                f'<time datetime="{claim.date.isoformat()}">'
                f"{escape(day_month_year(claim.date))}</time>"
            )
        elif claim.period_start:
            when = escape(_("from %(start)s") % {"start": day_month_year(claim.period_start)})
            if claim.period_end:
                when += " " + escape(_("to %(end)s") % {"end": day_month_year(claim.period_end)})
        else:
            when = not_stated
        state, name = (
            (claim.accused_state, claim.accused_name)
            if claims_by_state
            else (claim.claimant, claim.claimant_name)
        )
        if state:
            who = f'<a href="{escape(state.get_absolute_url())}">{escape(str(state))}</a>'
        else:
            who = escape(name) if name else ("—" if claims_by_state else the_sender)
        cells = [
            when,
            escape(incident_kind(claim.kind)),
            who,
            escape(claim.place) if claim.place else "—",
            _casualties(claim.killed, claim.killed_civilians),
            _casualties(claim.injured, claim.injured_civilians),
            f'<a href="{escape(claim.letter.get_absolute_url())}#{claim.anchor}">'
            f"{escape(str(claim.letter))}</a> "
            f'<span class="note">({escape(claim.get_review_status_display())})</span>',
        ]
        rows.append(
            "<tr>"
            + "".join(
                f'<td data-label="{label}">{cell}</td>'
                for label, cell in zip(labels, cells, strict=True)
            )
            + "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every cell escaped above


def _casualties(total: int | None, civilians: int | None) -> str:
    if total is None:
        return "—"
    return f"{total} ({civilians})" if civilians is not None else str(total)
