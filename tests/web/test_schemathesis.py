"""Property-based API fuzzing from the OpenAPI document: no input makes the server answer 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .sample import Portal, build_portal


@pytest.fixture(scope="module")
def fuzz_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    portal = build_portal(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    try:
        yield portal
    finally:
        portal.client.close()
        portal.store.close()


def test_api_never_answers_5xx(fuzz_portal: Portal) -> None:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", fuzz_portal.app)
    failures: list[str] = []
    calls: list[int] = []
    for result in schema.get_all_operations():
        op = result.ok()  # type: ignore[union-attr]  # an Err would raise here, failing the test

        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
            response = case.call()
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}")
            elif response.status_code >= 400:
                assert response.json()["error"]["status"] == response.status_code

        check()
    assert len(calls) >= 5 * 10, len(calls)
    assert not failures, failures
