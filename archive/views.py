"""Short function views over querysets that already know what the page needs."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from archive.models import AgendaItem, IncidentClaim, Letter, LetterSymbol, MemberState, Topic
from archive.reading import letter_page_context

LETTERS_PER_PAGE = 20


def letter_list(request):
    letters = Letter.objects.public().for_list().order_by("-distribution_date", "-id")
    page = Paginator(letters, LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "archive/letter_list.html", {"page": page})


def letter_by_symbol(request, symbol):
    """The permalink of a letter is its first symbol; its other symbol redirects there."""
    found = (
        LetterSymbol.objects.filter(lookup=symbol.upper(), letter__is_synthetic=False)
        .select_related("letter")
        .first()
    )
    if found is None:
        raise Http404(
            _("No letter with the symbol %(symbol)s is in the archive.") % {"symbol": symbol}
        )
    letter = Letter.objects.for_detail().get(pk=found.letter_id)
    canonical = letter.get_absolute_url()
    if request.path != canonical:
        return _redirect_keeping_query(request, canonical)
    return render(request, "archive/letter_detail.html", letter_page_context(request, letter))


def letter_by_id(request, pk):
    """Stable permalink for a letter whose symbols are unknown; redirects once they are known."""
    letter = get_object_or_404(Letter.objects.public().for_detail(), pk=pk)
    canonical = letter.get_absolute_url()
    if request.path != canonical:
        return _redirect_keeping_query(request, canonical)
    return render(request, "archive/letter_detail.html", letter_page_context(request, letter))


def _redirect_keeping_query(request, url):
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url, permanent=True)


def agenda_item_detail(request, session, item):
    number, sub_item = _split_item_label(item)
    agenda_item = get_object_or_404(
        AgendaItem.objects.select_related("topic"),
        ga_session=session,
        number=number,
        sub_item=sub_item,
    )
    letters = (
        Letter.objects.public()
        .for_list()
        .filter(agenda_links__agenda_item=agenda_item)
        .order_by("-distribution_date", "-id")
    )
    page = Paginator(letters, LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "archive/agenda_item_detail.html", {"agenda_item": agenda_item, "page": page}
    )


def _split_item_label(label: str) -> tuple[int, str]:
    """ "40" -> (40, ""); "68b" -> (68, "b")."""
    digits = label.rstrip("abcdefghijklmnopqrstuvwxyz")
    if not digits.isdigit() or len(label) - len(digits) > 1:
        raise Http404(_("No such agenda item."))
    return int(digits), label[len(digits) :]


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    items = topic.agenda_items.order_by("-ga_session")
    letters = (
        Letter.objects.public()
        .for_list()
        .filter(agenda_links__agenda_item__topic=topic)
        .distinct()
        .order_by("-distribution_date", "-id")
    )
    page = Paginator(letters, LETTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "archive/topic_detail.html", {"topic": topic, "items": items, "page": page}
    )


def state_detail(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    letters = Letter.objects.public().for_list().filter(sender_state=state)
    page = Paginator(letters.order_by("-distribution_date", "-id"), LETTERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    claims_against = (
        IncidentClaim.objects.filter(accused_state=state, letter__is_synthetic=False)
        .exclude(review_status=IncidentClaim.Review.REJECTED)
        .select_related("letter", "claimant")
        .prefetch_related("letter__symbols")
        .order_by("-letter__distribution_date", "pk")[:50]
    )
    return render(
        request,
        "archive/state_detail.html",
        {"state": state, "page": page, "claims_against": claims_against},
    )
