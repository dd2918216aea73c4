"""The sitemap: every letter's permalink and every browse page, for search engines and
archivists' crawlers. Paginated by Django (letters 10 000 a file), behind /sitemap.xml."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from archive.listing import symbols_in_order
from archive.models import AgendaItem, MemberState, Topic
from archive.search import visible_letters


class LetterSitemap(Sitemap):
    changefreq = "yearly"
    # The protocol allows 50 000 a file; a file of 50 000 letters took ~10 s to write here
    # (the sitemap template, ~0.2 ms a letter): 10 000 keep each file within ~2 s.
    limit = 10_000

    def items(self):
        return visible_letters().order_by("pk").prefetch_related(symbols_in_order())

    def lastmod(self, letter):
        return letter.updated_at

    def get_latest_lastmod(self):
        """None: the index of sitemaps lists the letters' files without a date. Django's
        default reads every letter (and its symbols) for the newest date: at 100 000
        letters, more ids than one statement may carry. Each file dates its own letters."""
        return None


class StateSitemap(Sitemap):
    def items(self):
        return MemberState.objects.order_by("pk")


class TopicSitemap(Sitemap):
    def items(self):
        return Topic.objects.order_by("pk")


class AgendaItemSitemap(Sitemap):
    def items(self):
        return AgendaItem.objects.order_by("pk")


class PageSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["letter_list", "search", "sessions_index", "topics_index", "states_index"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": PageSitemap,
    "letters": LetterSitemap,
    "states": StateSitemap,
    "topics": TopicSitemap,
    "agenda": AgendaItemSitemap,
}
