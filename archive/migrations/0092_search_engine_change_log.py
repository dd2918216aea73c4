"""The search engine's change log (outbox), and the end of PostgreSQL full-text search.

Triggers on every table a letter's index document is made of log the letter's id, with the
writing transaction's id, into archive_searchchange, in the same transaction: every writer
(archive.ingest, the admin, claim reviews, deletes, the benchmark's COPY, psql) is caught,
and a change exists exactly when it is committed. They are statement-level triggers with
transition tables: a COPY of 2 000 letters logs them with one INSERT, not 2 000.

The generated tsvector columns, their GIN index and the trigram indexes of names go: the
search engine (archive.search) matches, ranks and finds names now.
"""

import django.db.models.functions.datetime
from django.db import migrations, models


# table -> SQL giving the letter id of a changed row `r`
LOGGED_TABLES = {
    "archive_letter": "SELECT r.id FROM {rows} r",
    "archive_lettertext": "SELECT r.letter_id FROM {rows} r",
    "archive_lettersymbol": "SELECT r.letter_id FROM {rows} r",
    "archive_letteragendaitem": "SELECT r.letter_id FROM {rows} r",
    "archive_signatory": "SELECT r.letter_id FROM {rows} r",
    "archive_incidentclaim": "SELECT r.letter_id FROM {rows} r",
    # An annex belongs to a language version; a version deleted in the same statement
    # logs its letter itself.
    "archive_annex": (
        "SELECT t.letter_id FROM {rows} r JOIN archive_lettertext t ON t.id = r.letter_text_id"
    ),
}
EVENTS = {
    "insert": ("INSERT", "NEW TABLE AS new_rows", ["new_rows"]),
    "update": ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", ["new_rows", "old_rows"]),
    "delete": ("DELETE", "OLD TABLE AS old_rows", ["old_rows"]),
}


def create_triggers() -> str:
    statements = []
    for table, select in LOGGED_TABLES.items():
        for event, (verb, referencing, sources) in EVENTS.items():
            name = f"{table}_search_{event}"
            letters = " UNION ".join(select.format(rows=rows) for rows in sources)
            statements.append(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN\n"
                "    INSERT INTO archive_searchchange (letter_id, txid)\n"
                f"    SELECT DISTINCT letter_id, pg_current_xact_id()::text::bigint\n"
                f"    FROM ({letters}) changed (letter_id) WHERE letter_id IS NOT NULL;\n"
                "    RETURN NULL;\n"
                "END $$;\n"
                f"CREATE TRIGGER {name} AFTER {verb} ON {table}\n"
                f"    REFERENCING {referencing}\n"
                f"    FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
            )
    return "\n".join(statements)


def drop_triggers() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_search_{event} ON {table};"
        f" DROP FUNCTION IF EXISTS {table}_search_{event}();"
        for table in LOGGED_TABLES
        for event in EVENTS
    )


class Migration(migrations.Migration):

    dependencies = [
        ('archive', '0091_provenance_review_queue_source_quality'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('letter_id', models.BigIntegerField()),
                ('txid', models.BigIntegerField()),
                ('changed_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
        ),
        migrations.RemoveIndex(
            model_name='letter',
            name='letter_sender_trgm',
        ),
        migrations.RemoveIndex(
            model_name='lettertext',
            name='lettertext_search',
        ),
        migrations.RemoveIndex(
            model_name='signatory',
            name='signatory_name_trgm',
        ),
        migrations.RemoveField(
            model_name='lettertext',
            name='rank_vector',
        ),
        migrations.RemoveField(
            model_name='lettertext',
            name='search_vector',
        ),
        migrations.AddIndex(
            model_name='searchchange',
            index=models.Index(fields=['txid'], name='searchchange_txid'),
        ),
        migrations.RunSQL(create_triggers(), drop_triggers()),
    ]
