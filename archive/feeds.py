"""Atom feeds of new letters for any list or search: /feeds/letters/?<the page's parameters>.
A researcher follows an agenda item (?agenda=80-68), a state (?state=AZE) or a search
(?q=mines) in a feed reader; the feed holds the newest FEED_SIZE letters, newest first."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from archive.citations import Reference, un_citation
from archive.filters import LetterFilter
from archive.labels import row_title
from archive.listing import list_letters, symbols_in_order, with_row_title
from archive.search import SearchTooBroad, search_letters, visible_letters

FEED_SIZE = 50


class LettersFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request):
        return request

    def title(self, request):
        query = request.GET.urlencode()
        if not query:
            return _("UN Letters Archive: new letters")
        return _("UN Letters Archive: new letters for %(query)s") % {"query": query}

    def link(self, request):
        query = request.GET.urlencode()
        return "/search/" + (f"?{query}" if query else "")

    def subtitle(self, request):
        return _("Letters sent to the United Nations, newest first.")

    def items(self, request):
        filterset = LetterFilter(request.GET, queryset=visible_letters())
        filterset.is_valid()  # checked by letters_feed before
        query = filterset.form.cleaned_data.get("q") or ""
        if query:
            page = search_letters(query, filterset, sort="newest", per_page=FEED_SIZE)
        else:
            page = list_letters(filterset, sort="newest", per_page=FEED_SIZE)
        ids = [hit.letter.pk for hit in page.hits]
        letters = with_row_title(
            visible_letters().filter(pk__in=ids).select_related("sender_state")
        ).prefetch_related(symbols_in_order())
        by_id = {letter.pk: letter for letter in letters}
        return [by_id[pk] for pk in ids if pk in by_id]

    def item_title(self, letter):
        return f"{letter}: {row_title(letter).text}"

    def item_description(self, letter):
        title = row_title(letter)
        return un_citation_of(letter, title.text)

    def item_link(self, letter):
        return letter.get_absolute_url()

    def item_pubdate(self, letter):
        day = letter.distribution_date or letter.letter_date
        if day is None:
            return letter.created_at
        return datetime.combine(day, time(12), tzinfo=UTC)

    def item_updateddate(self, letter):
        return letter.updated_at

    def item_author_name(self, letter):
        return str(letter.sender_state or "") or letter.sender_state_printed or None


def un_citation_of(letter, title: str) -> str:
    return un_citation(
        Reference(
            key="",
            title=title,
            symbols=letter.symbol_list,
            author="",
            issued=letter.distribution_date,
            language="",
            url="",
        )
    )


_feed = LettersFeed()


def letters_feed(request):
    """The feed, or a 400 naming what is wrong with the parameters (never an empty feed)."""
    filterset = LetterFilter(request.GET, queryset=visible_letters())
    if not filterset.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in filterset.form.errors.items()
        )
        return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
    try:
        return _feed(request)
    except SearchTooBroad:
        return HttpResponseBadRequest(
            _("This search took too long. Add a filter or a more specific word."),
            content_type="text/plain; charset=utf-8",
        )
