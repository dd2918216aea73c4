"""Filters the templates use to show letters' data in the reader's language."""

from django import template

from archive import citations, labels, state_claims

register = template.Library()


@register.filter
def row_title(letter) -> labels.RowTitle:
    return labels.row_title(letter)


@register.filter
def letter_row(letter):
    return labels.letter_row(letter)


@register.filter
def letter_meta(letter):
    return labels.letter_meta(letter)


@register.filter
def readable(text: str) -> str:
    return labels.readable_caps(text or "")


@register.filter
def readable_title(title: str):
    return labels.readable_title(title)


@register.filter
def is_all_caps(text: str) -> bool:
    return labels.is_all_caps(text or "")


@register.filter
def undocs_url(symbol: str) -> str:
    return citations.undocs_url(symbol)


@register.filter
def incident_kind(kind: str) -> str:
    return labels.incident_kind(kind or "")


@register.filter
def reflow(text: str) -> str:
    return labels.reflow(text)


@register.filter
def claim_rows(claims, claims_by_state):
    return state_claims.claim_rows(claims, claims_by_state)


@register.filter
def claim_columns(claims_by_state):
    return state_claims.claim_columns(claims_by_state)
