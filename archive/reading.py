"""What the letter page shows: the chosen language version, its text with the quoted claims
marked where they stand, and the letters around it. A constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from archive.models import IncidentClaim, Letter, LetterSymbol

RELATED_LETTERS_SHOWN = 10


@dataclass(frozen=True)
class Segment:
    """A run of a section's text; `claim` is set when the run is a claim's quote."""

    text: str
    claim: IncidentClaim | None = None


def mark_claims(text: str, claims: list[IncidentClaim]) -> list[Segment]:
    """Split `text` so each claim's quote is its own segment. Overlapping quotes: the
    earlier one wins, the later one still lists in the claims table."""
    segments: list[Segment] = []
    position = 0
    for claim in sorted(claims, key=lambda c: c.quote_start):
        if claim.quote_start < position or claim.quote_end > len(text):
            continue
        if claim.quote_start > position:
            segments.append(Segment(text[position : claim.quote_start]))
        segments.append(Segment(text[claim.quote_start : claim.quote_end], claim))
        position = claim.quote_end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def choose_text(letter: Letter, language: str | None):
    """The language version asked for, else English, else the original, else any."""
    texts = {text.language: text for text in letter.texts.all()}
    for choice in (language, "en", letter.original_language):
        if choice in texts:
            return texts[choice]
    return next(iter(texts.values()), None)


def letter_page_context(request, letter: Letter) -> dict:
    text = choose_text(letter, request.GET.get("lang"))
    claims = list(
        IncidentClaim.objects.filter(letter_text=text)
        .exclude(review_status=IncidentClaim.Review.REJECTED)
        .select_related("claimant", "accused_state", "annex")
        if text
        else []
    )
    annexes = list(text.annexes.all()) if text else []
    body_claims = [c for c in claims if c.annex_id is None]
    annex_sections = [
        (annex, mark_claims(annex.text, [c for c in claims if c.annex_id == annex.pk]))
        for annex in annexes
    ]
    agenda_links = list(letter.agenda_links.all())
    language = text.language if text else "en"
    agenda_items = [(link.agenda_item, link.agenda_item.title(language)) for link in agenda_links]
    return {
        "letter": letter,
        "text": text,
        "texts": list(letter.texts.all()),
        "body_segments": mark_claims(text.body, body_claims) if text else [],
        "annex_sections": annex_sections,
        "claims": claims,
        "agenda_items": agenda_items,
        "signatories": list(letter.signatories.all()),
        "related_letters": related_letters(letter, [link.agenda_item_id for link in agenda_links]),
        "citations": cited_letters(letter),
    }


def related_letters(letter: Letter, agenda_item_ids: list[int]) -> list[Letter]:
    """Other letters under the same agenda items, newest first."""
    if not agenda_item_ids:
        return []
    return list(
        Letter.objects.public()
        .filter(agenda_links__agenda_item_id__in=agenda_item_ids)
        .exclude(pk=letter.pk)
        .distinct()
        .prefetch_related("symbols")
        .order_by("-distribution_date", "-id")[:RELATED_LETTERS_SHOWN]
    )


def cited_letters(letter: Letter) -> list[tuple[str, Letter | None]]:
    """Each symbol the letter cites, with the cited letter when the archive holds it."""
    citations = list(letter.citations.order_by("pk"))
    found = {
        s.lookup: s.letter
        for s in LetterSymbol.objects.filter(
            lookup__in=[c.cited_lookup for c in citations], letter__is_synthetic=False
        )
        .select_related("letter")
        .prefetch_related("letter__symbols")
    }
    return [(c.cited_symbol, found.get(c.cited_lookup)) for c in citations]
