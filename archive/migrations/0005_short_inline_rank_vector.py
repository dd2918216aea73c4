"""Shrink LetterText.rank_vector to symbols + title (A), the body's first 400 characters (B)
and the annexes' first 200 (C), so it stays inline in the row (about 800 bytes instead of a
3 KB TOASTed value) and ts_rank over thousands of candidates reads no TOAST.

PostgreSQL cannot change a stored generated column's expression in place on every version
Django supports, so the column is dropped and added again (one rewrite of the table)."""

import django.contrib.postgres.search
from django.db import migrations, models

import archive.models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0004_search_ranking_vector_and_name_trigrams"),
    ]

    operations = [
        migrations.RemoveField(model_name="lettertext", name="rank_vector"),
        migrations.AddField(
            model_name="lettertext",
            name="rank_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=archive.models.RankingVector(body_chars=400, annex_chars=200),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
    ]
