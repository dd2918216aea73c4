"""The archive's records. Reads live in QuerySet methods; writes go through archive.ingest.

Scale: about a million letter texts in six languages. Every list is served by an index named
below with the query that uses it.
"""

import re
from functools import cache

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from archive.labels import incident_kind

# Historical migrations 0004 and 0005 name archive.models.RankingVector.
from archive.search_vector import RankingVector  # noqa: F401

LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("zh", _("Chinese")),
]


class MemberState(models.Model):
    """A state (or observer) as the UN names it, keyed by ISO 3166 alpha-3."""

    class Status(models.TextChoices):
        MEMBER = "member", _("Member State")
        OBSERVER = "observer", _("Observer State")
        OTHER = "other", _("Other")

    iso3 = models.CharField(_("ISO 3166 code"), max_length=3, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    short_en = models.CharField(_("short name"), max_length=100)
    aliases = ArrayField(
        models.CharField(max_length=200), default=list, blank=True, verbose_name=_("aliases")
    )
    un_status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OTHER, verbose_name=_("UN status")
    )

    class Meta:
        verbose_name_plural = _("member states")
        ordering = ["short_en"]
        verbose_name = _("member state")

    def __str__(self):
        # The state's name in the interface language, where the archive has it.
        if get_language() == "fr" and self.name_fr:
            return self.name_fr
        return self.short_en

    def get_absolute_url(self):
        return reverse("state_detail", args=[self.iso3])


class Topic(models.Model):
    """What an agenda item is about across sessions: its number changes, the topic does not."""

    name = models.CharField(max_length=500, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=200, unique=True, verbose_name=_("slug"))

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topic_detail", args=[self.slug])


class AgendaItem(models.Model):
    """An item of one General Assembly session's agenda (or preliminary list)."""

    ga_session = models.PositiveSmallIntegerField(_("GA session"))
    number = models.PositiveSmallIntegerField(_("item number"))
    sub_item = models.CharField(max_length=2, blank=True, verbose_name=_("sub-item"))
    titles = models.JSONField(_("titles by language"), default=dict, blank=True)
    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
        verbose_name=_("topic"),
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["ga_session", "number", "sub_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["ga_session", "number", "sub_item"], name="agenda_item_unique_per_session"
            ),
        ]

    def __str__(self):
        return _("Item %(label)s (session %(session)s)") % {
            "label": self.label,
            "session": self.ga_session,
        }

    def get_absolute_url(self):
        return reverse(
            "agenda_item_detail", args=[self.ga_session, f"{self.number}{self.sub_item}"]
        )

    @property
    def label(self) -> str:
        return f"{self.number} ({self.sub_item})" if self.sub_item else str(self.number)

    def title(self, language: str = "en") -> str:
        return title_in(self.titles, language)


def title_in(titles: dict, language: str = "en") -> str:
    """An agenda item's title (its `titles` by language) in the wanted language, else
    English, else any language it has."""
    return titles.get(language) or titles.get("en") or next(iter(titles.values()), "")


class LetterQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_synthetic=False)

    def for_detail(self):
        return self.select_related("sender_state").prefetch_related(
            "symbols",
            "agenda_links__agenda_item",
            "signatories",
            models.Prefetch("texts", queryset=LetterText.objects.order_by("language")),
            "texts__annexes",
        )

    def by_symbol(self, symbol: str):
        return self.filter(symbols__lookup=symbol.upper())


# A letter's permalink is its first symbol (archive.urls, letter_by_symbol).
PERMALINK_SYMBOL_PATTERN = r"[AaSs]/[0-9A-Za-z.\-/]+?"
PERMALINK_SYMBOL = re.compile(PERMALINK_SYMBOL_PATTERN)


