"""JSON and CSV for people who take the archive elsewhere: the same filters as the pages.

- ``/api/search/?q=…&<filters>``: one page of search results (what the search page shows).
- ``/api/letters/<id>/``: one letter whole: metadata, texts, annexes, signatories, claims.
- ``/export/letters.csv?<filters>&q=…`` and ``/export/claims.csv?…`` (``&bom=1`` for Excel),
  ``/export/letters.jsonl`` and ``/export/claims.jsonl``: every matching row, streamed from a
  server-side cursor, so an export of the whole archive never sits in memory.
- ``/letters/<id>/cite.bib`` (``.ris``, ``.json`` for CSL-JSON) and ``/export/cite.bib?…``:
  citations of one letter or of every letter a search keeps (archive.citations).

Claims are exported as claims: each row names who claims it and how editors reviewed it.
"""

from __future__ import annotations

import csv
import itertools
import json
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from archive.citations import FORMATS, reference, render_many
from archive.filters import LetterFilter
from archive.models import (
    IncidentClaim,
    LetterAgendaItem,
    LetterSymbol,
    LetterText,
    NamedBySymbols,
)
from archive.postgresql.expressions import BigIntArray, EqualsAny
from archive.reading import choose_text, for_letter_page
from archive.search import (
    InvalidSearch,
    SearchUnavailable,
    matching_letter_ids,
    search_letters,
    visible_letters,
)

EXPORT_CHUNK = 2000
# Values per facet in /api/search/ (the most frequent); ?facet=state lists one facet whole.
API_FACET_VALUES = 100
# Spreadsheets run cells that start with these as formulas; such cells get a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@require_safe
def search_json(request):
    try:
        page_number = int(request.GET.get("page") or 1)
    except ValueError:
        return _error({"page": [gettext("Page must be a whole number.")]})
    try:
        # Checked against the allowed sizes by the search's own form (10, 20, 50 or 100).
        per_page = int(request.GET.get("per_page") or 0) or None
    except ValueError:
        return _error({"per_page": [gettext("Letters per page must be a whole number.")]})
    try:
        page = search_letters(
            request.GET.get("q", ""),
            request.GET,
            sort=request.GET.get("sort") or None,
            page=page_number,
            per_page=per_page,
            facet_values=API_FACET_VALUES,
            expand_facet=request.GET.get("facet") or None,
        )
    except InvalidSearch as error:
        return _error(error.errors)
    except SearchUnavailable:
        return _error(
            {"q": [gettext("The search index is being built; try again in a minute.")]},
            status=503,
        )
    return JsonResponse(
        {
            "query": page.query,
            "total": page.total,
            "total_is_exact": page.total_is_exact,
            "page": page.page,
            "per_page": page.per_page,
            "num_pages": page.num_pages,
            "results": [
                {
                    "id": hit.letter.pk,
                    "symbols": hit.letter.symbol_list,
                    "url": request.build_absolute_uri(hit.url),
                    "api_url": request.build_absolute_uri(f"/api/letters/{hit.letter.pk}/"),
                    "title": hit.title,
                    "language": hit.language,
                    "distribution_date": _iso(hit.letter.distribution_date),
                    "letter_date": _iso(hit.letter.letter_date),
                    "sender_state": _state(hit.letter.sender_state),
                    "doc_type": hit.letter.doc_type,
                    "annex": hit.annex.order if hit.annex else None,
                }
                for hit in page.hits
            ],
            "facets": {
                facet.param: [
                    {"value": v.value, "label": v.label, "count": v.count} for v in facet.values
                ]
                for facet in page.facets
            },
            # How many values each facet has among the matches (more than listed when the
            # facet is not the one asked for whole with ?facet=).
            "facet_values": {facet.param: facet.distinct for facet in page.facets},
        }
    )


@require_safe
def letter_json(request, pk):
    return JsonResponse(letter_detail(request, pk), json_dumps_params={"ensure_ascii": False})


