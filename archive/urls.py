from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path, register_converter

from archive import api, api_v1, feeds, health, views
from archive.models import PERMALINK_SYMBOL_PATTERN
from archive.sitemaps import SITEMAPS


class BoundedIntConverter:
    """Like `int`, but at most 9 digits: a larger number names nothing here, and PostgreSQL
    would refuse it as out of range (a 500) instead of the 404 it deserves."""

    regex = "[0-9]{1,9}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(BoundedIntConverter, "num")

# A database that does not answer gets a 503 page that says so (archive/health.py).
handler500 = health.server_error

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("", views.letter_list, name="letter_list"),
    path("search/", views.search, name="search"),
    # Browse: sessions -> agenda items -> letters; topics and states across sessions.
    path("agenda/", views.sessions_index, name="sessions_index"),
    path("agenda/<num:session>/", views.session_detail, name="session_detail"),
    path("agenda/<num:session>/<str:item>/", views.agenda_item_detail, name="agenda_item_detail"),
    path("topics/", views.topics_index, name="topics_index"),
    path("states/", views.states_index, name="states_index"),
    path("topics/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("states/<str:iso3>/", views.state_detail, name="state_detail"),
    path("letters/<num:pk>/", views.letter_by_id, name="letter_by_id"),
    # Machine-readable: the same filters as the pages.
    path("api/v1/", api_v1.urls()),
    path("api/search/", api.search_json, name="api_search"),
    path("api/letters/<num:pk>/", api.letter_json, name="api_letter"),
    path("export/letters.csv", api.letters_csv, name="export_letters"),
    path("export/claims.csv", api.claims_csv, name="export_claims"),
    path("export/letters.jsonl", api.letters_jsonl, name="export_letters_jsonl"),
    path("export/claims.jsonl", api.claims_jsonl, name="export_claims_jsonl"),
    path("export/cite.<str:fmt>", api.results_citation, name="export_citations"),
    path("letters/<num:pk>/cite.<str:fmt>", api.letter_citation, name="letter_citation"),
    # Permalinks are document symbols: /A/75/780/, /S/2021/189/, /S/14938/, /A/49/50/Rev.1/
    re_path(
        rf"^(?P<symbol>{PERMALINK_SYMBOL_PATTERN})/$",
        views.letter_by_symbol,
        name="letter_by_symbol",
    ),
    path("favicon.ico", views.favicon),
    path("feeds/letters/", feeds.letters_feed, name="letters_feed"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap_index"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("admin/", admin.site.urls),
    # set_language: the language switcher in the header posts here.
    path("i18n/", include("django.conf.urls.i18n")),
]