class NamedBySymbols:
    """A letter's name and address, from its symbols: the Letter model and the rows read
    without it by raw SQL (list rows, search hits) share them. Needs `pk`, `symbol_list`
    and `doc_type` (Letter's own get_doc_type_display, made by Django, comes first)."""

    @property
    def symbol(self) -> str:
        """The joint symbol as the UN prints it: A/80/434–S/2025/632."""
        return "–".join(self.symbol_list)

    def __str__(self):
        return self.symbol or _("Letter %(id)s (symbol unknown)") % {"id": self.pk}

    def get_absolute_url(self):
        symbols = self.symbol_list
        if symbols and PERMALINK_SYMBOL.fullmatch(symbols[0]):
            # What reverse("letter_by_symbol") gives, in a fifth of its time (a list page
            # asks it for every row): such a symbol needs no quoting in a path.
            return f"{get_script_prefix()}{symbols[0]}/"
        if symbols:
            return reverse("letter_by_symbol", args=[symbols[0]])
        return reverse("letter_by_id", args=[self.pk])

    def get_doc_type_display(self) -> str:
        return str(_doc_type_labels().get(self.doc_type, self.doc_type))


@cache
def _doc_type_labels() -> dict:
    """Document type -> its label (lazy: translated when shown)."""
    return dict(Letter.DocType.choices)


class Letter(NamedBySymbols, models.Model):
    """One UN document: a letter, identical letters or a note verbale, in all its languages."""

    class DocType(models.TextChoices):
        LETTER = "letter", _("Letter")
        IDENTICAL_LETTERS = "identical_letters", _("Identical letters")
        NOTE_VERBALE = "note_verbale", _("Note verbale")

    class Bodies(models.TextChoices):
        GA = "GA", _("General Assembly")
        SC = "SC", _("Security Council")
        GA_SC = "GA_SC", _("General Assembly and Security Council")

    doc_type = models.CharField(
        max_length=20,
        choices=DocType.choices,
        default=DocType.LETTER,
        verbose_name=_("document type"),
    )
    bodies = models.CharField(max_length=5, choices=Bodies.choices, verbose_name=_("bodies"))
    ga_session = models.PositiveSmallIntegerField(_("GA session"), null=True, blank=True)
    sc_year = models.PositiveSmallIntegerField(
        _("SC year"), null=True, blank=True, help_text=_("The ordinal printed: 80 for 2025.")
    )
    distribution_date = models.DateField(null=True, blank=True, verbose_name=_("distribution date"))
    letter_date = models.DateField(null=True, blank=True, verbose_name=_("letter date"))
    original_language = models.CharField(
        max_length=2, choices=LANGUAGES, blank=True, verbose_name=_("original language")
    )
    sender_person = models.CharField(max_length=200, blank=True, verbose_name=_("sender"))
    sender_role = models.CharField(max_length=200, blank=True, verbose_name=_("sender's role"))
    sender_state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters_sent",
        verbose_name=_("sender state"),
        db_index=False,  # letter_sender_newest and letter_state_newest lead with it
    )
    sender_state_printed = models.CharField(
        max_length=200, blank=True, verbose_name=_("sender state as printed")
    )
    addressees = ArrayField(
        models.CharField(max_length=200), default=list, blank=True, verbose_name=_("addressees")
    )
    # Identity of a letter whose symbols are unknown (the French seed letter): a hash of what
    # does not change when its text is corrected. Null once symbols are known.
    fingerprint = models.CharField(
        max_length=64, null=True, blank=True, unique=True, verbose_name=_("fingerprint")
    )
    is_synthetic = models.BooleanField(
        default=False,
        help_text=_("Generated for benchmarks; never part of the real archive."),
        verbose_name=_("synthetic"),
    )
    # Provenance. A letter an editor reviewed (saved from the upload review, or changed in the
    # admin) is never changed by an import again: what a re-import would change is kept in
    # import_differences for the editor, not applied. edited_fields names the fields an editor
    # entered or corrected.
    reviewed_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    edited_fields = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("fields an editor entered or corrected"),
    )
    import_differences = models.JSONField(
        default=list,
        blank=True,
        help_text=_("What the last import of a file would have changed; not applied."),
        verbose_name=_("what a re-import would change"),
    )
    # The parser's confidence: fields it could not read with confidence (left empty, never
    # guessed) put the letter in the editors' "needs review" queue; field_readings keeps, per
    # field, the confidence and the span of the text it was read from.
    needs_review = models.BooleanField(_("needs review"), default=False)
    uncertain_fields = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        verbose_name=_("fields read without confidence"),
    )
    field_readings = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("where each field was read")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = LetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        ordering = ["-distribution_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ga_session__isnull=True) | Q(ga_session__gte=1),
                name="letter_ga_session_positive",
            ),
        ]
        indexes = [
            # The list page: newest first, real letters only.
            models.Index(
                fields=["-distribution_date", "-id"],
                condition=Q(is_synthetic=False),
                name="letter_public_newest",
            ),
            models.Index(fields=["letter_date"], name="letter_letter_date"),
            # The admin's "needs review" queue: a small part of the archive.
            models.Index(
                fields=["-distribution_date"],
                condition=Q(needs_review=True),
                name="letter_needs_review",
            ),
            # The letters an editor has reviewed, counted by the admin's review filter.
            models.Index(
                fields=["id"], condition=Q(reviewed_at__isnull=False), name="letter_reviewed"
            ),
            models.Index(
                fields=["sender_state", "-distribution_date"], name="letter_sender_newest"
            ),
            # Search sorted by date and the SC-year filter.
            models.Index(fields=["sc_year"], name="letter_sc_year"),
            # The lists (archive.listing) and search.py order newest first with undated letters
            # last: the list page walks this index and stops after one page.
            models.Index(
                F("distribution_date").desc(nulls_last=True), F("id").desc(), name="letter_newest"
            ),
            # A state's page and a session's page: the same order within one state, one session.
            models.Index(
                F("sender_state_id"),
                F("distribution_date").desc(nulls_last=True),
                F("id").desc(),
                name="letter_state_newest",
            ),
            models.Index(
                F("ga_session"),
                F("distribution_date").desc(nulls_last=True),
                F("id").desc(),
                name="letter_session_newest",
            ),
            # The letters visible_letters() hides (synthetic ones; none in the real archive):
            # the states' and topics' counts subtract them from index-only counts.
            models.Index(fields=["id"], condition=Q(is_synthetic=True), name="letter_synthetic"),
        ]

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None

    @property
    def symbol_list(self) -> list[str]:
        return [s.symbol for s in sorted(self.symbols.all(), key=lambda s: s.position)]


