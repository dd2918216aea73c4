"""The OpenAPI JSON API: a valid schema, every endpoint answering as documented, the pages'
filters and messages, docs served from this site."""

import re

import pytest
from django.test import Client
from openapi_spec_validator import validate

from archive.models import Letter, MemberState


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return Client().get("/api/v1/openapi.json").json()


@pytest.fixture
def client():
    return Client()


def test_the_schema_is_valid_openapi_3(db, schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/letters", "/api/v1/letters/{letter_id}", "/api/v1/states"} <= set(
        schema["paths"]
    )
    assert {"/api/v1/topics", "/api/v1/agenda-items", "/api/v1/claims"} <= set(schema["paths"])


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/letters?state=PSE",
        "/api/v1/letters?q=mines",
        "/api/v1/states?per_page=10",
        "/api/v1/topics",
        "/api/v1/agenda-items?session=75",
        "/api/v1/claims?state=AZE",
    ],
)
def test_each_list_endpoint_answers_as_documented(client, db, schema, url):
    path = url.split("?")[0]
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    documented = _resolve(
        schema,
        schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
    )
    assert set(body) == set(documented["properties"])
    item = _resolve(schema, documented["properties"]["results"]["items"])
    assert body["results"], url
    for row in body["results"]:
        assert set(row) == set(item["properties"])
    assert client.head(url).status_code == 200


def test_letters_are_filtered_and_paged_like_the_pages(client, db):
    body = client.get("/api/v1/letters", {"state": "PSE", "per_page": 10}).json()
    expected = Letter.objects.filter(sender_state__iso3="PSE", is_synthetic=False).count()
    assert body["count"] == expected == len(body["results"])
    states = client.get("/api/v1/states", {"per_page": 10}).json()
    assert states["count"] == MemberState.objects.count()
    assert states["next"].endswith("page=2") and len(states["results"]) == 10
    second = client.get(states["next"]).json()
    assert second["previous"] and second["results"][0]["iso3"] != states["results"][0]["iso3"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"topic": "palestine"}, "topic", "No topic “palestine” in the archive"),
        ({"date_after": "2021-12-31", "date_before": "2021-01-01"}, "date", "is after"),
        ({"state": "ZZZ"}, "state", "No state with the code ZZZ"),
        ({"page": "abc"}, "page", "Enter a whole number"),
    ],
)
def test_bad_values_get_the_pages_messages(client, db, params, field, message):
    response = client.get("/api/v1/letters", params)
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    page = client.get("/search/", params).content.decode()
    assert message in page.replace("&#x27;", "'")


def test_one_letter_whole(client, db):
    letter = Letter.objects.get(symbols__lookup="A/80/434")
    body = client.get(f"/api/v1/letters/{letter.pk}").json()
    assert body["symbols"] == ["A/80/434", "S/2025/632"] and body["texts"]
    assert client.get("/api/v1/letters/999999").status_code == 404


def test_the_docs_load_nothing_from_another_site(client, db):
    html = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert re.search(r'"validatorUrl":\s*null', html)
