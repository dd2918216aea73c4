"""FilterSets for the list and search pages: every state of the page is a shareable URL.

Parameters (all optional, all combinable; several values of one parameter mean "any of"):

    q              search words (web-search syntax; used by archive.search, not filtered here)
    agenda         agenda item as session-number, e.g. ``75-40`` or ``80-68b``; repeatable
    topic          topic slug (the same agenda item across sessions), one of /topics/
    body           ``GA`` (circulated to the General Assembly), ``SC``, or ``joint`` (both)
    session        GA session number;  sc_year: Security Council year ordinal (80 = 2025)
    state          sender state, ISO 3166 alpha-3 (``AZE``); repeatable
    language       language of a version of the letter (``en``, ``fr``...); repeatable
    type           ``letter``, ``identical_letters``, ``note_verbale``; repeatable
    year           year of distribution; repeatable
    date_after / date_before                 distribution-date range (YYYY-MM-DD)
    letter_date_after / letter_date_before   letter-date range
    claims         ``yes``: only letters in which an incident claim was found
    sort           ``relevance`` (default with q), ``newest`` (default without), ``oldest``,
                   ``symbol``
    page           page number;  per_page: 10, 20 (default), 50 or 100 letters a page

Invalid values become form errors; views show them with status 400, never a 500.
"""

from __future__ import annotations

import copy
import re

import django_filters
from django import forms
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from archive.models import (
    LANGUAGES,
    AgendaItem,
    IncidentClaim,
    Letter,
    LetterAgendaItem,
    LetterText,
    MemberState,
    Topic,
)

MAX_QUERY_LENGTH = 500
MAX_VALUES_PER_PARAMETER = 50
AGENDA_PATTERN = re.compile(r"^\s*(\d{1,3})\s*[-/ ]\s*(\d{1,4})\s*([a-z]?)\s*$", re.IGNORECASE)

PAGE_SIZES = [10, 20, 50, 100]
# The search page's facets (archive.search.engine counts them).
FACET_NAMES = ("agenda", "state", "year", "language", "type")
SORTS = [
    ("relevance", _("Relevance")),
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("symbol", _("Symbol")),
]


def agenda_param(agenda_item: AgendaItem) -> str:
    """The URL value naming an agenda item: ``75-40``, ``80-68b``."""
    return agenda_value(agenda_item.ga_session, agenda_item.number, agenda_item.sub_item)


def agenda_value(session: int, number: int, sub_item: str) -> str:
    return f"{session}-{number}{sub_item}"


class RepeatableField(forms.MultipleChoiceField):
    """Several values of one parameter, each checked by `clean_value` (no choice list: the
    values are open-ended, such as agenda items or years)."""

    def __init__(self, *, clean_value, **kwargs):
        self.clean_value = clean_value
        kwargs.setdefault("widget", forms.MultipleHiddenInput)
        super().__init__(**kwargs)

    def to_python(self, value):
        values = super().to_python(value)
        if len(values) > MAX_VALUES_PER_PARAMETER:
            raise forms.ValidationError(
                _("At most %(max)d values are allowed here."),
                params={"max": MAX_VALUES_PER_PARAMETER},
            )
        for value in values:
            ProhibitNullCharactersValidator()(value)
        return [self.clean_value(v) for v in values if v.strip()]

    def valid_value(self, value):
        return True


def _agenda_value(raw: str) -> tuple[int, int, str]:
    match = AGENDA_PATTERN.match(raw)
    if not match:
        raise forms.ValidationError(
            _("“%(value)s” is not an agenda item: write session-number, e.g. 75-40."),
            params={"value": raw[:40]},
        )
    return int(match[1]), int(match[2]), match[3].lower()