class LetterSymbol(models.Model):
    """A document symbol of a letter; a joint GA/SC letter has two, both resolve to it."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="symbols", verbose_name=_("letter")
    )
    symbol = models.CharField(max_length=60, verbose_name=_("symbol"))
    # Upper-cased canonical form: the key of every symbol look-up.
    lookup = models.CharField(max_length=60, unique=True, verbose_name=_("symbol for lookups"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("symbol")
        verbose_name_plural = _("symbols")
        ordering = ["letter", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lookup__regex=r"^[AS]/"), name="symbol_starts_with_body"
            ),
        ]

    def __str__(self):
        return self.symbol

    def save(self, *args, **kwargs):
        self.lookup = self.symbol.upper()
        super().save(*args, **kwargs)


class LetterAgendaItem(models.Model):
    """A letter circulated under an agenda item, in the order the masthead lists them."""

    letter = models.ForeignKey(
        Letter,
        on_delete=models.CASCADE,
        related_name="agenda_links",
        verbose_name=_("letter"),
        db_index=False,  # letter_agenda_item_once leads with it
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.PROTECT,
        related_name="letter_links",
        verbose_name=_("agenda item"),
        db_index=False,  # agenda_item_letters and agenda_item_newest lead with it
    )
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))
    # The letter's distribution date, copied here by database triggers (migration 0090) so an
    # item's letters come newest first from one index, without reading archive_letter (an
    # item's letters cluster in one session's months: walking the letters' own date index for
    # them reads most of the archive). Never written by Python: the triggers set it on every
    # insert and update, and follow a change of the letter's date.
    distribution_date = models.DateField(
        null=True, blank=True, editable=False, verbose_name=_("distribution date")
    )

    class Meta:
        verbose_name = _("agenda item of a letter")
        verbose_name_plural = _("agenda items of letters")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["letter", "agenda_item"], name="letter_agenda_item_once"
            ),
        ]
        indexes = [
            # The agenda-item page and facet: letters under one item.
            models.Index(fields=["agenda_item", "letter"], name="agenda_item_letters"),
            # An item's letters newest first (agenda-item and topic pages, related letters).
            models.Index(
                F("agenda_item_id"),
                F("distribution_date").desc(nulls_last=True),
                F("letter_id").desc(),
                name="agenda_item_newest",
            ),
        ]

    def __str__(self):
        return str(self.agenda_item)


class LetterText(models.Model):
    """One language version of a letter: its text verbatim, and the parts the parser found."""

    letter = models.ForeignKey(
        Letter,
        on_delete=models.CASCADE,
        related_name="texts",
        verbose_name=_("letter"),
        db_index=False,  # one_text_per_language leads with it
    )
    language = models.CharField(max_length=2, choices=LANGUAGES, verbose_name=_("language"))
    title = models.TextField(blank=True, verbose_name=_("title"))
    masthead = models.TextField(blank=True, verbose_name=_("masthead"))
    body = models.TextField(blank=True, verbose_name=_("body"))
    full_text = models.TextField(
        help_text=_("The file's text, verbatim."), verbose_name=_("full text")
    )
    # Symbols and annex texts, denormalised by the write path (archive.ingest).
    symbols_text = models.CharField(
        max_length=200, blank=True, editable=False, verbose_name=_("symbols as printed")
    )
    annexes_text = models.TextField(blank=True, editable=False, verbose_name=_("annexes' text"))
    source_name = models.CharField(max_length=255, blank=True, verbose_name=_("source file name"))
    # Shown to editors, never looked up (an import finds a letter by its identity keys, the
    # original by SourceFile.sha256): no index to write on every import.
    source_sha256 = models.CharField(max_length=64, verbose_name=_("source file SHA-256"))
    # How good the text's source is (archive.ingest.SOURCE_QUALITY): an import never replaces
    # the text of a better source (an official PDF's text layer) with a worse one (a plain
    # .txt, or OCR), unless an editor asks.
    source_format = models.CharField(max_length=5, blank=True, verbose_name=_("source format"))
    source_quality = models.PositiveSmallIntegerField(default=0, verbose_name=_("source quality"))
    parser_version = models.CharField(max_length=20, verbose_name=_("parser version"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("language version")
        verbose_name_plural = _("language versions")
        ordering = ["letter", "language"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "language"], name="one_text_per_language"),
        ]

    def __str__(self):
        return f"{self.letter} ({self.language})"


class Annex(models.Model):
    letter_text = models.ForeignKey(
        LetterText,
        on_delete=models.CASCADE,
        related_name="annexes",
        verbose_name=_("language version"),
        db_index=False,  # annex_order_unique leads with it
    )
    order = models.PositiveSmallIntegerField(verbose_name=_("order"))
    heading = models.TextField(blank=True, verbose_name=_("heading"))
    title = models.TextField(blank=True, verbose_name=_("title"))
    letter_date = models.DateField(null=True, blank=True, verbose_name=_("letter date"))
    author_person = models.CharField(max_length=200, blank=True, verbose_name=_("author"))
    author_role = models.CharField(max_length=200, blank=True, verbose_name=_("author's role"))
    original_language = models.CharField(
        max_length=2, choices=LANGUAGES, blank=True, verbose_name=_("original language")
    )
    text = models.TextField(blank=True, verbose_name=_("text"))

    class Meta:
        ordering = ["letter_text", "order"]
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")
        constraints = [
            models.UniqueConstraint(fields=["letter_text", "order"], name="annex_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="annex_order_from_one"),
        ]

    def __str__(self):
        return self.title or _("Annex %(order)s") % {"order": self.order}

    @property
    def anchor(self) -> str:
        return f"annex-{self.order}"


class Signatory(models.Model):
    """Who signed the letter (annex_order 0) or one of its annexes."""

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("letter")
    )
    name = models.CharField(max_length=200, verbose_name=_("name"))
    role = models.CharField(max_length=200, blank=True, verbose_name=_("role"))
    annex_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("annex"))
    position = models.PositiveSmallIntegerField(default=0, verbose_name=_("position"))

    class Meta:
        verbose_name = _("signatory")
        ordering = ["position"]
        verbose_name_plural = _("signatories")

    def __str__(self):
        return self.name


class LetterCitation(models.Model):
    """A document symbol cited in a letter's text; resolved to a letter at read time."""

    letter = models.ForeignKey(
        Letter,
        on_delete=models.CASCADE,
        related_name="citations",
        verbose_name=_("letter"),
        db_index=False,  # citation_once leads with it
    )
    cited_lookup = models.CharField(max_length=60, verbose_name=_("cited symbol for lookups"))
    cited_symbol = models.CharField(max_length=60, verbose_name=_("cited symbol"))

    class Meta:
        verbose_name = _("cited document")
        verbose_name_plural = _("cited documents")
        constraints = [
            models.UniqueConstraint(fields=["letter", "cited_lookup"], name="citation_once"),
        ]
        indexes = [models.Index(fields=["cited_lookup"], name="citation_cited")]

    def __str__(self):
        return self.cited_symbol