def letter_detail(request, pk) -> dict:
    """One letter whole, as /api/letters/<id>/ and /api/v1/letters/<id> give it (404 when it
    is not a visible letter)."""
    letter = get_object_or_404(
        visible_letters()
        .for_detail()
        .prefetch_related(
            Prefetch(
                "claims",
                queryset=IncidentClaim.objects.exclude(
                    review_status=IncidentClaim.Review.REJECTED
                ).select_related("claimant", "accused_state", "annex", "letter_text"),
            ),
            "citations",
        ),
        pk=pk,
    )
    return {
        "id": letter.pk,
        "symbols": letter.symbol_list,
        "url": request.build_absolute_uri(letter.get_absolute_url()),
        "doc_type": letter.doc_type,
        "bodies": letter.bodies,
        "ga_session": letter.ga_session,
        "sc_year": letter.sc_year,
        "distribution_date": _iso(letter.distribution_date),
        "letter_date": _iso(letter.letter_date),
        "original_language": letter.original_language or None,
        "sender": {
            "person": letter.sender_person or None,
            "role": letter.sender_role or None,
            "state": _state(letter.sender_state),
            "state_as_printed": letter.sender_state_printed or None,
        },
        "addressees": letter.addressees,
        "agenda_items": [
            {
                "ga_session": link.agenda_item.ga_session,
                "number": link.agenda_item.number,
                "sub_item": link.agenda_item.sub_item,
                "titles": link.agenda_item.titles,
            }
            for link in letter.agenda_links.all()
        ],
        "signatories": [
            {"name": s.name, "role": s.role or None, "annex": s.annex_order or None}
            for s in letter.signatories.all()
        ],
        "texts": [
            {
                "language": text.language,
                "title": text.title,
                "masthead": text.masthead,
                "body": text.body,
                "annexes": [
                    {
                        "order": annex.order,
                        "title": annex.title,
                        "date": _iso(annex.letter_date),
                        "author": annex.author_person or None,
                        "original_language": annex.original_language or None,
                        "text": annex.text,
                    }
                    for annex in text.annexes.all()
                ],
            }
            for text in letter.texts.all()
        ],
        "claims": [_claim(claim) for claim in letter.claims.all()],
        "cites": [c.cited_symbol for c in letter.citations.all()],
    }


LETTER_COLUMNS = [
    "id",
    "symbols",
    "doc_type",
    "distribution_date",
    "letter_date",
    "ga_session",
    "sc_year",
    "sender_state",
    "sender_person",
    "sender_role",
    "original_language",
    "agenda_items",
    "title",
    "url",
]


@dataclass(frozen=True)
class _ExportedLetter(NamedBySymbols):
    """What a letter's address is made of (NamedBySymbols: the Letter model's own rule)."""

    pk: int
    symbol_list: list[str]
    doc_type: str


# Oldest first as the index letter_newest reads backwards (undated letters would come first:
# they are read apart, after the dated ones). An order no index gives made PostgreSQL make
# every row, with its symbols, agenda items and title, before sorting them: 29 s before the
# first byte of an export of a million letters.
OLDEST_FIRST = [F("distribution_date").asc(nulls_first=True), "id"]


def _dated_then_undated(rows):
    """The rows (ordered by OLDEST_FIRST) of the dated letters, then those of the undated."""
    yield from _streamed(rows.filter(distribution_date__isnull=False))
    yield from _streamed(rows.filter(distribution_date__isnull=True))


def _streamed(queryset):
    """The queryset's rows as the response is sent, in chunks from one server-side cursor,
    inside a transaction: outside one, Django declares the cursor WITH HOLD, and PostgreSQL
    then computes every row before it gives the first (an export of a million letters: 29 s
    before its first byte). The database is chosen once (a replica, if the request reads
    from one), the cursor's transaction on it."""
    database = queryset.db
    with transaction.atomic(using=database):
        yield from queryset.using(database).iterator(chunk_size=EXPORT_CHUNK)


def _letter_export_rows(request, letters):
    """Each letter as a dict of LETTER_COLUMNS, oldest first, read in chunks: one statement,
    its symbols, agenda items and title as subqueries, rows not models (the ORM's prefetches
    made ~10 model instances a letter, most of an export's time)."""
    symbols = ArraySubquery(
        LetterSymbol.objects.filter(letter=OuterRef("pk"))
        .order_by("position", "id")
        .values("symbol")
    )
    agenda_items = ArraySubquery(
        LetterAgendaItem.objects.filter(letter=OuterRef("pk"))
        .order_by("position", "id")
        .values(
            value=Concat(
                Cast("agenda_item__ga_session", CharField()),
                Value("-"),
                Cast("agenda_item__number", CharField()),
                Case(
                    When(agenda_item__sub_item="", then=Value("")),
                    default=Concat(Value(" ("), "agenda_item__sub_item", Value(")")),
                    output_field=CharField(),
                ),
                output_field=CharField(),
            )
        )
    )
    texts = LetterText.objects.filter(letter=OuterRef("pk"))
    # The English title, else the first version's (by language), as the list shows it.
    title = Coalesce(
        NullIf(Subquery(texts.filter(language="en").values("title")[:1]), Value("")),
        Subquery(texts.order_by("language").values("title")[:1]),
        Value(""),
        output_field=TextField(),
    )
    rows = (
        letters.annotate(export_symbols=symbols, export_agenda=agenda_items, export_title=title)
        .order_by(*OLDEST_FIRST)
        .values_list(
            "pk",
            "export_symbols",
            "doc_type",
            "distribution_date",
            "letter_date",
            "ga_session",
            "sc_year",
            "sender_state__iso3",
            "sender_state_printed",
            "sender_person",
            "sender_role",
            "original_language",
            "export_agenda",
            "export_title",
        )
    )
    base = _base(request)
    for row in _dated_then_undated(rows):
        pk, symbol_list, doc_type, distributed, dated, session, year = row[:7]
        iso3, printed, person, role, language, agenda, title_shown = row[7:]
        yield {
            "id": pk,
            "symbols": " ".join(symbol_list),
            "doc_type": doc_type,
            "distribution_date": _iso(distributed),
            "letter_date": _iso(dated),
            "ga_session": session,
            "sc_year": year,
            "sender_state": iso3 or printed,
            "sender_person": person,
            "sender_role": role,
            "original_language": language,
            "agenda_items": " ".join(agenda),
            "title": title_shown,
            "url": base + _ExportedLetter(pk, symbol_list, doc_type).get_absolute_url(),
        }


