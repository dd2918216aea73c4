"""Expressions of the generated search vectors the archive had before its search engine
(archive.search), kept only because migrations 0002, 0004 and 0005 name them; migration 0092
drops the columns. Nothing else uses this module.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db.models import Expression

# language code -> text-search configuration created in migration 0001
SEARCH_CONFIGS = {
    "en": "archive_en",
    "fr": "archive_fr",
    "es": "archive_es",
    "ru": "archive_ru",
    "ar": "archive_ar",
}
FALLBACK_SEARCH_CONFIG = "archive_simple"


def config_case_sql(language_column: str) -> str:
    """CASE picking the regconfig for a row. Literal regconfigs keep the expression immutable,
    which a generated column requires."""
    whens = " ".join(
        f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in SEARCH_CONFIGS.items()
    )
    return f"(CASE {language_column} {whens} ELSE '{FALLBACK_SEARCH_CONFIG}'::regconfig END)"


class WeightedLetterVector(Expression):
    output_field = SearchVectorField()
    parts = [("symbols_text", "A"), ("title", "A"), ("body", "B"), ("annexes_text", "C")]

    def as_sql(self, compiler, connection):
        config = config_case_sql('"language"')
        sql = " || ".join(
            f"setweight(to_tsvector({config}, coalesce(\"{column}\", '')), '{weight}')"
            for column, weight in self.parts
        )
        return f"({sql})", []

    def deconstruct(self):
        return ("archive.search_vector.WeightedLetterVector", [], {})

    def __eq__(self, other):
        return isinstance(other, WeightedLetterVector)

    def __hash__(self):
        return hash(WeightedLetterVector)


# The opening of the body and annexes the ranking vector holds: hits in a letter's title and
# first paragraphs rank it; further hits still match (search_vector) but do not raise the rank.
RANK_VECTOR_BODY_CHARS = 400
RANK_VECTOR_ANNEX_CHARS = 200


class RankingVector(Expression):
    """A short weighted vector for ranking only: symbols and title (A), the opening of the body
    (B) and of the annexes (C). Small enough to stay inline in the row (about 800 bytes, under
    the 2 KB TOAST threshold), so `ts_rank` over thousands of candidates never detoasts a vector
    (measured at 100 000 letters: 8 ms per 10 000 rows inline, 37-62 ms at 3 KB TOASTed).

    The defaults are the first version's (migration 0004); LetterText uses the short one."""

    output_field = SearchVectorField()

    def __init__(self, body_chars: int = 2000, annex_chars: int = 1000):
        super().__init__()
        self.body_chars = body_chars
        self.annex_chars = annex_chars

    def as_sql(self, compiler, connection):
        config = config_case_sql('"language"')
        parts = [
            ("coalesce(\"symbols_text\", '') || ' ' || coalesce(\"title\", '')", "A"),
            (f"left(coalesce(\"body\", ''), {int(self.body_chars)})", "B"),
            (f"left(coalesce(\"annexes_text\", ''), {int(self.annex_chars)})", "C"),
        ]
        sql = " || ".join(
            f"setweight(to_tsvector({config}, {text}), '{weight}')" for text, weight in parts
        )
        return f"({sql})", []

    def deconstruct(self):
        return (
            "archive.models.RankingVector",
            [],
            {"body_chars": self.body_chars, "annex_chars": self.annex_chars},
        )

    def __eq__(self, other):
        return isinstance(other, RankingVector) and (self.body_chars, self.annex_chars) == (
            other.body_chars,
            other.annex_chars,
        )

    def __hash__(self):
        return hash((RankingVector, self.body_chars, self.annex_chars))
