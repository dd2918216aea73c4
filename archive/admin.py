from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from archive.models import (
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


class LetterTextInline(admin.StackedInline):
    model = LetterText
    fields = ["language", "title", "source_name", "source_sha256", "parser_version"]
    readonly_fields = ["source_name", "source_sha256", "parser_version"]
    show_change_link = True
    extra = 0


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0


class ClaimInline(admin.TabularInline):
    model = IncidentClaim
    fields = ["kind", "claimant_name", "accused_name", "killed", "injured", "review_status"]
    readonly_fields = ["claimant_name"]
    show_change_link = True
    extra = 0


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ["__str__", "doc_type", "distribution_date", "sender_state", "ga_session"]
    list_filter = ["doc_type", "bodies", "ga_session", "original_language", "is_synthetic"]
    search_fields = ["symbols__lookup", "sender_person", "sender_state__name_en", "texts__title"]
    date_hierarchy = "distribution_date"
    autocomplete_fields = ["sender_state"]
    readonly_fields = ["fingerprint", "created_at", "updated_at"]
    inlines = [
        LetterSymbolInline,
        LetterAgendaItemInline,
        LetterTextInline,
        SignatoryInline,
        ClaimInline,
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("sender_state").prefetch_related("symbols")
        )


class AnnexInline(admin.StackedInline):
    model = Annex
    extra = 0


@admin.register(LetterText)
class LetterTextAdmin(admin.ModelAdmin):
    list_display = ["__str__", "language", "title", "source_name"]
    list_filter = ["language"]
    search_fields = ["letter__symbols__lookup", "title"]
    readonly_fields = ["letter", "source_sha256", "parser_version", "full_text"]
    exclude = ["annexes_text", "symbols_text"]
    inlines = [AnnexInline]


@admin.register(IncidentClaim)
class IncidentClaimAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "claimant_name",
        "accused_name",
        "date",
        "killed",
        "injured",
        "confidence",
        "review_status",
        "letter",
    ]
    list_filter = ["review_status", "confidence", "kind", "claimant"]
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
    actions = ["confirm", "reject"]

    def save_model(self, request, obj, form, change):
        if change and form.changed_data and "review_status" not in form.changed_data:
            obj.review_status = IncidentClaim.Review.CORRECTED
        if change and form.changed_data:
            obj.reviewed_by = request.user
            obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Confirm the selected claims as extracted"))
    def confirm(self, request, queryset):
        queryset.update(
            review_status=IncidentClaim.Review.CONFIRMED,
            reviewed_by=request.user,
            reviewed_at=timezone.now(),
        )

    @admin.action(description=_("Reject the selected claims (not claims)"))
    def reject(self, request, queryset):
        queryset.update(
            review_status=IncidentClaim.Review.REJECTED,
            reviewed_by=request.user,
            reviewed_at=timezone.now(),
        )


@admin.register(SourceFile)
class SourceFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "file_format", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "sha256"]
    readonly_fields = [f.name for f in SourceFile._meta.fields]
