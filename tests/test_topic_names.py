"""Topic names keep the capitals of proper nouns: an agenda title printed in capitals
("QUESTION OF PALESTINE") was stored as "Question of palestine"."""

import pytest

from archive.ingest import _topic_for
from archive.models import Topic

pytestmark = pytest.mark.django_db


def test_the_imported_topic_keeps_its_proper_noun():
    assert Topic.objects.get(slug="question-of-palestine").name == "Question of Palestine"


@pytest.mark.parametrize(
    ("printed", "name"),
    [
        ("THE SITUATION IN THE MIDDLE EAST", "The Situation in the Middle East"),
        (
            "Question of the Comorian island of Mayotte",
            "Question of the Comorian island of Mayotte",
        ),
        ("  REPORT OF THE\n  SECURITY COUNCIL ", "Report of the Security Council"),
    ],
)
def test_a_new_topic_is_named_as_readers_write_it(printed, name):
    assert _topic_for(printed).name == name
