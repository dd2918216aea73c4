"""The SQL expression of LetterText.search_vector, kept apart so migrations can import it.

Weights: symbols and title A, body B, annexes C. The text-search configuration is chosen per
row from its language; each one puts `unaccent` before the stemmer (migration 0001), so
accents are optional in queries and documents alike.
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
