"""Short function views over querysets and the search entry point."""

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from archive.histogram import month_histogram
from archive.listing import list_letters_under_items, list_queryset
from archive.models import (
    AgendaItem,
    IncidentClaim,
    Letter,
    LetterAgendaItem,
    LetterSymbol,
    MemberState,
    Topic,
)
from archive.parsing.symbols import split_symbols
from archive.postgresql.expressions import EqualsAny
from archive.reading import letter_for_page, letter_page_context
from archive.results import feed_url, query_string_without, results_page
from archive.search import visible_letters
from archive.state_claims import state_claims
from archive.timeline import claims_timeline


def letter_list(request):
    """The filtered list: every filter of the search page, newest first, no facets. Words
    make it a search: /?q=mines goes to /search/?q=mines."""
    if request.GET.get("q", "").strip():
        return redirect(f"{reverse('search')}?{request.GET.urlencode()}")
    return results_page(request, template="archive/letter_list.html", with_search=False)


def search(request):
    """/search/?q=...: ranked hits with snippets, facets, filters; a symbol goes to its letter."""
    query = request.GET.get("q", "")
    symbols = split_symbols(query) if 0 < len(query) <= 100 else []
    if symbols:
        found = (
            LetterSymbol.objects.filter(
                lookup__in=[s.upper() for s in symbols],
                letter__in=visible_letters(),
            )
            .select_related("letter")
            .first()
        )
        if found:
            return redirect(found.letter.get_absolute_url())
    return results_page(request, template="archive/search.html", with_search=True)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says."""
    return redirect(static("archive/favicon.svg"), permanent=True)


def letter_by_symbol(request, symbol):
    """The permalink of a letter is its first symbol; its other symbol redirects there."""
    # A symbol names one letter at most (its look-up is unique): no order to sort by.
    letter = letter_for_page(visible_letters().filter(symbols__lookup=symbol.upper()))
    if letter is None:
        raise Http404(
            _("No letter with the symbol %(symbol)s is in the archive.") % {"symbol": symbol}
        )
    canonical = letter.get_absolute_url()
    if request.path != canonical:
        return _redirect_keeping_query(request, canonical)
    return render(request, "archive/letter_detail.html", letter_page_context(request, letter))


def letter_by_id(request, pk):
    """Stable permalink for a letter whose symbols are unknown; redirects once they are known."""
    letter = letter_for_page(visible_letters().filter(pk=pk))
    if letter is None:
        raise Http404(_("No letter %(id)s is in the archive.") % {"id": pk})
    canonical = letter.get_absolute_url()
    if request.path != canonical:
        return _redirect_keeping_query(request, canonical)
    return render(request, "archive/letter_detail.html", letter_page_context(request, letter))


def _redirect_keeping_query(request, url):
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url, permanent=True)


def sessions_index(request):
    """Every GA session with its agenda items and letters counted."""
    sessions = (
        visible_letters()
        .exclude(ga_session=None)
        .values("ga_session")
        .annotate(letters=Count("id"))
        .order_by("-ga_session")
    )
    return render(request, "archive/sessions_index.html", {"sessions": sessions})


def session_detail(request, session):
    """A GA session: its agenda items with letter counts, newest letters of the session."""
    items = list(
        AgendaItem.objects.filter(ga_session=session)
        .annotate(letters=agenda_item_letter_counts())
        .order_by("number", "sub_item")
    )
    results = list_queryset(visible_letters().filter(ga_session=session), per_page=10)
    if not items and not results.hits:
        raise Http404(_("The archive holds no letter of this session."))
    return render(
        request,
        "archive/session_detail.html",
        {"session": session, "items": items, "results": results},
    )


def agenda_item_detail(request, session, item):
    number, sub_item = _split_item_label(item)
    agenda_item = get_object_or_404(
        AgendaItem.objects.select_related("topic"),
        ga_session=session,
        number=number,
        sub_item=sub_item,
    )
    # The item's links carry their letter's date: the histogram reads the index alone.
    links = _only_visible(LetterAgendaItem.objects.filter(agenda_item=agenda_item))
    results = list_letters_under_items(
        [agenda_item.pk], page=_page_number(request), exact=request.GET.get("exact") == "1"
    )
    return render(
        request,
        "archive/agenda_item_detail.html",
        {
            "agenda_item": agenda_item,
            "histogram": month_histogram(links),
            "timeline": claims_timeline(
                # Of the visible letters only, as `links` are.
                IncidentClaim.objects.filter(
                    EqualsAny(F("letter_id"), ArraySubquery(links.order_by().values("letter_id")))
                )
            ),
            "search_url": f"/search/?agenda={agenda_item.ga_session}-{item}",
            "feed_url": feed_url(f"agenda={agenda_item.ga_session}-{item}"),
            **_browse_results(request, results),
        },
    )


def _browse_results(request, results) -> dict:
    """`results` for the browse pages' templates, with the links they need: other pages, and
    the exact count when the total is estimated."""
    return {
        "results": results,
        "page_query": query_string_without(request.GET, "page"),
        "exact_url": "?" + query_string_without(request.GET, "page", "exact") + "&exact=1",
    }


def _split_item_label(label: str) -> tuple[int, str]:
    """ "40" -> (40, ""); "68b" -> (68, "b")."""
    digits = label.rstrip("abcdefghijklmnopqrstuvwxyz")
    # isascii: str.isdigit() also takes "²", which int() refuses (a 500 found by make fuzz).
    if (
        not (digits.isascii() and digits.isdigit())
        or len(label) - len(digits) > 1
        or len(digits) > 4
    ):
        raise Http404(_("No such agenda item."))
    return int(digits), label[len(digits) :]


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    # Each item linked and named here rather than with {% url %} and {% blocktranslate %} in
    # the template's loop: a topic has up to 80 items (about a third of the page's time).
    items = [
        (
            item.get_absolute_url(),
            _("Item %(label)s, session %(session)s")
            % {"label": item.label, "session": item.ga_session},
        )
        for item in topic.agenda_items.order_by("-ga_session")
    ]
    return render(
        request,
        "archive/topic_detail.html",
        {
            "topic": topic,
            "items": items,
            "feed_url": feed_url(f"topic={topic.slug}"),
            **_browse_results(
                request,
                list_letters_under_items(
                    topic.agenda_items.values("pk"),
                    page=_page_number(request),
                    exact=request.GET.get("exact") == "1",
                ),
            ),
        },
    )


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else 1


def states_index(request):
    """Every state the archive knows, with the letters it sent and the claims naming it."""
    states = MemberState.objects.annotate(letters=letters_sent_counts()).order_by("short_en")
    return render(request, "archive/states_index.html", {"states": states})


def topics_index(request):
    """Every topic (an agenda item across sessions), with its items and letters counted."""
    topics = Topic.objects.annotate(
        items=_count(AgendaItem.objects.filter(topic=OuterRef("pk")), "pk"),
        letters=topic_letter_counts(),
    ).order_by("name")
    return render(request, "archive/topics_index.html", {"topics": topics})


# The index pages count per state and per topic with one correlated count each (a few hundred
# states, a few dozen topics), every one answered from an index alone: never a join and GROUP
# BY over every letter of the archive, which grows with it (0.44 s at 100 000 letters).


def _count(queryset, field: str, *, distinct: bool = False):
    """COUNT over a correlated queryset, as a subquery: not an aggregate, so no GROUP BY."""
    template = "COUNT(DISTINCT %(expressions)s)" if distinct else "COUNT(%(expressions)s)"
    counted = Func(F(field), template=template, output_field=IntegerField())
    return Subquery(queryset.order_by().values(n=counted))


def _only_visible(rows: QuerySet) -> QuerySet:
    """`rows` (with a `letter_id`) of the letters visible_letters() shows: less those of the
    hidden letters (an empty index in the real archive), rather than joined to the visible
    ones, a look-up of every letter's row (an agenda item of 6 300 letters at a million:
    19 ms of its page's month histogram)."""
    hidden = _hidden_letters()
    if hidden is None:
        return rows
    return rows.exclude(Exists(hidden.filter(pk=OuterRef("letter_id"))))