def _iso3_value(raw: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{3}", raw.strip()):
        raise forms.ValidationError(
            _("“%(value)s” is not a state code: use three letters, e.g. AZE."),
            params={"value": raw[:40]},
        )
    return raw.strip().upper()


def _year_value(raw: str) -> int:
    if not re.fullmatch(r"\d{4}", raw.strip()) or not 1945 <= int(raw) <= 2100:
        raise forms.ValidationError(
            _("“%(value)s” is not a year between 1945 and 2100."), params={"value": raw[:40]}
        )
    return int(raw)


class RepeatableFilter(django_filters.Filter):
    field_class = RepeatableField


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class LetterFilterForm(forms.Form):
    """Checks what is filtered against the archive: unknown agenda items, topics and states
    are reported to the reader instead of silently giving an empty list."""

    def clean(self):
        cleaned = super().clean()
        wanted = cleaned.get("agenda") or []
        if wanted:
            condition = Q(pk__in=[])
            for session, number, sub_item in wanted:
                condition |= Q(ga_session=session, number=number, sub_item=sub_item)
            items = list(
                AgendaItem.objects.filter(condition).only(
                    "pk", "ga_session", "number", "sub_item", "titles"
                )
            )
            found = {(a.ga_session, a.number, a.sub_item): a.pk for a in items}
            # What the filter chips call each item: its title, not "75-40".
            self.agenda_items = {agenda_param(a): a for a in items}
            unknown = [f"{s}-{n}{x}" for s, n, x in wanted if (s, n, x) not in found]
            if unknown:
                self.add_error(
                    "agenda",
                    _("No agenda item %(items)s in the archive.") % {"items": ", ".join(unknown)},
                )
            self.agenda_ids = list(found.values())
        states = cleaned.get("state") or []
        if states:
            # Kept for the filter chips, which name each state.
            self.states = {s.iso3: s for s in MemberState.objects.filter(iso3__in=states)}
            unknown = [s for s in states if s not in self.states]
            if unknown:
                self.add_error(
                    "state",
                    _("No state with the code %(codes)s.") % {"codes": ", ".join(unknown)},
                )
        for name in ("date", "letter_date"):
            span = cleaned.get(name)
            if span and span.start and span.stop and span.start > span.stop:
                self.add_error(
                    name,
                    _(
                        "The start date %(start)s is after the end date %(end)s: no letter can "
                        "match. Swap them, or leave one empty."
                    )
                    % {"start": _day(span.start), "end": _day(span.stop)},
                )
        return cleaned


def _day(value) -> str:
    return (value.date() if hasattr(value, "date") else value).isoformat()


def topic_choices() -> list[tuple[str, str]]:
    """Every topic, for the topic filter's list (read when the form is shown or checked)."""
    return list(Topic.objects.order_by("name").values_list("slug", "name"))


class LetterFilter(django_filters.FilterSet):
    """Filters over `Letter`; each filter is index-backed (see the indexes in archive.models)."""

    q = django_filters.CharFilter(
        method="keep",
        label=_("Search words"),
        validators=[MaxLengthValidator(MAX_QUERY_LENGTH)],
    )
    agenda = RepeatableFilter(
        method="filter_agenda",
        label=_("Agenda item"),
        clean_value=_agenda_value,
    )
    topic = django_filters.ChoiceFilter(
        method="filter_topic",
        label=_("Topic"),
        choices=topic_choices,
        empty_label=_("All topics"),
        error_messages={
            "invalid_choice": _(
                "No topic “%(value)s” in the archive: choose one from the list of topics."
            )
        },
    )
    body = django_filters.ChoiceFilter(
        method="filter_body",
        label=_("Body"),
        empty_label=_("Either body"),
        choices=[
            ("GA", _("General Assembly")),
            ("SC", _("Security Council")),
            ("joint", _("Both (joint letters)")),
        ],
    )
    session = IntegerFilter(
        field_name="ga_session",
        label=_("GA session"),
        min_value=1,
        max_value=200,
    )
    sc_year = IntegerFilter(
        field_name="sc_year",
        label=_("SC year"),
        min_value=1,
        max_value=200,
    )
    state = RepeatableFilter(
        field_name="sender_state__iso3",
        lookup_expr="in",
        label=_("Sender state"),
        clean_value=_iso3_value,
    )
    language = django_filters.MultipleChoiceFilter(
        choices=LANGUAGES,
        method="filter_language",
        label=_("Language"),
        widget=forms.CheckboxSelectMultiple,
    )
    type = django_filters.MultipleChoiceFilter(
        field_name="doc_type",
        choices=Letter.DocType.choices,
        label=_("Document type"),
        widget=forms.CheckboxSelectMultiple,
    )
    year = RepeatableFilter(
        method="filter_year",
        label=_("Year of distribution"),
        clean_value=_year_value,
    )
    date = django_filters.DateFromToRangeFilter(
        field_name="distribution_date", label=_("Distribution date")
    )
    letter_date = django_filters.DateFromToRangeFilter(
        field_name="letter_date", label=_("Letter date")
    )
    claims = django_filters.ChoiceFilter(
        method="filter_claims",
        empty_label=_("All letters"),
        label=_("Incident claims"),
        choices=[("yes", _("Only letters with incident claims"))],
    )
    sort = django_filters.ChoiceFilter(method="keep", choices=SORTS, label=_("Sort by"))
    page = IntegerFilter(
        method="keep",
        label=_("Page"),
        min_value=1,
        max_value=10_000,
    )
    # The one facet of the search page listed whole (archive.results.facet_links).
    facet = django_filters.ChoiceFilter(
        method="keep",
        label=_("Facet shown whole"),
        choices=[(name, name) for name in FACET_NAMES],
    )
    per_page = django_filters.TypedChoiceFilter(
        method="keep",
        label=_("Letters per page"),
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        coerce=int,
    )

    class Meta:
        model = Letter
        fields = []
        form = LetterFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter deep-copies every filter for each instance (~0.4 ms a page) so that
        # their `parent` and `model` stay per instance: a shallow copy does that, nothing else
        # of a filter changes once declared (its form field is made once, by get_form_class),
        # but a filter with a `method` binds it to itself when the method is set.
        self.base_filters = {}  # for this instance: super() deep-copies nothing
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method

    def get_form_class(self):
        """One form class for every request, not a new class with new fields each time
        (~0.5 ms a page): its fields are the same, their choices read when the form is shown
        or checked (topic_choices is called then), their labels translated when written."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def keep(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Parameters the views read from `form.cleaned_data` (q, sort, page, per_page)."""
        return queryset

    def filter_agenda(self, queryset, name, value):
        if not value:
            return queryset
        ids = getattr(self.form, "agenda_ids", [])
        # Exists, not a join: a letter under several of the chosen items is listed once.
        return queryset.filter(
            Exists(LetterAgendaItem.objects.filter(letter=OuterRef("pk"), agenda_item_id__in=ids))
        )

    def filter_topic(self, queryset, name, value):
        return queryset.filter(
            Exists(
                LetterAgendaItem.objects.filter(
                    letter=OuterRef("pk"),
                    agenda_item__topic__in=Topic.objects.filter(slug=value).values("pk"),
                )
            )
        )

    def filter_body(self, queryset, name, value):
        bodies = {"GA": ["GA", "GA_SC"], "SC": ["SC", "GA_SC"], "joint": ["GA_SC"]}[value]
        return queryset.filter(bodies__in=bodies)

    def filter_language(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            Exists(LetterText.objects.filter(letter=OuterRef("pk"), language__in=value))
        )

    def filter_year(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q(pk__in=[])
        for year in value:
            # A date range, not EXTRACT(year): the distribution-date index serves it.
            condition |= Q(distribution_date__year=year)
        return queryset.filter(condition)

    def filter_claims(self, queryset, name, value):
        if value != "yes":
            return queryset
        return queryset.filter(
            Exists(
                IncidentClaim.objects.filter(letter=OuterRef("pk")).exclude(
                    review_status=IncidentClaim.Review.REJECTED
                )
            )
        )


def active_filters(filterset: LetterFilter) -> dict[str, object]:
    """The filters the reader set (q, sort, page and page size aside), for chips and "remove"
    links."""
    ignored = {"q", "sort", "page", "per_page", "facet"}
    return {
        name: value
        for name, value in filterset.form.cleaned_data.items()
        if name not in ignored
        and name in filterset.filters
        and value not in (None, "", [], ())
        and not (isinstance(value, slice) and value.start is None and value.stop is None)
    }
