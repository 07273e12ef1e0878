"""`riskdesk check FILE.rules`: a rules file in a template is checked against the form it names
(issue 8, item 21), in the language asked for. No database: `check` is offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_TEMPLATE
from web.cli import app

BAD_RULES = """ruleset credit "Credit"
form customer

rule misspelled when max_overdue_dayz > 90 then add 30
rule wrong_type when max_overdue_days > "90" then add 10
rule wrong_option when industry == "farming" then add 5

tiers
  high when score >= 60
  low otherwise
"""


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "template"
    shutil.copytree(EXAMPLE_TEMPLATE, copy)
    (copy / "rules" / "credit.rules").write_text(BAD_RULES, encoding="utf-8")
    monkeypatch.chdir(copy / "rules")
    return copy


def _codes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error: " in line]


def test_a_lone_rules_file_is_checked_against_the_form_it_names(template: Path) -> None:
    result = CliRunner().invoke(app, ["check", "credit.rules"])
    assert result.exit_code == 1, result.output
    errors = _codes(result.stderr)
    assert errors[0] == (
        "credit.rules:4:22: error: unknown field 'max_overdue_dayz'; did you mean "
        "'max_overdue_days'?"
    )
    assert errors[1].startswith("credit.rules:5:") and "text" in errors[1]
    assert errors[2].startswith("credit.rules:6:") and "'farming'" in errors[2]
    assert len(errors) == 3
    assert "3 error(s) in credit.rules" in result.stderr


def test_check_lang_zh_prints_the_messages_in_chinese(template: Path) -> None:
    result = CliRunner().invoke(app, ["check", "credit.rules", "--lang", "zh"])
    assert result.exit_code == 1, result.output
    first = _codes(result.stderr)[0]
    assert first.startswith("credit.rules:4:22: error: ")
    assert "未知字段" in first and "max_overdue_days" in first


def test_a_rules_file_naming_an_unknown_form_says_so(template: Path) -> None:
    path = template / "rules" / "credit.rules"
    path.write_text(BAD_RULES.replace("form customer", "form custmer"), encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert "custmer" in result.stderr and "unknown-form" not in result.stdout


def test_a_rules_file_outside_a_template_is_checked_without_a_form(tmp_path: Path) -> None:
    path = tmp_path / "alone.rules"
    path.write_text(BAD_RULES, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "no errors" in result.stdout


def test_check_refuses_an_unknown_language(template: Path) -> None:
    result = CliRunner().invoke(app, ["check", "credit.rules", "--lang", "fr"])
    assert result.exit_code == 1
    assert "unknown language 'fr'" in result.stderr
