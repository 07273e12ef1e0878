"""Hostile template bundles get the clear error through every door: the API's template import
answers 422 problem+json with the diagnostics (never a 500, nothing stored), and `riskdesk check`
and `riskdesk import` print the positioned line and exit 1."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from engine.db import Database
from engine.models import SpecVersion
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import ApiClient
from tests.zips import bundle_zip, with_bomb
from web.cli import app

SAMPLE = "data/customers.csv"
FORM = "forms/lawsuit.yaml"


def bomb() -> bytes:
    """The example bundle with a sample file that inflates to 200 MiB while it declares 2 KB."""
    base = bundle_zip(EXAMPLE_TEMPLATE, skip=(SAMPLE,))
    return with_bomb(base, SAMPLE, mebibytes=200, declared=2_048)


def aliased_folder(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the example whose lawsuit form anchors its fields, and the anchor's line."""
    folder = tmp_path / "aliased"
    shutil.copytree(EXAMPLE_TEMPLATE, folder)
    form = folder / FORM
    text = form.read_text(encoding="utf-8")
    form.write_text(text.replace("fields:\n", "fields: &all\n", 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith("fields:"))
    return folder, line


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def problem_of(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors: list[dict[str, object]] = response.json()["errors"]
    return errors


def nothing_published(database: Database) -> bool:
    with database.transaction() as session:
        return not session.exec(select(SpecVersion)).all()


# --- the API -----------------------------------------------------------------------------------


def test_uploading_a_zip_bomb_is_422_naming_the_entry(
    database: Database, admin_api: ApiClient
) -> None:
    files = {"file": ("bundle.zip", bomb(), "application/zip")}
    errors = problem_of(admin_api.post("/api/v1/templates", files=files))
    assert [(e["code"], e["message"]) for e in errors] == [
        (
            "not-a-zip",
            f"the zip entry '{SAMPLE}' cannot be unpacked: Bad CRC-32 for file '{SAMPLE}'",
        )
    ]
    assert nothing_published(database)


def test_uploading_a_bundle_with_a_yaml_alias_is_422_at_the_alias(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    folder, line = aliased_folder(tmp_path)
    files = {"file": ("bundle.zip", zipped(folder), "application/zip")}
    errors = problem_of(admin_api.post("/api/v1/templates", files=files))
    first = errors[0]  # then the cases that use the lawsuit form, which is not there
    assert (first["code"], first["file"], first["line"], first["column"]) == (
        "yaml-alias",
        FORM,
        line,
        9,
    )
    assert nothing_published(database)


# --- the CLI -----------------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("RISKDESK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)  # no stray .env file is read
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner


def test_check_of_a_zip_bomb_prints_one_clear_error_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(bomb())
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"error: the zip entry '{SAMPLE}' cannot be unpacked: Bad CRC-32 for file '{SAMPLE}'"
    )
    assert "Traceback" not in result.output


def test_import_of_a_bundle_with_a_yaml_alias_prints_the_position_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    folder, line = aliased_folder(tmp_path)
    result = runner.invoke(app, ["import", str(folder)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{FORM}:{line}:9: error: '&all': anchors and aliases are not allowed in a definition; "
        "write the value out where it is used"
    )
