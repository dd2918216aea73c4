"""The read-only JSON API, /api/v1/: letters, agenda items, topics, states and incident
claims, described by an OpenAPI 3 schema (/api/v1/openapi.json) with interactive docs served
from this site (/api/v1/docs; django-ninja's Swagger UI, vendored in its static files).

Letters and claims are filtered by the pages' own FilterSet (archive.filters.LetterFilter):
the same parameters, the same checks and the same messages as the list and search pages, a
400 with {"errors": {parameter: [message, …]}} for a bad value. Words (`q`) go to the same
search entry point as the search page (archive.search.search_letters). Every list is paged:
`page` and `per_page` (10, 20, 50 or 100), with `next` and `previous` addresses.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import NinjaAPI, Query, Schema, Status
from ninja.openapi.docs import Swagger

from archive.api import letter_detail
from archive.filters import (
    MAX_QUERY_LENGTH,
    MAX_VALUES_PER_PARAMETER,
    PAGE_SIZES,
    SORTS,
    LetterFilter,
    topic_choices,
)
from archive.labels import row_title
from archive.listing import list_letters, symbols_in_order, with_row_title
from archive.models import LANGUAGES, AgendaItem, IncidentClaim, Letter, MemberState, Topic
from archive.search import PER_PAGE, SearchTooBroad, search_letters, visible_letters


class DocumentedAPI(NinjaAPI):
    """The schema states what each filter accepts (archive.filters' checks, as types, ranges
    and enums), so a client (or schemathesis) can tell a valid request from a refused one."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        accepted = _accepted_values()
        for operation in (op for ops in schema["paths"].values() for op in ops.values()):
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in accepted:
                    parameter["schema"] = {
                        "title": parameter["schema"].get("title", parameter["name"]),
                        **accepted[parameter["name"]],
                    }
        return schema


def _accepted_values() -> dict[str, dict]:
    """Each filter parameter's JSON Schema. Agenda items, states and topics must exist in the
    archive (a 400 names the unknown ones): their enums are read from the database each
    time the schema is asked for. The one rule a schema cannot state: a date range whose
    start is after its end is refused (400)."""

    def many(items: dict) -> dict:
        return {"type": "array", "items": items, "maxItems": MAX_VALUES_PER_PARAMETER}

    agenda = [
        f"{session}-{number}{sub}"
        for session, number, sub in AgendaItem.objects.order_by(
            "ga_session", "number", "sub_item"
        ).values_list("ga_session", "number", "sub_item")
    ]
    states = list(MemberState.objects.order_by("iso3").values_list("iso3", flat=True))
    small_number = {"type": "integer", "minimum": 1, "maximum": 200}
    day = {"type": "string", "format": "date"}
    return {
        # No NUL character: PostgreSQL text cannot hold one.
        "q": {"type": "string", "maxLength": MAX_QUERY_LENGTH, "pattern": "^[^\\x00]*$"},
        # A state's ISO 3166 alpha-3 code (any other text finds no claim); no NUL either.
        "claimant": {"type": "string", "pattern": "^[^\\x00]*$"},
        "attributed_to": {"type": "string", "pattern": "^[^\\x00]*$"},
        "agenda": many({"type": "string", "enum": agenda}),
        "topic": {"type": "string", "enum": [slug for slug, _ in topic_choices()]},
        "body": {"type": "string", "enum": ["GA", "SC", "joint"]},
        "session": small_number,
        "sc_year": small_number,
        "state": many({"type": "string", "enum": states}),
        "language": many({"type": "string", "enum": [code for code, _ in LANGUAGES]}),
        "type": many({"type": "string", "enum": list(Letter.DocType.values)}),
        "year": many({"type": "integer", "minimum": 1945, "maximum": 2100}),
        "date_after": day,
        "date_before": day,
        "letter_date_after": day,
        "letter_date_before": day,
        "claims": {"type": "string", "enum": ["yes"]},
        "sort": {"type": "string", "enum": [value for value, _ in SORTS]},
        "page": {"type": "integer", "minimum": 1, "maximum": 10_000},
        "per_page": {"type": "integer", "enum": PAGE_SIZES},
    }