@require_safe
def letters_csv(request):
    """Every letter the filters keep; ?bom=1 starts the file with a UTF-8 byte-order mark,
    without which Excel reads it as the local code page (Azerbaïdjan becomes AzerbaÃ¯djan)."""
    letters = _filtered_letters(request)
    if isinstance(letters, JsonResponse):
        return letters
    return _csv_response(
        _as_table(LETTER_COLUMNS, _letter_export_rows(request, letters)),
        "letters.csv",
        bom=request.GET.get("bom") == "1",
    )


@require_safe
def letters_jsonl(request):
    letters = _filtered_letters(request)
    if isinstance(letters, JsonResponse):
        return letters
    return _jsonl_response(_letter_export_rows(request, letters), "letters.jsonl")


CLAIM_COLUMNS = [
    "letter_id",
    "letter_symbols",
    "claimed_by",
    "claimant_state",
    "kind_as_claimed",
    "attributed_to_as_claimed",
    "attributed_to_state",
    "date",
    "period_start",
    "period_end",
    "place",
    "killed",
    "killed_civilians",
    "injured",
    "injured_civilians",
    "review_status",
    "confidence",
    "quote",
    "quote_url",
]


def _claim_export_rows(request, letters):
    claims = (
        IncidentClaim.objects.filter(letter__in=letters.values("pk"))
        .exclude(review_status=IncidentClaim.Review.REJECTED)
        .select_related("claimant", "accused_state", "letter")
        .prefetch_related("letter__symbols")
        .order_by("letter_id", "pk")
    )
    base = _base(request)
    for claim in _streamed(claims):
        yield {
            "letter_id": claim.letter_id,
            "letter_symbols": " ".join(claim.letter.symbol_list),
            "claimed_by": claim.claimant_name,
            "claimant_state": claim.claimant.iso3 if claim.claimant else "",
            "kind_as_claimed": claim.kind,
            "attributed_to_as_claimed": claim.accused_name,
            "attributed_to_state": claim.accused_state.iso3 if claim.accused_state else "",
            "date": _iso(claim.date),
            "period_start": _iso(claim.period_start),
            "period_end": _iso(claim.period_end),
            "place": claim.place,
            "killed": claim.killed,
            "killed_civilians": claim.killed_civilians,
            "injured": claim.injured,
            "injured_civilians": claim.injured_civilians,
            "review_status": claim.review_status,
            "confidence": claim.confidence,
            "quote": claim.quote,
            "quote_url": f"{base}{claim.letter.get_absolute_url()}#{claim.anchor}",
        }


@require_safe
def claims_csv(request):
    letters = _filtered_letters(request)
    if isinstance(letters, JsonResponse):
        return letters
    return _csv_response(
        _as_table(CLAIM_COLUMNS, _claim_export_rows(request, letters)),
        "claims.csv",
        bom=request.GET.get("bom") == "1",
    )


@require_safe
def claims_jsonl(request):
    letters = _filtered_letters(request)
    if isinstance(letters, JsonResponse):
        return letters
    return _jsonl_response(_claim_export_rows(request, letters), "claims.jsonl")


