"""Indexes for the lists without search words (archive.listing) and the letter page.

- letter_newest, letter_state_newest, letter_session_newest: newest first with undated letters
  last (the order search.py uses too), so a page is an index walk stopped after one page.
- LetterAgendaItem.distribution_date, a copy of the letter's date kept by two triggers, and
  agenda_item_newest over it: an agenda item's (or a topic's, or a letter's related) letters
  newest first straight from the link table. Triggers rather than Python so every write path
  (ingest, admin, the benchmark's COPY) keeps it right without knowing about it.
"""

from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION archive_link_copy_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.distribution_date := (
        SELECT distribution_date FROM archive_letter WHERE id = NEW.letter_id
    );
    RETURN NEW;
END $$;

CREATE TRIGGER archive_link_copy_date
    BEFORE INSERT OR UPDATE ON archive_letteragendaitem
    FOR EACH ROW EXECUTE FUNCTION archive_link_copy_date();

CREATE FUNCTION archive_letter_date_to_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE archive_letteragendaitem SET distribution_date = NEW.distribution_date
    WHERE letter_id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER archive_letter_date_to_links
    AFTER UPDATE OF distribution_date ON archive_letter
    FOR EACH ROW WHEN (OLD.distribution_date IS DISTINCT FROM NEW.distribution_date)
    EXECUTE FUNCTION archive_letter_date_to_links();

UPDATE archive_letteragendaitem la SET distribution_date = l.distribution_date
FROM archive_letter l WHERE l.id = la.letter_id;
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS archive_letter_date_to_links ON archive_letter;
DROP FUNCTION IF EXISTS archive_letter_date_to_links();
DROP TRIGGER IF EXISTS archive_link_copy_date ON archive_letteragendaitem;
DROP FUNCTION IF EXISTS archive_link_copy_date();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0005_short_inline_rank_vector"),
    ]

    operations = [
        migrations.AddField(
            model_name="letteragendaitem",
            name="distribution_date",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddIndex(
            model_name="letter",
            index=models.Index(
                models.OrderBy(models.F("distribution_date"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="letter_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="letter",
            index=models.Index(
                models.F("sender_state_id"),
                models.OrderBy(models.F("distribution_date"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="letter_state_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="letter",
            index=models.Index(
                models.F("ga_session"),
                models.OrderBy(models.F("distribution_date"), descending=True, nulls_last=True),
                models.OrderBy(models.F("id"), descending=True),
                name="letter_session_newest",
            ),
        ),
        migrations.AddIndex(
            model_name="letteragendaitem",
            index=models.Index(
                models.F("agenda_item_id"),
                models.OrderBy(models.F("distribution_date"), descending=True, nulls_last=True),
                models.OrderBy(models.F("letter_id"), descending=True),
                name="agenda_item_newest",
            ),
        ),
    ]
