"""The results pages: the search page and the filtered list share one form, one view body
and these helpers (filter chips, facet links, the parameters links keep). archive.views
routes to `results_page`; the engine (archive.search) and the list (archive.listing) answer.
"""

from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from archive.filters import AGENDA_PATTERN, PAGE_SIZES, LetterFilter, active_filters
from archive.histogram import year_histogram
from archive.labels import letter_meta, readable_caps
from archive.listing import list_letters
from archive.models import Topic
from archive.search import PER_PAGE, SearchUnavailable, search_letters, visible_letters
from archive.search.engine import FACET_VALUES_SHOWN

# Fields of the filter form shown under "More filters" (q, sort and page have their own places).
ADVANCED_FIELDS = [
    "body",
    "session",
    "sc_year",
    "topic",
    "language",
    "type",
    "date",
    "letter_date",
    "claims",
]


def results_page(request, *, template: str, with_search: bool):
    """The search page (`with_search`) or the filtered list, from the same form and filters."""
    cleaned_url = _without_empty_parameters(request)
    if cleaned_url:
        return redirect(cleaned_url)
    filterset = LetterFilter(request.GET, queryset=visible_letters())
    context = {
        "filterset": filterset,
        "query": "",
        "page_sizes": PAGE_SIZES,
        "per_page": PER_PAGE,
    }
    if not filterset.is_valid():
        return _error_page(request, template, context, _errors(filterset), status=400)
    cleaned = filterset.form.cleaned_data
    query = cleaned.get("q") or ""
    context.update(
        per_page=cleaned.get("per_page") or PER_PAGE,
        query=query,
        sort=cleaned.get("sort") or "",
        chips=filter_chips(request.GET, filterset),
        keep=_kept_parameters(request.GET, only=("agenda", "state", "year")),
        page_query=query_string_without(request.GET, "page"),
        exact_url="?" + query_string_without(request.GET, "page", "exact") + "&exact=1",
        download_query=query_string_without(request.GET, "page", "exact", "sort"),
        feed_url=feed_url(query_string_without(request.GET, "page", "exact", "sort", "per_page")),
    )

    def prepare(hits) -> None:
        """What the page needs besides the counts, made while the engine counts (a search
        of two words at a million letters waits ~4 ms for them)."""
        context.update(advanced_fields=advanced_fields(filterset.form), hit_items=hit_items(hits))

    try:
        if with_search:
            results = search_letters(
                query,
                filterset,
                sort=cleaned.get("sort") or None,
                page=cleaned.get("page") or 1,
                per_page=cleaned.get("per_page") or None,
                expand_facet=cleaned.get("facet") or None,
                value_counts=False,  # "Show more" needs no number: ~3 ms of a common word
                meanwhile=prepare,
            )
        else:
            results = list_letters(
                filterset,
                sort=cleaned.get("sort") or None,
                page=cleaned.get("page") or 1,
                per_page=cleaned.get("per_page") or None,
                exact=request.GET.get("exact") == "1",
            )
            prepare([])  # the list writes its rows in its template
    except SearchUnavailable:
        message = _("The search index is being built. Please try again in a minute.")
        return _error_page(request, template, context, [message], status=503)
    context["results"] = results
    context["facets"] = facet_links(request.GET, results.facets, cleaned.get("facet") or "")
    context["histogram"] = year_histogram(results.facets) if with_search else None
    context["has_filters"] = bool(active_filters(filterset))
    if results.page > 1 and not results.hits:
        context["form_errors"] = [
            _("There is no page %(page)s for this search.") % {"page": results.page}
        ]
        return render(request, template, context, status=404)
    return render(request, template, context)


def _error_page(request, template: str, context: dict, errors: list[str], *, status: int):
    """The page with its form and the messages, and no results."""
    form = context["filterset"].form
    context = {**context, "advanced_fields": advanced_fields(form), "form_errors": errors}
    return render(request, template, context, status=status)


def hit_items(hits) -> SafeString:
    """The search hits as list items: symbol and title linking to the letter (in the language
    version that matched, at the annex when the words are there), the letter's line, where
    the words were found and the snippet (escaped text with <mark>s, from the engine).
    Written here with the standard library's escape, not in a template: the template engine
    spent ~0.12 ms on each hit, a tenth of the page, format_html half of that."""
    return mark_safe("".join(_hit_item(hit) for hit in hits))  # noqa: S308 - escaped below


