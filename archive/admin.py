from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import connection
from django.db.models import F
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from archive import upload
from archive.labels import incident_kind
from archive.listing import symbols_in_order
from archive.models import (
    PERMALINK_SYMBOL,
    AgendaItem,
    Annex,
    IncidentClaim,
    Letter,
    LetterAgendaItem,
    LetterSymbol,
    LetterText,
    MemberState,
    Signatory,
    SourceFile,
    Topic,
)
from archive.postgresql.expressions import BigIntArray, EqualsAny
from archive.search import InvalidSearch, SearchUnavailable, matching_letter_ids


@admin.register(MemberState)
class MemberStateAdmin(admin.ModelAdmin):
    list_display = ["short_en", "iso3", "name_fr", "un_status"]
    list_filter = ["un_status"]
    search_fields = ["iso3", "name_en", "name_fr", "short_en"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["ga_session", "label", "topic", "titles"]
    list_filter = ["ga_session"]
    search_fields = ["titles", "topic__name"]
    autocomplete_fields = ["topic"]


class LetterSymbolInline(admin.TabularInline):
    model = LetterSymbol
    fields = ["symbol", "position"]
    extra = 0


class LetterAgendaItemInline(admin.TabularInline):
    model = LetterAgendaItem
    autocomplete_fields = ["agenda_item"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agenda_item")


class LetterTextInline(admin.StackedInline):
    model = LetterText
    fields = ["language", "title", "source_name", "source_sha256", "parser_version"]
    readonly_fields = ["source_name", "source_sha256", "parser_version"]
    show_change_link = True
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0


def record_claim_review(request, claim: IncidentClaim, changed_data: list[str]) -> None:
    """An editor changed a claim: note who and when; an edited extraction is "corrected"."""
    if not changed_data:
        return
    if "review_status" not in changed_data:
        claim.review_status = IncidentClaim.Review.CORRECTED
    claim.reviewed_by = request.user
    claim.reviewed_at = timezone.now()


class ClaimInline(admin.TabularInline):
    model = IncidentClaim
    fields = ["kind", "claimant_name", "accused_name", "killed", "injured", "review_status"]
    readonly_fields = ["claimant_name"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claimant")


class ReviewQueueFilter(admin.SimpleListFilter):
    """The editors' queue: letters with fields the parser could not read with confidence,
    not yet reviewed. Each choice shows its exact count."""

    title = _("review")
    parameter_name = "review"

    def lookups(self, request, model_admin):
        # Counted from the partial indexes letter_needs_review and letter_reviewed (small
        # parts of the archive) and the count of every letter, which the list makes anyway:
        # one aggregate over every letter's row took 45 ms at 100 000 letters.
        letters = Letter.objects.order_by()
        reviewed = letters.filter(reviewed_at__isnull=False).count()
        counts = {
            "needs": letters.filter(needs_review=True, reviewed_at__isnull=True).count(),
            "reviewed": reviewed,
            "unreviewed": letters.count() - reviewed,
        }
        return [
            ("needs", _("Needs review (%(count)d)") % {"count": counts["needs"]}),
            (
                "unreviewed",
                _("Read automatically, not reviewed (%(count)d)") % {"count": counts["unreviewed"]},
            ),
            ("reviewed", _("Reviewed by an editor (%(count)d)") % {"count": counts["reviewed"]}),
        ]

    def queryset(self, request, queryset):
        if self.value() == "needs":
            return queryset.filter(needs_review=True, reviewed_at__isnull=True)
        if self.value() == "unreviewed":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "reviewed":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


class SessionFilter(admin.SimpleListFilter):
    """The General Assembly sessions letters belong to, found by ~80 look-ups in the index
    letter_session_newest (each the next session after the last) rather than Django's
    DISTINCT over every letter (15 ms at 100 000 letters, growing with the archive)."""

    title = _("GA session")
    parameter_name = "ga_session"

    SESSIONS_SQL = """
        WITH RECURSIVE session(number) AS (
            SELECT min(ga_session) FROM archive_letter
            UNION ALL
            SELECT (SELECT min(ga_session) FROM archive_letter WHERE ga_session > number)
            FROM session WHERE number IS NOT NULL
        )
        SELECT number FROM session WHERE number IS NOT NULL
    """

    def lookups(self, request, model_admin):
        with connection.cursor() as cursor:
            cursor.execute(self.SESSIONS_SQL)
            return [(str(number), str(number)) for (number,) in cursor.fetchall()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            return queryset.filter(ga_session=int(self.value()))
        except ValueError:
            return queryset.none()


# The parser's names of the fields it could not read (archive.parsing.readings), as the
# queue names them to an editor in the interface language.
PARSED_FIELDS = {
    "symbols": _("Symbols"),
    "distribution_date": _("Distribution date"),
    "original_language": _("Original language"),
    "ga_session": _("GA session"),
    "sc_year": _("SC year"),
    "agenda_items": _("Agenda items"),
    "title": _("Title"),
    "letter_date": _("Letter date"),
    "addressees": _("Addressees"),
    "sender_person": _("Sender"),
    "sender_role": _("Sender's role"),
    "sender_state": _("Sender state"),
}


def _field_names(names: list[str]) -> str:
    """Field names as an editor reads them, in the interface language ("—" for none)."""
    shown = []
    for name in names:
        if name in PARSED_FIELDS:
            shown.append(str(PARSED_FIELDS[name]))
        else:
            try:
                shown.append(str(Letter._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                shown.append(name)
    return ", ".join(shown) or "—"


class SymbolSearch:
    """An editor's search that starts like a document symbol (A/75/780, s/2025/6) finds the
    letters whose symbols begin with it through the symbols' index (their look-up form is
    upper case); other words search the fields as Django does (a scan: at 100 000 letters a
    symbol searched so took ~1.8 s). The changelists count their rows once, not also the
    whole table (show_full_result_count)."""

    symbol_lookup = "symbols__lookup"
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if PERMALINK_SYMBOL.fullmatch(term):
            symbols = queryset.filter(**{f"{self.symbol_lookup}__startswith": term.upper()})
            # A letter has several symbols: two of them may begin alike.
            return symbols, True
        return self.search_words(request, queryset, search_term)

    def search_words(self, request, queryset, search_term):
        """A search that is not a symbol: Django's, over search_fields."""
        return super().get_search_results(request, queryset, search_term)


@admin.register(Letter)
class LetterAdmin(SymbolSearch, admin.ModelAdmin):
    """Editors search letters as readers do: by symbol (SymbolSearch), else through the
    search engine, every letter its query matches (text, title, names, in any language),
    given to PostgreSQL as one array; Django's own field search (a scan of every letter
    and version) only when the engine cannot answer."""

    # Newest first, undated last: the order of the index letter_newest, so a page of the list
    # is read from it (the model's order puts undated letters first: every letter was sorted,
    # 80 ms at 100 000).
    ordering = [F("distribution_date").desc(nulls_last=True), F("id").desc()]
    list_display = [
        "__str__",
        "doc_type",
        "distribution_date",
        "sender_state",
        "ga_session",
        "review_state",
    ]
    list_filter = [
        ReviewQueueFilter,
        "doc_type",
        "bodies",
        SessionFilter,
        "original_language",
        "is_synthetic",
    ]
    search_fields = ["symbols__lookup", "sender_person", "sender_state__name_en", "texts__title"]
    date_hierarchy = "distribution_date"
    autocomplete_fields = ["sender_state"]
    readonly_fields = [
        "fingerprint",
        "created_at",
        "updated_at",
        "reviewed_by",
        "reviewed_at",
        "edited_by_editor",
        "read_without_confidence",
        "import_differences",
    ]
    exclude = ["edited_fields", "uncertain_fields"]
    actions = ["mark_reviewed"]
    inlines = [
        LetterSymbolInline,
        LetterAgendaItemInline,
        LetterTextInline,
        SignatoryInline,
        ClaimInline,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("sender_state")
            .prefetch_related(symbols_in_order())
        )

    def search_words(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            # Synthetic letters too: the admin lists them (is_synthetic filter).
            ids = matching_letter_ids(term, None, include_synthetic=True)
        except (InvalidSearch, SearchUnavailable):
            return super().search_words(request, queryset, search_term)
        if not queryset.query.where:
            # Nothing else narrows the list: its letters are the engine's, and so are their
            # years (archive.templatetags.letter_admin).
            request.letters_found_by_words = term
        return queryset.filter(EqualsAny(F("pk"), BigIntArray(ids))), False

    def get_urls(self):
        # Before the default URLs: "<path:object_id>/" would swallow "upload/".
        return [
            path(
                "upload/",
                self.admin_site.admin_view(self.upload_view),
                name="archive_letter_upload",
            ),
            path(
                "upload/<str:sha256>/",
                self.admin_site.admin_view(self.review_view),
                name="archive_letter_upload_review",
            ),
            path(
                "upload/<str:sha256>/discard/",
                self.admin_site.admin_view(upload.discard_upload),
                name="archive_letter_upload_discard",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request):
        return upload.upload_letters(request, self.admin_site)

    def review_view(self, request, sha256):
        return upload.review_upload(request, sha256, self.admin_site)

    @admin.display(description=_("fields an editor entered or corrected"))
    def edited_by_editor(self, letter: Letter) -> str:
        return _field_names(letter.edited_fields)

    @admin.display(description=_("fields read without confidence"))
    def read_without_confidence(self, letter: Letter) -> str:
        return _field_names(letter.uncertain_fields)

    @admin.display(description=_("review"))
    def review_state(self, letter: Letter) -> str:
        if letter.is_reviewed:
            return _("reviewed")
        if letter.needs_review:
            return _("needs review: %(fields)s") % {"fields": _field_names(letter.uncertain_fields)}
        return _("not reviewed")

    def save_model(self, request, obj, form, change):
        # An editor's change is theirs: imports never overwrite these fields again.
        if change and form.changed_data:
            obj.edited_fields = sorted(set(obj.edited_fields) | set(form.changed_data))
            obj.reviewed_by = request.user
            obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark the selected letters as reviewed"), permissions=["change"])
    def mark_reviewed(self, request, queryset):
        count = queryset.filter(reviewed_at__isnull=True).update(
            reviewed_by=request.user, reviewed_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%d letter marked reviewed.", "%d letters marked reviewed.", count) % count,
            messages.SUCCESS,
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is IncidentClaim:
            for claim_form in formset.forms:
                if claim_form.instance.pk and claim_form not in formset.deleted_forms:
                    record_claim_review(request, claim_form.instance, claim_form.changed_data)
        super().save_formset(request, form, formset, change)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_upload": upload.can_upload(request.user)}
        return super().changelist_view(request, extra_context)


class AnnexInline(admin.StackedInline):
    model = Annex
    extra = 0


class TextChangeList(ChangeList):
    """The list of versions reads none of their texts (tens of kilobytes each)."""

    def get_queryset(self, request, exclude_parameters=None):
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .defer("masthead", "body", "full_text", "annexes_text")
        )


@admin.register(LetterText)
class LetterTextAdmin(SymbolSearch, admin.ModelAdmin):
    list_display = ["__str__", "language", "title", "source_name"]
    list_filter = ["language"]
    search_fields = ["letter__symbols__lookup", "title"]
    symbol_lookup = "letter__symbols__lookup"
    # The newest letters' versions first, from the index one_text_per_language (the model's
    # order, by letter, sorted every version by its letter's date: 117 ms at 100 000).
    ordering = ["-letter_id", "language"]
    readonly_fields = ["letter", "source_sha256", "parser_version", "full_text"]
    exclude = ["annexes_text", "symbols_text"]
    inlines = [AnnexInline]

    def get_changelist(self, request, **kwargs):
        return TextChangeList

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("letter")
            .prefetch_related(symbols_in_order("letter__"))
        )


class KindFilter(admin.SimpleListFilter):
    """The kinds of incident the claims have, named in the interface language."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = model_admin.get_queryset(request).order_by("kind").values_list("kind", flat=True)
        return [(kind, incident_kind(kind)) for kind in kinds.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(IncidentClaim)
class IncidentClaimAdmin(SymbolSearch, admin.ModelAdmin):
    list_display = [
        "kind_shown",
        "claimant_name",
        "accused_name",
        "date",
        "killed",
        "injured",
        "confidence",
        "review_status",
        "letter",
    ]
    list_filter = ["review_status", "confidence", KindFilter, "claimant"]
    search_fields = ["quote", "kind", "accused_name", "place", "letter__symbols__lookup"]
    readonly_fields = [
        "letter",
        "letter_text",
        "annex",
        "quote",
        "quote_start",
        "quote_end",
        "found_by",
        "reviewed_by",
        "reviewed_at",
    ]
    autocomplete_fields = ["claimant", "accused_state"]
    list_select_related = ["claimant", "letter"]
    actions = ["confirm", "reject"]
    symbol_lookup = "letter__symbols__lookup"
    # The newest letters' claims first, each letter's in the order of its text, from the
    # index claim_letter (the model's order, by letter then annex, sorted every claim).
    ordering = ["-letter_id", "quote_start"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(symbols_in_order("letter__"))

    @admin.display(description=_("kind"), ordering="kind")
    def kind_shown(self, claim: IncidentClaim) -> str:
        return incident_kind(claim.kind)

    def save_model(self, request, obj, form, change):
        if change:
            record_claim_review(request, obj, form.changed_data)
        super().save_model(request, obj, form, change)

    # Reviewing is changing: a user who may only view claims gets neither action (Django
    # leaves an action out of the menu, and refuses it if posted, without the permission).
    @admin.action(description=_("Confirm the selected claims as extracted"), permissions=["change"])
    def confirm(self, request, queryset):
        # A corrected claim stays "corrected": confirming it must not hide the correction.
        count = queryset.exclude(review_status=IncidentClaim.Review.CORRECTED).update(
            review_status=IncidentClaim.Review.CONFIRMED,
            reviewed_by=request.user,
            reviewed_at=timezone.now(),
        )
        self.message_user(
            request,
            ngettext("%d claim confirmed.", "%d claims confirmed.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Reject the selected claims (not claims)"), permissions=["change"])
    def reject(self, request, queryset):
        count = queryset.update(
            review_status=IncidentClaim.Review.REJECTED,
            reviewed_by=request.user,
            reviewed_at=timezone.now(),
        )
        self.message_user(
            request,
            ngettext("%d claim rejected.", "%d claims rejected.", count) % count,
            messages.SUCCESS,
        )


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "file_format", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = [*(f.name for f in SourceFile._meta.fields), "download"]

    def get_urls(self):
        return [
            path(
                "<num:pk>/original/",
                self.admin_site.admin_view(self.original_view),
                name="archive_sourcefile_original",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("Original file"))
    def download(self, source: SourceFile):
        if not source.stored_path:
            return "—"
        url = reverse("admin:archive_sourcefile_original", args=[source.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the original"))

    def original_view(self, request, pk):
        """The uploaded original, to staff who may view source files: always a download
        (never shown inline, so a hostile PDF or HTML-in-a-.txt cannot run in the site's
        origin), as application/octet-stream, under a sanitized name."""
        source = get_object_or_404(SourceFile, pk=pk)
        if not self.has_view_permission(request, source):
            raise PermissionDenied
        return upload.original_file_response(source)
