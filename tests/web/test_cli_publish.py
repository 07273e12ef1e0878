"""`riskdesk publish`: the draft published now, scheduled, or refused with one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine import clock, specs
from engine.db import Database
from engine.drafts import list_versions, save_draft
from engine.keys import load_keys
from engine.models import SpecKind
from tests.conftest import EXAMPLE_TEMPLATE
from web.cli import app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Database]]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("RISKDESK_DATABASE_URL", url)
    monkeypatch.setenv("RISKDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    runner = CliRunner()
    for command in (["db", "upgrade"], ["import", str(EXAMPLE_TEMPLATE)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
    database = Database(url, keys=load_keys(database_url=url))
    try:
        yield runner, database
    finally:
        database.dispose()


def save(database: Database) -> None:
    with database.transaction() as session:
        source = specs.find_row(session, SpecKind.RULESET, "credit").source
        save_draft(
            session, SpecKind.RULESET, "credit", source + "\n", actor="ana", now=clock.utcnow()
        )


def statuses(database: Database) -> list[tuple[int, str]]:
    with database.transaction() as session:
        return [(v.version, v.status) for v in list_versions(session, SpecKind.RULESET, "credit")]


def test_publish_now_then_nothing_left(cli: tuple[CliRunner, Database]) -> None:
    runner, database = cli
    save(database)
    result = runner.invoke(app, ["publish", "ruleset", "credit", "--comment", "tidy", "--by", "bo"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Published ruleset credit v2; rescore ")
    assert statuses(database) == [(1, "retired"), (2, "published")]
    again = runner.invoke(app, ["publish", "ruleset", "credit", "--comment", "again"])
    assert again.exit_code == 1
    assert "there is no draft of ruleset 'credit'" in again.output


def test_publish_at_a_later_time_is_scheduled(cli: tuple[CliRunner, Database]) -> None:
    runner, database = cli
    save(database)
    result = runner.invoke(
        app,
        [
            "publish",
            "ruleset",
            "credit",
            "--comment",
            "later",
            "--effective-at",
            "2099-01-01T08:00",
        ],
    )
    assert result.exit_code == 0, result.output
    # a naive time is read in RISKDESK_TIMEZONE (Asia/Shanghai: UTC+8)
    assert result.output.strip() == "Scheduled ruleset credit v2 for 2099-01-01T00:00:00+00:00."
    assert statuses(database) == [(1, "published"), (2, "scheduled")]
    bad = runner.invoke(
        app, ["publish", "ruleset", "credit", "--comment", "x", "--effective-at", "soon"]
    )
    assert bad.exit_code == 1 and "--effective-at" in bad.output
