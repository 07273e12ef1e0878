"""Exchange rates over the API (`PUT /api/v1/fx-rates/{currency}`, `GET /api/v1/fx-rates`) and
the CLI (`riskdesk fx set USD 7.1 --from 2026-01-01`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from engine.db import Database
from engine.models import AuditEntry
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import ApiClient
from web.cli import app

PROBLEM_JSON = "application/problem+json"


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body  # type: ignore[no-any-return]


def test_an_admin_sets_rates_and_anyone_signed_in_lists_them(
    workspace: Database, admin_api: ApiClient
) -> None:
    created = admin_api.put("/api/v1/fx-rates/USD", json={"rate": 7.1, "valid_from": "2026-01-01"})
    assert created.status_code == 201, created.text
    assert {k: v for k, v in created.json().items() if k != "created_at"} == {
        "currency": "USD",
        "rate": 7.1,
        "valid_from": "2026-01-01",
        "source": "manual",
    }
    replaced = admin_api.put(
        "/api/v1/fx-rates/USD", json={"rate": "7.125", "valid_from": "2026-01-01"}
    )
    assert (replaced.status_code, replaced.json()["rate"]) == (200, 7.125)
    later = {"rate": 7.2, "valid_from": "2026-06-01", "source": "PBOC"}
    assert admin_api.put("/api/v1/fx-rates/USD", json=later).status_code == 201
    euro = {"rate": 7.8, "valid_from": "2026-01-01"}
    assert admin_api.put("/api/v1/fx-rates/EUR", json=euro).status_code == 201

    sales = admin_api.as_user("sue", ["sales"])
    listed = sales.get("/api/v1/fx-rates")
    assert listed.status_code == 200
    body = listed.json()
    assert body["base_currency"] == "CNY"
    assert [(r["currency"], r["rate"], r["valid_from"]) for r in body["items"]] == [
        ("EUR", 7.8, "2026-01-01"),
        ("USD", 7.2, "2026-06-01"),
        ("USD", 7.125, "2026-01-01"),
    ]
    only_usd = sales.get("/api/v1/fx-rates", params={"currency": "USD"}).json()["items"]
    assert [r["currency"] for r in only_usd] == ["USD", "USD"]

    with workspace.transaction() as session:
        actions = session.exec(
            select(AuditEntry.actor).where(AuditEntry.action == "fx_rate.set")
        ).all()
    assert actions == ["ada"] * 4


def test_only_holders_of_fx_write_may_set_a_rate(workspace: Database, api: ApiClient) -> None:
    body = {"rate": 7.1, "valid_from": "2026-01-01"}
    _problem(api.put("/api/v1/fx-rates/USD", json=body), 401)
    _problem(api.get("/api/v1/fx-rates"), 401)
    sales = api.as_user("sue", ["sales"])
    problem = _problem(sales.put("/api/v1/fx-rates/USD", json=body), 403)
    assert problem["detail"] == "this needs the permission fx:write"
    finance = api.as_user("fin", ["finance_head"])  # fx:write by the documented defaults
    assert finance.put("/api/v1/fx-rates/USD", json=body).status_code == 201


@pytest.mark.parametrize(
    ("currency", "body", "detail"),
    [
        ("usd", {"rate": 7.1, "valid_from": "2026-01-01"}, "'usd' is not a currency code"),
        ("CNY", {"rate": 1, "valid_from": "2026-01-01"}, "CNY is the base currency"),
        (
            "JPY",
            {"rate": "0.0000000000001", "valid_from": "2026-01-01"},
            "the rate 0.0000000000001 has more than 12 decimals",
        ),
    ],
)
def test_a_rate_the_engine_refuses_is_a_422_problem(
    workspace: Database, admin_api: ApiClient, currency: str, body: dict[str, Any], detail: str
) -> None:
    problem = _problem(admin_api.put(f"/api/v1/fx-rates/{currency}", json=body), 422)
    assert problem["detail"].startswith(detail)
    assert admin_api.get("/api/v1/fx-rates").json()["items"] == []


def test_a_malformed_body_names_each_bad_field(workspace: Database, admin_api: ApiClient) -> None:
    response = admin_api.put(
        "/api/v1/fx-rates/USD", json={"rate": 0, "valid_from": "soon", "extra": 1}
    )
    problem = _problem(response, 422)
    assert {e["path"] for e in problem["errors"]} == {"rate", "valid_from", "extra"}


def test_the_fx_routes_are_in_the_openapi_document(api: ApiClient) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/fx-rates/{currency}"]) == {"put"}
    assert set(paths["/api/v1/fx-rates"]) == {"get"}


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    runner = CliRunner()
    for command in (["db", "upgrade"], ["import", str(EXAMPLE_TEMPLATE)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
    return runner


def test_fx_set_then_list(cli: CliRunner) -> None:
    result = cli.invoke(app, ["fx", "set", "USD", "7.1", "--from", "2026-01-01"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Set 1 USD = 7.1 CNY from 2026-01-01.\n"
    again = cli.invoke(app, ["fx", "set", "USD", "7.15", "--from", "2026-01-01"])
    assert again.stdout == "Replaced 1 USD = 7.15 CNY from 2026-01-01.\n"
    listed = cli.invoke(app, ["fx", "list"])
    assert listed.exit_code == 0, listed.output
    assert "USD" in listed.stdout and "7.15" in listed.stdout and "2026-01-01" in listed.stdout


def test_fx_set_refuses_a_bad_rate_or_date(cli: CliRunner) -> None:
    refused = cli.invoke(app, ["fx", "set", "USD", "0", "--from", "2026-01-01"])
    assert refused.exit_code == 1
    assert "the rate must be a positive number" in refused.stderr
    bad_date = cli.invoke(app, ["fx", "set", "USD", "7.1", "--from", "tomorrow"])
    assert bad_date.exit_code == 1  # one clear line, like every user error (docs/cli.md)
    assert "tomorrow" in bad_date.stderr