def _hit_item(hit) -> str:
    language = escape(hit.language)
    title = (
        f'<span class="letter-title" lang="{language}">{escape(hit.title)}</span>'
        if hit.title
        else ""
    )
    where = ""
    if hit.annex:
        found_in = (
            _("Found in annex %(order)s: %(title)s")
            % {"order": hit.annex.order, "title": hit.annex.title}
            if hit.annex.title
            else _("Found in annex %(order)s") % {"order": hit.annex.order}
        )
        where = f'\n  <p class="hit-where">{escape(found_in)}</p>'
    # The snippet is the engine's SafeString: the letter's text escaped, <mark>s around hits.
    snippet = (
        f'\n  <p class="snippet" lang="{language}">{conditional_escape(hit.snippet)}</p>'
        if hit.snippet
        else ""
    )
    shown_language = f" · {language.upper()}" if language else ""
    return (
        f'<li class="hit">\n  <h3 class="hit-title"><a href="{escape(hit.url)}">'
        f'<span class="letter-symbol">{escape(str(hit.letter))}</span>{title}</a></h3>\n'
        f'  <p class="letter-meta">{letter_meta(hit.letter)}{shown_language}</p>'
        f"{where}{snippet}\n</li>"
    )


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class FilterField:
    """A field of "More filters", ready to write: the form's widgets rendered each option
    through two templates of their own, ~9 ms a page, for markup this gives in ~1 ms."""

    name: str
    label: str
    kind: str  # "select", "choices" (checkboxes), "number" or "dates"
    value: str | list[str] = ""
    options: list[Option] | None = None
    min_value: int | None = None
    max_value: int | None = None

    @property
    def options_html(self) -> SafeString:
        """The options of a select, or the checkboxes of a choice, written here (the template
        engine spent ~10 µs on each)."""
        name = escape(self.name)
        if self.kind == "choices":
            markup = (
                f'<label class="choice"><input type="checkbox" name="{name}" '
                f'value="{escape(option.value)}" id="id_{name}_{position}"'
                f"{' checked' if option.selected else ''}> {escape(option.label)}</label>"
                for position, option in enumerate(self.options or [])
            )
        else:
            markup = (
                f'<option value="{escape(option.value)}"{" selected" if option.selected else ""}>'
                f"{escape(option.label)}</option>"
                for option in self.options or []
            )
        return mark_safe("".join(markup))  # noqa: S308 - escaped above


def advanced_fields(form) -> list[FilterField]:
    fields = []
    for name in ADVANCED_FIELDS:
        field = form.fields[name]
        raw = form[name].value()
        label = str(field.label)
        if name in ("date", "letter_date"):
            after, before = (raw or [None, None])[:2]
            fields.append(FilterField(name, label, "dates", [after or "", before or ""]))
        elif isinstance(field, forms.MultipleChoiceField):
            chosen = {str(v) for v in raw or []}
            options = [Option(str(v), str(text), str(v) in chosen) for v, text in field.choices]
            fields.append(FilterField(name, label, "choices", options=options))
        elif isinstance(field, forms.ChoiceField):
            value = "" if raw is None else str(raw)
            options = [Option(str(v), str(text), str(v) == value) for v, text in field.choices]
            fields.append(FilterField(name, label, "select", value, options))
        else:
            fields.append(
                FilterField(
                    name,
                    label,
                    "number",
                    "" if raw is None else str(raw),
                    min_value=field.min_value,
                    max_value=field.max_value,
                )
            )
    return fields


def feed_url(query: str) -> str:
    """The Atom feed of new letters for the same filters (archive.feeds)."""
    return reverse("letters_feed") + (f"?{query}" if query else "")


def _without_empty_parameters(request) -> str | None:
    """The address without the parameters a submitted form leaves empty (and the default page
    size, which its list always submits), when it had any: a GET form submits every field, and
    "?q=mines&session=&sc_year=&topic=…" is no address to share. None when already clean."""
    pairs = [(name, value) for name, values in request.GET.lists() for value in values]
    kept = [
        (name, value)
        for name, value in pairs
        if value.strip() and not (name == "per_page" and value == str(PER_PAGE))
    ]
    if len(kept) == len(pairs):
        return None
    return request.path + (f"?{urlencode(kept)}" if kept else "")


def _errors(filterset: LetterFilter) -> list[str]:
    messages = []
    for name, errors in filterset.form.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else ""
        for error in errors:
            messages.append(
                _("%(label)s: %(error)s") % {"label": label, "error": error}
                if label
                else str(error)
            )
    return messages


def _kept_parameters(params, only: tuple[str, ...]) -> list[tuple[str, str]]:
    """Filters set by facet links, carried as hidden inputs so a new query keeps them (the
    other filters are fields of the form itself)."""
    return [
        (name, value)
        for name, values in params.lists()
        if name in only
        for value in values
        if value and "\x00" not in value
    ]


def query_string_without(params: QueryDict, *names: str) -> str:
    """The current query string minus `names` (pagination and facet links keep the rest)."""
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def _toggled(params: QueryDict, name: str, value: str) -> str:
    """The query string with `value` of `name` added, or removed if present; back to page 1."""
    changed = params.copy()
    changed.pop("page", None)
    values = changed.getlist(name)
    changed.setlist(
        name, [v for v in values if v != value] if value in values else [*values, value]
    )
    return changed.urlencode()


@dataclass(frozen=True)
class FacetLink:
    label: str
    count: int
    selected: bool
    url: str

    @property
    def count_label(self) -> str:
        return ngettext("%(counter)s letter", "%(counter)s letters", self.count) % {
            "counter": self.count
        }