class IncidentClaim(models.Model):
    """An incident a letter claims happened. A claim, attributed to its claimant, never a fact."""

    class Review(models.TextChoices):
        UNREVIEWED = "unreviewed", _("Not yet reviewed")
        CONFIRMED = "confirmed", _("Extraction confirmed by an editor")
        CORRECTED = "corrected", _("Extraction corrected by an editor")
        REJECTED = "rejected", _("Rejected: not a claim")

    class Confidence(models.TextChoices):
        CLEAR = "clear", _("clear")
        BORDERLINE = "borderline", _("borderline")

    class Precision(models.TextChoices):
        DAY = "day", _("day")
        MONTH = "month", _("month")
        YEAR = "year", _("year")

    # Indexed by Meta.indexes (claim_letter), not a second time by the foreign key.
    letter = models.ForeignKey(
        Letter,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("letter"),
        db_index=False,
    )
    letter_text = models.ForeignKey(
        LetterText,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("language version"),
    )
    annex = models.ForeignKey(
        Annex, null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("annex")
    )
    kind = models.CharField(max_length=100, verbose_name=_("kind"))
    claimant = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_made",
        verbose_name=_("claimed by"),
    )
    claimant_name = models.CharField(
        max_length=200, blank=True, verbose_name=_("claimed by (as printed)")
    )
    accused_name = models.CharField(
        max_length=300, blank=True, verbose_name=_("attributed to (as printed)")
    )
    accused_state = models.ForeignKey(
        MemberState,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims_against",
        verbose_name=_("attributed to"),
        db_index=False,  # indexed by Meta.indexes (claim_accused_state)
    )
    date = models.DateField(null=True, blank=True, verbose_name=_("date"))
    period_start = models.DateField(null=True, blank=True, verbose_name=_("period start"))
    period_end = models.DateField(null=True, blank=True, verbose_name=_("period end"))
    date_precision = models.CharField(
        max_length=5, choices=Precision.choices, default="day", verbose_name=_("date precision")
    )
    place = models.CharField(max_length=300, blank=True, verbose_name=_("place"))
    killed = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("killed"))
    killed_civilians = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("civilians killed")
    )
    injured = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("injured"))
    injured_civilians = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("civilians injured")
    )
    victims = models.CharField(max_length=300, blank=True, verbose_name=_("victims"))
    quote = models.TextField(verbose_name=_("quote"))
    quote_start = models.PositiveIntegerField(verbose_name=_("quote start"))
    quote_end = models.PositiveIntegerField(verbose_name=_("quote end"))
    confidence = models.CharField(
        max_length=10, choices=Confidence.choices, default="clear", verbose_name=_("confidence")
    )
    found_by = models.CharField(max_length=50, verbose_name=_("found by"))
    review_status = models.CharField(
        max_length=12,
        choices=Review.choices,
        default=Review.UNREVIEWED,
        verbose_name=_("review status"),
    )
    reviewed_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed at"))

    class Meta:
        verbose_name = _("incident claim")
        verbose_name_plural = _("incident claims")
        ordering = ["letter", "annex__order", "quote_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quote_end__gt=models.F("quote_start")), name="claim_quote_span"
            ),
            models.CheckConstraint(
                condition=Q(killed_civilians__isnull=True)
                | Q(killed__isnull=True)
                | Q(killed_civilians__lte=models.F("killed")),
                name="claim_killed_civilians_le_killed",
            ),
            models.CheckConstraint(
                condition=Q(injured_civilians__isnull=True)
                | Q(injured__isnull=True)
                | Q(injured_civilians__lte=models.F("injured")),
                name="claim_injured_civilians_le_injured",
            ),
        ]
        indexes = [
            models.Index(fields=["accused_state"], name="claim_accused_state"),
            models.Index(fields=["letter"], name="claim_letter"),
        ]

    def __str__(self):
        # In the interface language: the kind, and the claimant state's name where known.
        claimant = self.claimant if self.claimant_id else self.claimant_name
        return _("%(kind)s, claimed by %(claimant)s") % {
            "kind": incident_kind(self.kind),
            "claimant": claimant or _("the sender"),
        }

    @property
    def anchor(self) -> str:
        return f"claim-{self.pk}"


