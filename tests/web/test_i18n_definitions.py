"""A bad template's diagnostics in English and Chinese (issue 8, "every API error message exists in
English and Chinese"): forms, workflows, template.yaml's schema and the zip's limits.

Over HTTP against the real server (POST /api/v1/templates asked in each language) and through
`riskdesk check --lang zh`: the same codes and positions in both languages, the Chinese messages in
Chinese, the names the author wrote (field types, roles, permissions, file names) unchanged.
"""

from __future__ import annotations

import io
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from engine.db import Database
from tests.conftest import MECHANICS_TEMPLATE
from tests.web.conftest import ApiClient
from web.cli import app

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}
POSITION = ("code", "severity", "file", "line", "column", "end_line", "end_column")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _unknown_field_type(bundle: Path) -> None:
    _replace(
        bundle / "forms" / "customer.yaml",
        "{id: name, type: text,",
        "{id: name, type: txet,",
    )


def _unknown_role(bundle: Path) -> None:
    _replace(
        bundle / "workflows" / "high_risk_review.yaml",
        "{role: sales_manager}",
        "{role: sales_managr}",
    )


def _unknown_action_form(bundle: Path) -> None:
    _replace(
        bundle / "workflows" / "high_risk_review.yaml",
        "propose_terms: {to: finance_approval}",
        "propose_terms: {to: finance_approval, form: lawsuits}",
    )


def _unknown_permission(bundle: Path) -> None:
    template = bundle / "template.yaml"
    text = template.read_text(encoding="utf-8")
    template.write_text(text + "permissions: {sales: [everything]}\n", encoding="utf-8")


def _template(folder: Path, *breaks: Callable[[Path], None]) -> Path:
    bundle = folder / "manufacturing_credit"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    for broken in breaks:
        broken(bundle)
    return bundle