api = DocumentedAPI(
    title="UN Letters Archive API",
    version="1",
    description=__doc__,
    urls_namespace="api_v1",
    # The docs load nothing from another site; Swagger's online validator badge is off.
    docs=Swagger(settings={"validatorUrl": None}),
)


def urls():
    """The API's URL patterns, answering HEAD as GET (link checkers and caches ask HEAD;
    declaring HEAD operations would give the schema duplicate operation ids)."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = _head_as_get(pattern.callback)
    return patterns, app_name, namespace


def _head_as_get(view):
    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        if request.method == "HEAD":
            request.method = "GET"
        return view(request, *args, **kwargs)

    return answer


class Errors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    """django-ninja's own answers: 404 {"detail": "Not Found"}; 422 when a typed parameter
    (a letter id, a session) is not of its type: {"detail": [{"loc": ..., "msg": ...}]}."""

    detail: str | list[dict[str, Any]]


class LetterFilters(Schema):
    """The list and search pages' parameters (archive.filters), checked by their FilterSet."""

    q: str | None = None
    agenda: list[str] | None = None
    topic: str | None = None
    body: str | None = None
    session: str | None = None
    sc_year: str | None = None
    state: list[str] | None = None
    language: list[str] | None = None
    type: list[str] | None = None
    year: list[str] | None = None
    date_after: str | None = None
    date_before: str | None = None
    letter_date_after: str | None = None
    letter_date_before: str | None = None
    claims: str | None = None
    sort: str | None = None
    page: str | None = None
    per_page: str | None = None


class Paging(Schema):
    page: str | None = None
    per_page: str | None = None


class StateOut(Schema):
    iso3: str
    name: str
    name_fr: str
    un_status: str
    url: str
    api_letters: str


class TopicOut(Schema):
    slug: str
    name: str
    url: str
    api_letters: str


class AgendaItemOut(Schema):
    ga_session: int
    number: int
    sub_item: str
    titles: dict[str, str]
    topic: str | None
    url: str
    api_letters: str


class LetterOut(Schema):
    id: int
    symbols: list[str]
    title: str
    title_composed: bool
    doc_type: str
    distribution_date: date | None
    letter_date: date | None
    sender_state: str | None
    url: str
    api_url: str


class ClaimOut(Schema):
    letter_id: int
    letter_symbols: list[str]
    claimed_by: str
    claimant_state: str | None
    kind_as_claimed: str
    attributed_to_as_claimed: str
    attributed_to_state: str | None
    date: date | None
    period_start: date | None
    period_end: date | None
    place: str
    killed: int | None
    killed_civilians: int | None
    injured: int | None
    injured_civilians: int | None
    quote: str
    language: str
    review_status: str
    confidence: str
    quote_url: str


class Page(Schema):
    count: int
    count_is_exact: bool
    page: int
    per_page: int
    next: str | None
    previous: str | None


class LetterPage(Page):
    results: list[LetterOut]


class StatePage(Page):
    results: list[StateOut]


class TopicPage(Page):
    results: list[TopicOut]


class AgendaItemPage(Page):
    results: list[AgendaItemOut]


class ClaimPage(Page):
    results: list[ClaimOut]