class SourceFile(models.Model):
    """An original file as uploaded or imported, kept with its checksum."""

    sha256 = models.CharField(max_length=64, unique=True, verbose_name=_("SHA-256"))
    original_name = models.CharField(max_length=255, verbose_name=_("original name"))
    stored_path = models.CharField(max_length=255, blank=True, verbose_name=_("stored path"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    file_format = models.CharField(max_length=5, verbose_name=_("file format"))
    letter_text = models.ForeignKey(
        LetterText,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sources",
        verbose_name=_("language version"),
    )
    uploaded_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        verbose_name = _("source file")
        verbose_name_plural = _("source files")
        ordering = ["-uploaded_at"]
        permissions = [("upload_letters", "Can upload letters")]

    def __str__(self):
        return self.original_name


class SearchChange(models.Model):
    """The search index's change log (outbox): a letter whose document must be rebuilt.

    Written only by PostgreSQL triggers (migration 0091) in the transaction that changes the
    letter or one of its rows, whoever the writer; read by archive.search.indexer. `txid` is
    the writing transaction's id, so the indexer can tell what a snapshot had not yet seen.
    No foreign key: the change of a deleted letter must outlive it."""

    letter_id = models.BigIntegerField()
    txid = models.BigIntegerField()
    changed_at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [
            # The indexer's question: changes of transactions at or after a snapshot's xmin.
            models.Index(fields=["txid"], name="searchchange_txid"),
        ]

    def __str__(self):
        return f"letter {self.letter_id} changed by transaction {self.txid}"


class SearchPairWords(models.Model):
    """A language's frequent words, whose adjacent pairs the search index holds (two-word
    phrases of them are one term there: archive.search.schema.PairWords).

    Chosen once, from a sample of the letters, by the first index built on an archive big
    enough (SEARCH_PAIR_WORDS_MIN_LETTERS), and kept here so that every index copy, built
    whenever on whichever machine, holds the same pairs and ranks a phrase alike; a copy
    holding other words rebuilds. They are chosen again by the first rebuild after the
    archive has grown SEARCH_PAIR_WORDS_REGROWTH times (words frequent in its first thousand
    letters may be rare in its millionth), or on request:
    `manage.py search_index rebuild --choose-pair-words`."""

    language = models.CharField(max_length=8, primary_key=True)
    words = models.JSONField(default=list)
    chosen_at = models.DateTimeField(db_default=Now())
    # The archive's size when they were chosen (0: not recorded, before migration 0096).
    letters = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{len(self.words)} frequent words in {self.language}"