@require_safe
def letter_citation(request, pk, fmt):
    """/letters/<id>/cite.bib (.ris, .json): one letter, in the version ?lang= names."""
    if fmt not in FORMATS:
        raise Http404(gettext("Citations come as .bib, .ris or .json."))
    letter = get_object_or_404(for_letter_page(visible_letters()), pk=pk)
    ref = reference(letter, choose_text(letter, request.GET.get("lang")), _base(request))
    media_type, extension, _ = FORMATS[fmt]
    response = HttpResponse("".join(render_many([ref], fmt)), content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{ref.key}.{extension}"'
    return response


@require_safe
def results_citation(request, fmt):
    """/export/cite.bib?<filters>: every letter a search or list keeps, streamed."""
    if fmt not in FORMATS:
        raise Http404(gettext("Citations come as .bib, .ris or .json."))
    letters = _filtered_letters(request)
    if isinstance(letters, JsonResponse):
        return letters
    letters = for_letter_page(letters).order_by(*OLDEST_FIRST)
    base = _base(request)
    refs = (
        reference(letter, choose_text(letter, None), base)
        for letter in _dated_then_undated(letters)
    )
    media_type, extension, _ = FORMATS[fmt]
    response = StreamingHttpResponse(render_many(refs, fmt), content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="letters.{extension}"'
    return response


def _base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _filtered_letters(request):
    """The visible letters the request's filters (and words, if any) keep; or a 400."""
    filterset = LetterFilter(request.GET, queryset=visible_letters())
    if not filterset.is_valid():
        return _error(filterset.errors)
    letters = filterset.qs
    query = filterset.form.cleaned_data.get("q") or request.GET.get("q", "").strip()
    if query:
        # The search page's matcher, so the export holds exactly the letters it counts.
        try:
            ids = matching_letter_ids(query, filterset)
            # One array: an IN list is limited to 65 535 parameters, and `id IN (SELECT
            # unnest(...))` is joined and sorted whole before the first row (4.6 s for a word
            # in 688 000 letters); `id = ANY(array)` lets letter_newest be read in order.
            letters = letters.filter(EqualsAny(F("pk"), BigIntArray(ids)))
        except SearchUnavailable:
            return _error(
                {"q": [gettext("The search index is being built; try again in a minute.")]},
                status=503,
            )
    return letters


class _Echo:
    """csv.writer writes into this and we hand each line straight to the response."""

    def write(self, value):
        return value


def _as_table(columns: list[str], rows):
    yield columns
    for row in rows:
        yield [row[name] for name in columns]


def _started(rows, count: int):
    """`rows` with its first `count` items read now, in the view: the export's first query
    runs before the response starts, so a database that is not answering gets the 503 page
    (archive.health) instead of a 200 whose stream breaks off. Once the rows flow, a failure
    can only cut the transfer, which the client sees as incomplete."""
    rows = iter(rows)
    first = list(itertools.islice(rows, count))
    return itertools.chain(first, rows)


def _csv_response(rows, filename: str, bom: bool = False) -> StreamingHttpResponse:
    rows = _started(rows, 2)  # the header, then the first letter
    writer = csv.writer(_Echo())

    def lines():
        if bom:
            yield "\ufeff"
        for row in rows:
            yield writer.writerow([_safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(_in_chunks(lines()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _jsonl_response(rows, filename: str) -> StreamingHttpResponse:
    """JSON Lines: one object a line, values typed (numbers stay numbers, absent is null)."""
    rows = _started(rows, 1)
    response = StreamingHttpResponse(
        _in_chunks(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
        content_type="application/jsonl; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Lines sent together: the server writes each piece a streamed response yields to the socket
# on its own (a system call a letter, a third of an export's time under load).
STREAM_CHUNK_CHARS = 32_000


def _in_chunks(lines):
    """The lines joined into pieces of about STREAM_CHUNK_CHARS, still streamed."""
    piece, size = [], 0
    for line in lines:
        piece.append(line)
        size += len(line)
        if size >= STREAM_CHUNK_CHARS:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _claim(claim: IncidentClaim) -> dict:
    return {
        "claimed_by": claim.claimant_name or None,
        "claimant_state": _state(claim.claimant),
        "kind_as_claimed": claim.kind,
        "attributed_to_as_claimed": claim.accused_name or None,
        "attributed_to_state": _state(claim.accused_state),
        "date": _iso(claim.date),
        "period_start": _iso(claim.period_start),
        "period_end": _iso(claim.period_end),
        "place": claim.place or None,
        "killed": claim.killed,
        "killed_civilians": claim.killed_civilians,
        "injured": claim.injured,
        "injured_civilians": claim.injured_civilians,
        "quote": claim.quote,
        "language": claim.letter_text.language,
        "annex": claim.annex.order if claim.annex else None,
        "quote_start": claim.quote_start,
        "quote_end": claim.quote_end,
        "confidence": claim.confidence,
        "review_status": claim.review_status,
        "found_by": claim.found_by,
    }


def _state(state) -> dict | None:
    return {"iso3": state.iso3, "name": state.short_en} if state else None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _error(errors, status: int = 400) -> JsonResponse:
    if hasattr(errors, "get_json_data"):
        errors = {
            field: [e["message"] for e in items] for field, items in errors.get_json_data().items()
        }
    return JsonResponse({"errors": errors}, status=status)
