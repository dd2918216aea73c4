"""Extensions and text-search configurations that the models' generated column relies on."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

STEMMERS = {
    "archive_en": "english",
    "archive_fr": "french",
    "archive_es": "spanish",
    "archive_ru": "russian",
    "archive_ar": "arabic",
    "archive_simple": "simple",
}


def create_sql() -> str:
    statements = []
    for config, base in STEMMERS.items():
        dictionary = "simple" if base == "simple" else f"{base}_stem"
        statements.append(
            f"CREATE TEXT SEARCH CONFIGURATION {config} (COPY = {base});"
            f"ALTER TEXT SEARCH CONFIGURATION {config} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {dictionary};"
        )
    return "\n".join(statements)


def drop_sql() -> str:
    return "\n".join(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {c};" for c in STEMMERS)


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunSQL(create_sql(), drop_sql()),
    ]