@dataclass(frozen=True)
class FacetGroup:
    param: str
    label: str
    links: list[FacetLink]
    hidden: int | None  # values with matches not listed (None: some, not counted)
    expanded: bool
    toggle_url: str  # shows every value of this facet, or back to the most frequent

    @property
    def items(self) -> SafeString:
        """The links as list items, written here (a page has ~50, up to 1 000 when a facet is
        shown whole; the template engine spent ~15 µs on each)."""
        selected = escape(_("Selected, select to remove:"))
        items = []
        for link in self.links:
            attributes, mark = "", ""
            if link.selected:
                attributes = ' aria-current="true" class="selected"'
                mark = (
                    '<span aria-hidden="true">✓ </span>'
                    f'<span class="visually-hidden">{selected} </span>'
                )
            items.append(
                f'<li><a href="{escape(link.url)}"{attributes}>{mark}'
                f'<span class="facet-label">{escape(str(link.label))}</span> '
                f'<span class="facet-count">{escape(link.count_label)}</span></a></li>'
            )
        return mark_safe("".join(items))  # noqa: S308 - escaped above


def facet_links(params: QueryDict, facets, expanded: str = "") -> list[FacetGroup]:
    """Each facet value as a link that adds it to the filters (or removes it when selected),
    back to page 1: the query string `_toggled` would give, built from parameters encoded
    once (copying the QueryDict for each value was most of the page's time). A facet lists
    its FACET_VALUES_SHOWN most frequent values (and the selected ones) unless it is the one
    `expanded` (the `facet` parameter)."""
    groups = {name: values for name, values in params.lists() if name not in ("page", "facet")}
    encoded = {name: [urlencode({name: v}) for v in values] for name, values in groups.items()}
    result = []
    for facet in facets:
        if not facet.values:
            continue
        name = facet.param
        is_expanded = name == expanded
        values = [
            v
            for position, v in enumerate(facet.values)
            if is_expanded or position < FACET_VALUES_SHOWN or v.selected
        ]
        # The toggled parameter stays where the query string has it (at the end when new).
        names = list(groups) if name in groups else [*groups, name]
        position = names.index(name)
        head = [part for key in names[:position] for part in encoded[key]]
        tail = [part for key in names[position + 1 :] for part in encoded[key]]
        present = groups.get(name, [])
        links = []
        for v in values:
            chosen = (
                [x for x in present if x != v.value] if v.value in present else [*present, v.value]
            )
            own = [urlencode({name: x}) for x in chosen]
            links.append(FacetLink(v.label, v.count, v.selected, "?" + "&".join(head + own + tail)))
        everything = [part for parts in encoded.values() for part in parts]
        toggle = everything if is_expanded else [*everything, urlencode({"facet": name})]
        result.append(
            FacetGroup(
                name,
                facet.label,
                links,
                hidden=(
                    None
                    if facet.distinct is None
                    else max(facet.distinct, len(facet.values)) - len(links)
                ),
                expanded=is_expanded,
                toggle_url="?" + "&".join(toggle) + f"#facet-{name}",
            )
        )
    return result


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def filter_chips(params: QueryDict, filterset) -> list[Chip]:
    """The active filters, each with a link removing it."""
    chips = []
    form = filterset.form
    for name in [
        "agenda",
        "topic",
        "body",
        "session",
        "sc_year",
        "state",
        "language",
        "type",
        "year",
        "claims",
    ]:
        label = form.fields[name].label
        for value in params.getlist(name):
            if value:
                shown = _chip_value(form, name, value)
                chips.append(
                    Chip(
                        _("%(label)s: %(value)s") % {"label": label, "value": shown},
                        "?" + _toggled(params, name, value),
                    )
                )
    for name in ["date", "letter_date"]:
        label = form.fields[name].label
        for suffix in ("after", "before"):
            key = f"{name}_{suffix}"
            value = params.get(key)
            if value:
                word = _("from") if suffix == "after" else _("until")
                chips.append(
                    Chip(f"{label} {word} {value}", "?" + query_string_without(params, key, "page"))
                )
    return chips


def _chip_value(form, name: str, value: str) -> str:
    """A filter's value as the reader knows it: an agenda item's title, a topic's or a
    state's name, a language's name; the value itself otherwise."""
    if name == "agenda":
        match = AGENDA_PATTERN.match(value)
        item = match and getattr(form, "agenda_items", {}).get(
            f"{int(match[1])}-{int(match[2])}{match[3].lower()}"
        )
        if item:
            return _("%(title)s (session %(session)s, item %(label)s)") % {
                "title": readable_caps(item.title(get_language() or "en")),
                "session": item.ga_session,
                "label": item.label,
            }
    if name == "topic":
        return Topic.objects.filter(slug=value).values_list("name", flat=True).first() or value
    if name == "state":
        state = getattr(form, "states", {}).get(value.strip().upper())
        return str(state) if state else value
    choices = getattr(form.fields[name], "choices", None)
    if choices:
        return str(dict(choices).get(value, value))
    return value
