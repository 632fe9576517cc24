"""schemathesis against the app, in process (ASGI): every answer must match the OpenAPI schema
(documented status codes, bodies of the documented shape, no 500), schema-valid requests must
be accepted and schema-invalid ones refused. Bounded and reproducible: a fixed number of
examples per operation and mode, derandomised (the same cases on every machine), well under a
minute on 2 cores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the dev extra (schemathesis) is needed")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

#: Operations without a parameter or a body.
NOTHING_TO_BREAK = {"GET /api/health", "DELETE /api/history"}
#: Examples per API operation and generation mode.
EXAMPLES = 50


@pytest.fixture(scope="module")
def api_schema(catalogue_path: Path, reader, tmp_path_factory):
    """The schema of an app over a private copy of the test catalogue (feedback is written)."""
    from moodtune.catalogue.sqlite import Catalogue
    from moodtune.web import create_app

    copy = tmp_path_factory.mktemp("fuzz") / "catalogue.sqlite"
    with sqlite3.connect(catalogue_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    # Not handed to the app: schemathesis may run the app's lifespan more than once.
    with Catalogue.open(copy) as catalogue:
        yield schemathesis.openapi.from_asgi("/openapi.json", create_app(catalogue, reader))


def excluded(case) -> list:
    """Checks that cannot hold for a case that uploads an image: its bytes cannot be described
    by a JSON Schema, so a generated "image" (random bytes, or a real PNG that schemathesis
    sends for a "negative" image) is judged by its content, not by the schema (415 when it is
    not an image). Every status code and body is still checked against the schema."""
    from schemathesis.specs.openapi.checks import (
        negative_data_rejection,
        positive_data_acceptance,
    )

    sends_image = isinstance(case.body, dict) and "image" in case.body
    return [positive_data_acceptance, negative_data_rejection] if sends_image else []


def operations(schema) -> list:
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_openapi_contract(api_schema, mode):
    found = operations(api_schema)
    labels = {operation.label for operation in found}
    assert {"POST /api/recommend", "POST /api/feedback", "GET /api/health"} <= labels
    for operation in found:
        if mode == GenerationMode.NEGATIVE and operation.label in NOTHING_TO_BREAK:
            continue  # no parameter and no body: nothing can be made invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(excluded_checks=excluded(case))

        check()
