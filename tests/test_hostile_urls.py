"""Malformed addresses get a clear 4xx, never a server error."""

import pytest
from django.test import Client

HOSTILE = [
    "/letters/99999999999999999999999/",
    "/agenda/999999999999999/",
    "/agenda/99999999999999999999/1/",
    "/agenda/75/99999999999999999999/",
    "/agenda/75/9%C2%B2/",
    "/states/AZE%00/",
    "/states/%3Cscript%3E/",
    "/topics/%00/",
    "/A/80/434/?lang=%00",
    "/A/99999999999999999999/1/",
    "/api/letters/99999999999999999999/",
    "/search/?q=%00",
    "/search/?q=mines%00",
    "/search/?page=99999999999999999999",
    "/search/?year=99999999999",
    "/search/?session=999999999999",
    "/search/?agenda=75-99999999999",
    "/search/?sc_year=-1",
    "/search/?q=%22",
    "/search/?q=-",
    "/search/?q=OR",
    "/search/?q=!!!",
    "/export/letters.csv?year=0",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_address_is_answered_without_a_server_error(db, url):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code < 500, url


def test_nul_byte_gets_an_explanation(db):
    response = Client().get("/search/?q=mines%00")
    assert response.status_code == 400
    assert "NUL byte" in response.content.decode()
