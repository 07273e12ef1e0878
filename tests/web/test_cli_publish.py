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


def save_form_without(database: Database, field_id: str, extra: str = "") -> None:
    with database.transaction() as session:
        source = specs.find_row(session, SpecKind.FORM, "customer").source
        kept = [line for line in source.splitlines(keepends=True) if f"id: {field_id}," not in line]
        save_draft(
            session, SpecKind.FORM, "customer", "".join(kept) + extra, actor="ana",
            now=clock.utcnow(),
        )  # fmt: skip


def test_a_form_publish_prints_the_impact_and_takes_a_mapping_file(
    cli: tuple[CliRunner, Database], tmp_path: Path
) -> None:
    runner, database = cli
    save_form_without(database, "website")
    command = ["publish", "form", "customer", "--comment", "no website"]
    missing = runner.invoke(app, command)
    assert missing.exit_code == 1
    assert "Removed: website: 0 customer(s) affected; needs a mapping." in missing.output
    assert "mapping.website: say what becomes of the stored values of 'website'" in missing.output
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("website: drop\nname: {rename: elsewhere}\n", encoding="utf-8")
    refused = runner.invoke(app, [*command, "--mapping", str(wrong)])
    assert refused.exit_code == 1
    assert f"{wrong}:2:1: error: mapping.name: the new version keeps 'name'" in refused.output
    good = tmp_path / "mapping.yaml"
    good.write_text("website: drop\n", encoding="utf-8")
    done = runner.invoke(app, [*command, "--mapping", str(good)])
    assert done.exit_code == 0, done.output
    assert done.output.strip().endswith("Published form customer v2.")