def _hidden_letters():
    """The letters visible_letters() leaves out (its rule; tests/test_index_counts.py checks
    the counts against it): the synthetic ones, unless the benchmark shows them. The real
    archive has none, so subtracting them reads an empty index (letter_synthetic) instead of
    every letter's row."""
    if getattr(settings, "ARCHIVE_SHOW_SYNTHETIC", False):
        return None
    return Letter.objects.filter(is_synthetic=True)


def letters_sent_counts():
    """Letters each state sent: index-only counts on letter_state_newest (its sender column
    leads), less the hidden ones of that state."""
    sent = _count(Letter.objects.filter(sender_state=OuterRef("pk")), "pk")
    hidden = _hidden_letters()
    if hidden is None:
        return sent
    return sent - _count(hidden.filter(sender_state=OuterRef("pk")), "pk")


def agenda_item_letter_counts():
    """Letters filed under each agenda item, from the links' index alone (agenda_item_letters),
    less the hidden letters. Counting the links whose letter is among the visible ones made
    PostgreSQL compare each link with every letter: minutes for a session at a million."""
    links = _only_visible(LetterAgendaItem.objects.filter(agenda_item=OuterRef("pk")))
    return _count(links, "letter_id")


def topic_letter_counts():
    """Letters filed under each topic's agenda items (a letter under two of them once), from
    the links' index alone, less the hidden letters."""
    links = _only_visible(LetterAgendaItem.objects.filter(agenda_item__topic=OuterRef("pk")))
    return _count(links, "letter_id", distinct=True)


def state_detail(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    claims_made, claims_against = state_claims(state)
    return render(
        request,
        "archive/state_detail.html",
        {
            "state": state,
            "feed_url": feed_url(f"state={state.iso3}"),
            "timeline": claims_timeline(
                _only_visible(
                    IncidentClaim.objects.filter(Q(claimant=state) | Q(accused_state=state))
                )
            ),
            "claims_against": claims_against,
            "claims_made": claims_made,
            **_browse_results(
                request,
                list_queryset(
                    visible_letters().filter(sender_state=state),
                    page=_page_number(request),
                    exact=request.GET.get("exact") == "1",
                ),
            ),
        },
    )
