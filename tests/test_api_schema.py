"""The JSON API against its own OpenAPI schema (schemathesis): generated requests for every
operation of /api/v1/openapi.json, in-process through the WSGI application on the test
database. No request may cause a server error; every response must be documented (its
status, content type, headers and body schema); and every request the schema calls valid
must be accepted (the schema states each filter's enum, range and format, with the agenda
items, states and topics of the archive). API_SCHEMA_CASES examples per operation (25 in
`make test`; `make fuzz` runs 300).

The one rule a schema cannot state, a date range whose start is after its end (a 400 that
says so), is the only refusal of schema-valid data let through, and only for that reason."""

import itertools
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CASES = int(os.environ.get("API_SCHEMA_CASES", 25))


def _reversed_date_ranges_only(response, case) -> bool:
    """A 400 whose only complaints are date ranges given end before start."""
    if response.status_code != 400:
        return False
    fields = set(response.json().get("errors", {}))
    query = case.query or {}
    return bool(fields) and all(
        name in ("date", "letter_date")
        and query.get(f"{name}_after")
        and query.get(f"{name}_before")
        and str(query[f"{name}_after"]) > str(query[f"{name}_before"])
        for name in fields
    )


def valid_data_accepted(ctx, response, case):
    """positive_data_acceptance, but for the cross-parameter rule above."""
    if _reversed_date_ranges_only(response, case):
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def keep_test_connection():
    """The WSGI transport sends Django's request signals, whose handler would close the test's
    connection (inside its transaction) after each request; Django's own test client
    disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    valid_data_accepted,
]


def test_every_api_operation_answers_as_its_schema_says(db, keep_test_connection):
    # Loaded here, not at import: the schema's enums are read from the test database
    # (schemathesis' lazy pytest loader does not run under this pytest).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    # Valid requests, then invalid ones (wrong types, values outside the enums and ranges):
    # those must be refused with a documented status (400, 422), never a server error.
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=CASES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            case.call_and_validate(checks=CHECKS)

        answers_as_documented()