def _zip(bundle: Path, *, twice: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name we mean to write
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                name = path.relative_to(bundle.parent).as_posix()
                archive.write(path, name)
                if name == twice:
                    archive.write(path, name)
    return buffer.getvalue()


def _import_in_both(admin_api: ApiClient, content: bytes) -> tuple[list[Any], list[Any]]:
    """The diagnostics of one refused import asked in English and in Chinese."""

    def send(headers: dict[str, str]) -> httpx.Response:
        files = {"file": ("bundle.zip", content, "application/zip")}
        return admin_api.post("/api/v1/templates", files=files, headers=headers)

    english, chinese = send(EN), send(ZH)
    assert english.status_code == chinese.status_code == 422, english.text
    assert chinese.json()["title"] == "模板无效"
    english_errors, chinese_errors = english.json()["errors"], chinese.json()["errors"]
    assert [tuple(d[k] for k in POSITION) for d in english_errors] == [
        tuple(d[k] for k in POSITION) for d in chinese_errors
    ]
    return english_errors, chinese_errors


def _one(diagnostics: list[Any], code: str) -> dict[str, Any]:
    (found,) = [d for d in diagnostics if d["code"] == code]
    return dict(found)


def test_a_form_error_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    english, chinese = _import_in_both(admin_api, _zip(_template(tmp_path, _unknown_field_type)))
    en, zh = _one(english, "unknown-type"), _one(chinese, "unknown-type")
    assert en["message"] == "unknown field type 'txet'; did you mean 'text'?"
    assert zh["message"] == "未知字段类型 'txet'；您是否要找 'text'？"
    assert (zh["file"], zh["line"]) == ("forms/customer.yaml", 13)


def test_a_workflow_error_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    english, chinese = _import_in_both(admin_api, _zip(_template(tmp_path, _unknown_role)))
    en, zh = _one(english, "unknown-role"), _one(chinese, "unknown-role")
    assert en["message"] == (
        "role 'sales_managr' is not declared by the template; did you mean 'sales_manager'?"
    )
    assert zh["message"] == "模板未声明角色 'sales_managr'；您是否要找 'sales_manager'？"
    assert en["hint"].startswith("the declared roles are: sales, sales_manager")
    assert zh["hint"].startswith("已声明的角色：sales, sales_manager")


def test_an_unknown_action_form_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    bundle = _template(tmp_path, _unknown_action_form)
    english, chinese = _import_in_both(admin_api, _zip(bundle))
    en, zh = _one(english, "unknown-form"), _one(chinese, "unknown-form")
    assert en["message"] == (
        "form 'lawsuits' in action 'propose_terms' of step 'sales_review' is not defined by the "
        "template; did you mean 'lawsuit'?"
    )
    assert zh["message"] == (
        "步骤 'sales_review' 的操作 'propose_terms' 中的表单 'lawsuits' 未在模板中定义；"
        "您是否要找 'lawsuit'？"
    )
    assert (zh["file"], zh["line"]) == ("workflows/high_risk_review.yaml", 16)


def test_a_permission_not_in_the_list_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    english, chinese = _import_in_both(admin_api, _zip(_template(tmp_path, _unknown_permission)))
    en, zh = _one(english, "bad-value"), _one(chinese, "bad-value")
    assert en["message"].startswith(
        "item 1 of 'permissions.sales': 'everything' is not one of ['alerts:acknowledge', "
    )
    assert zh["message"].startswith(
        "'permissions.sales' 的第 1 项：'everything' 不是以下之一：['alerts:acknowledge', "
    )
    assert "'cases:act'" in zh["message"]
    # the line appended to the example's template.yaml
    appended = (
        len((MECHANICS_TEMPLATE / "template.yaml").read_text(encoding="utf-8").splitlines()) + 1
    )
    assert (zh["file"], zh["line"]) == ("template.yaml", appended)


def test_a_zip_limit_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    name = "manufacturing_credit/template.yaml"
    english, chinese = _import_in_both(admin_api, _zip(_template(tmp_path), twice=name))
    en, zh = _one(english, "duplicate-entry"), _one(chinese, "duplicate-entry")
    assert en["message"] == f"the zip holds '{name}' more than once"
    assert en["hint"] == "rebuild the zip from the bundle folder, so that each file is in it once"
    assert zh["message"] == f"zip 中 '{name}' 出现了不止一次"
    assert zh["hint"] is not None and CJK.search(zh["hint"])


def test_a_yaml_limit_is_told_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    def alias(bundle: Path) -> None:
        _replace(bundle / "template.yaml", "roles: [", "roles: &all [")
        _replace(bundle / "template.yaml", "rulesets:", "also: *all\nrulesets:")

    english, chinese = _import_in_both(admin_api, _zip(_template(tmp_path, alias)))
    en, zh = _one(english, "yaml-alias"), _one(chinese, "yaml-alias")
    assert "&all" in en["message"] and not CJK.search(en["message"])
    assert "&all" in zh["message"] and CJK.search(zh["message"])


@pytest.mark.parametrize(
    ("broken", "code", "chinese"),
    [
        (_unknown_field_type, "unknown-type", "未知字段类型 'txet'；您是否要找 'text'？"),
        (_unknown_role, "unknown-role", "模板未声明角色 'sales_managr'"),
        (_unknown_permission, "bad-value", "'permissions.sales' 的第 1 项：'everything' 不是"),
    ],
)
def test_check_lang_zh_prints_definition_errors_in_chinese(
    tmp_path: Path, broken: Callable[[Path], None], code: str, chinese: str
) -> None:
    bundle = _template(tmp_path, broken)
    english = CliRunner().invoke(app, ["check", str(bundle), "--format", "json"])
    result = CliRunner().invoke(app, ["check", str(bundle), "--lang", "zh"])
    assert english.exit_code == result.exit_code == 1
    assert chinese in result.stderr
    assert f"error: {chinese}" in result.stderr
    english_lines = [line for line in english.stdout.splitlines() if f'"{code}"' in line]
    assert english_lines, english.stdout