class BadPaging(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors


@api.exception_handler(BadPaging)
def _bad_paging(request, error: BadPaging):
    return api.create_response(request, {"errors": error.errors}, status=400)


def _paging(request: HttpRequest) -> tuple[int, int]:
    """page and per_page, checked as the pages check them (archive.filters)."""
    filterset = LetterFilter(
        {k: request.GET[k] for k in ("page", "per_page") if k in request.GET},
        queryset=visible_letters().none(),
    )
    if not filterset.is_valid():
        raise BadPaging(_messages(filterset))
    cleaned = filterset.form.cleaned_data
    return cleaned.get("page") or 1, cleaned.get("per_page") or PER_PAGE


def _messages(filterset: LetterFilter) -> dict[str, list[str]]:
    return {
        field: [error["message"] for error in errors]
        for field, errors in filterset.form.errors.get_json_data().items()
    }


def _links(request: HttpRequest, page: int, has_next: bool) -> tuple[str | None, str | None]:
    def at(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return request.build_absolute_uri(request.path + "?" + params.urlencode())

    return (at(page + 1) if has_next else None, at(page - 1) if page > 1 else None)


def _paged(request, rows: list, total: int, page: int, per_page: int, exact=True) -> dict:
    next_url, previous_url = _links(request, page, page * per_page < total)
    return {
        "count": total,
        "count_is_exact": exact,
        "page": page,
        "per_page": per_page,
        "next": next_url,
        "previous": previous_url,
        "results": rows,
    }


def _slice(request, queryset, to_dict) -> dict:
    page, per_page = _paging(request)
    total = queryset.count()
    offset = (page - 1) * per_page
    rows = [to_dict(row) for row in queryset[offset : offset + per_page]]
    return _paged(request, rows, total, page, per_page)


def _api_letters(request, query: str) -> str:
    return request.build_absolute_uri(f"/api/v1/letters?{query}")


@api.get(
    "/letters",
    response={200: LetterPage, 400: Errors, 503: Errors},
    tags=["letters"],
)
def letters(request, filters: Query[LetterFilters]):
    """Letters the filters keep, newest first (with `q`: ranked as the search page ranks
    them, or in the `sort` asked for)."""
    filterset = LetterFilter(request.GET, queryset=visible_letters())
    if not filterset.is_valid():
        return Status(400, {"errors": _messages(filterset)})
    cleaned = filterset.form.cleaned_data
    query = cleaned.get("q") or ""
    arguments = {
        "sort": cleaned.get("sort") or None,
        "page": cleaned.get("page") or 1,
        "per_page": cleaned.get("per_page") or None,
        "exact": request.GET.get("exact") == "1",
    }
    try:
        if query:
            arguments.pop("exact")  # the search engine's totals are always exact
            results = search_letters(query, filterset, **arguments)
        else:
            results = list_letters(filterset, **arguments)
    except SearchTooBroad:
        message = gettext("The search index is being built; try again in a minute.")
        return Status(503, {"errors": {"q": [message]}})
    ids = [hit.letter.pk for hit in results.hits]
    by_id = {
        letter.pk: letter
        for letter in with_row_title(visible_letters().filter(pk__in=ids))
        .select_related("sender_state")
        .prefetch_related(symbols_in_order())
    }
    rows = [_letter_row(request, by_id[pk]) for pk in ids if pk in by_id]
    next_url, previous_url = _links(request, results.page, results.has_next)
    return {
        "count": results.total,
        "count_is_exact": results.total_is_exact,
        "page": results.page,
        "per_page": results.per_page,
        "next": next_url,
        "previous": previous_url,
        "results": rows,
    }


def _letter_row(request, letter) -> dict:
    title = row_title(letter)
    return {
        "id": letter.pk,
        "symbols": letter.symbol_list,
        "title": title.text,
        "title_composed": title.composed,
        "doc_type": letter.doc_type,
        "distribution_date": letter.distribution_date,
        "letter_date": letter.letter_date,
        "sender_state": letter.sender_state.iso3 if letter.sender_state else None,
        "url": request.build_absolute_uri(letter.get_absolute_url()),
        "api_url": request.build_absolute_uri(f"/api/v1/letters/{letter.pk}"),
    }


@api.get(
    "/letters/{letter_id}",
    response={200: dict[str, Any], 404: Detail, 422: Detail},
    tags=["letters"],
)
def letter(request, letter_id: int):
    """One letter whole: metadata, every language version with its annexes, signatories,
    incident claims (attributed to their claimants) and the documents it cites."""
    return letter_detail(request, letter_id)


@api.get("/states", response={200: StatePage, 400: Errors}, tags=["reference"])
def states(request, paging: Query[Paging]):
    """Every state the archive knows, by English short name."""
    return _slice(
        request,
        MemberState.objects.order_by("short_en"),
        lambda state: {
            "iso3": state.iso3,
            "name": state.short_en,
            "name_fr": state.name_fr,
            "un_status": state.un_status,
            "url": request.build_absolute_uri(state.get_absolute_url()),
            "api_letters": _api_letters(request, urlencode({"state": state.iso3})),
        },
    )


@api.get("/topics", response={200: TopicPage, 400: Errors}, tags=["reference"])
def topics(request, paging: Query[Paging]):
    """Topics: an agenda item followed across sessions."""
    return _slice(
        request,
        Topic.objects.order_by("name"),
        lambda topic: {
            "slug": topic.slug,
            "name": topic.name,
            "url": request.build_absolute_uri(topic.get_absolute_url()),
            "api_letters": _api_letters(request, urlencode({"topic": topic.slug})),
        },
    )


class AgendaFilters(Paging):
    session: int | None = None


@api.get(
    "/agenda-items",
    response={200: AgendaItemPage, 400: Errors, 422: Detail},
    tags=["reference"],
)
def agenda_items(request, filters: Query[AgendaFilters]):
    """Agenda items of the General Assembly, newest session first; `session` keeps one."""
    items = AgendaItem.objects.select_related("topic").order_by("-ga_session", "number", "sub_item")
    if filters.session is not None:
        items = items.filter(ga_session=filters.session)
    return _slice(
        request,
        items,
        lambda item: {
            "ga_session": item.ga_session,
            "number": item.number,
            "sub_item": item.sub_item,
            "titles": item.titles,
            "topic": item.topic.slug if item.topic else None,
            "url": request.build_absolute_uri(item.get_absolute_url()),
            "api_letters": _api_letters(
                request, urlencode({"agenda": f"{item.ga_session}-{item.number}{item.sub_item}"})
            ),
        },
    )


class ClaimFilters(LetterFilters):
    claimant: str | None = None
    attributed_to: str | None = None


@api.get("/claims", response={200: ClaimPage, 400: Errors}, tags=["claims"])
def claims(request, filters: Query[ClaimFilters]):
    """Incident claims found in the letters the filters keep (editors' rejections left out).
    Each is a claim, attributed to its claimant: never an established fact. `claimant` and
    `attributed_to` keep the claims of, or against, one state (ISO 3166 alpha-3)."""
    letter_params = request.GET.copy()
    for name in ("claimant", "attributed_to", "page", "per_page"):
        letter_params.pop(name, None)
    filterset = LetterFilter(letter_params, queryset=visible_letters())
    if not filterset.is_valid():
        return Status(400, {"errors": _messages(filterset)})
    found = (
        IncidentClaim.objects.filter(letter__in=filterset.qs.values("pk"))
        .exclude(review_status=IncidentClaim.Review.REJECTED)
        .select_related("claimant", "accused_state", "letter_text", "letter")
        .prefetch_related(Prefetch("letter__symbols"))
        .order_by("letter_id", "pk")
    )
    if filters.claimant:
        found = found.filter(claimant__iso3=filters.claimant.upper())
    if filters.attributed_to:
        found = found.filter(accused_state__iso3=filters.attributed_to.upper())

    def row(claim):
        return {
            "letter_id": claim.letter_id,
            "letter_symbols": claim.letter.symbol_list,
            "claimed_by": claim.claimant_name,
            "claimant_state": claim.claimant.iso3 if claim.claimant else None,
            "kind_as_claimed": claim.kind,
            "attributed_to_as_claimed": claim.accused_name,
            "attributed_to_state": claim.accused_state.iso3 if claim.accused_state else None,
            "date": claim.date,
            "period_start": claim.period_start,
            "period_end": claim.period_end,
            "place": claim.place,
            "killed": claim.killed,
            "killed_civilians": claim.killed_civilians,
            "injured": claim.injured,
            "injured_civilians": claim.injured_civilians,
            "quote": claim.quote,
            "language": claim.letter_text.language,
            "review_status": claim.review_status,
            "confidence": claim.confidence,
            "quote_url": request.build_absolute_uri(
                f"{claim.letter.get_absolute_url()}#{claim.anchor}"
            ),
        }

    return _slice(request, found, row)
