"""Load the states (UN members, observers, others) from fixtures/member_states.json.

Re-running is harmless: rows are matched by ISO 3166 alpha-3 and updated.
"""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "member_states.json"
FIELDS = ["name_en", "name_fr", "name_es", "name_ru", "short_en", "aliases", "un_status"]


def load_states(apps, schema_editor):
    MemberState = apps.get_model("archive", "MemberState")
    for row in json.loads(FIXTURE.read_text(encoding="utf-8")):
        MemberState.objects.update_or_create(
            iso3=row["iso3"], defaults={field: row[field] for field in FIELDS}
        )


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_initial")]
    operations = [migrations.RunPython(load_states, migrations.RunPython.noop)]
