"""Schemathesis over the whole OpenAPI spec against the real server, as an admin: no request it
generates gets a 5xx (issue #8). A few examples per operation in `make test`; many more under
`make fuzz` (the `fuzz` marker).

Each operation runs as its own Hypothesis test inside one pytest test (schemathesis' pytest
loader does not run on this pytest), and every operation's first server error is reported."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from engine.db import Database
from tests.web.conftest import ApiClient, LiveServer

SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]


def _server_errors(base_url: str, token: str, *, examples: int, derandomize: bool) -> list[str]:
    """The first 5xx of each operation of the spec, described with a curl command."""
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/openapi.json")
    found: list[str] = []
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            found.append(f"an operation schemathesis cannot read: {result.err()}")
            continue
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=SLOW,
            derandomize=derandomize,
            database=None,
        )
        def call(case: Any) -> None:
            response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:300]}\n{case.as_curl_command()}"
            )

        try:
            call()
        except AssertionError as failure:
            found.append(f"{operation.label}: {failure}")
    return found


def test_no_operation_answers_with_a_server_error(
    live_server: LiveServer, workspace: Database, api: ApiClient
) -> None:
    token = api.add_user("fuzzy", ["admin"])
    assert _server_errors(live_server.url, token, examples=6, derandomize=True) == []


@pytest.mark.fuzz
def test_no_operation_answers_with_a_server_error_long_run(
    live_server: LiveServer, workspace: Database, api: ApiClient
) -> None:
    token = api.add_user("fuzzy", ["admin"])
    assert _server_errors(live_server.url, token, examples=300, derandomize=False) == []
