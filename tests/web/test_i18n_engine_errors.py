"""Engine and data error messages in English and Chinese (issue 8, "Pages, in both languages").

Over HTTP against the real server: an engine refusal's `detail` is its message id translated and
filled with its params; a data error's `message` names the field by its label in the asked
language; a refused template's diagnostics are said by dsl's catalog. English stays exactly as
the engine words it (the CLI and the logs read `detail` in English). The catalogs are checked as
data: every message id marked with N_ in engine/, forms/ and web/ has a Chinese translation.
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import httpx
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from engine import clock
from engine.db import Database
from engine.errors import N_, ConflictError, NotFoundError
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import RISKY, TERMS, ApiClient
from web.errors import problem_for
from web.i18n import catalog_path

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en"}


def _both(send: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The problem bodies of the same request asked in English and in Chinese (same status)."""
    english: httpx.Response = send(EN)
    chinese: httpx.Response = send(ZH)
    assert english.status_code == chinese.status_code >= 400, english.text
    return english.json(), chinese.json()


def _open_case(admin: ApiClient) -> int:
    response = admin.put(
        "/api/v1/customers/C002", json={"department": "east", "data": RISKY, "terms": TERMS}
    )
    assert response.status_code == 201, response.text
    (case,) = response.json()["open_cases"]
    return int(case["id"])


# --- engine refusals, one or more from each module ----------------------------------------------


def test_a_missing_customer_is_told_in_each_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    english, chinese = _both(lambda h: admin_api.get("/api/v1/customers/NOPE", headers=h))
    assert english["detail"] == "there is no customer 'NOPE'"
    assert chinese["detail"] == "客户 'NOPE' 不存在"
    assert chinese["title"] == "未找到"


def test_case_refusals_are_told_in_each_language(workspace: Database, admin_api: ApiClient) -> None:
    english, chinese = _both(lambda h: admin_api.get("/api/v1/cases/424242", headers=h))
    assert (english["detail"], chinese["detail"]) == (
        "there is no case 424242",
        "案件 424242 不存在",
    )

    case_id = _open_case(admin_api)
    english, chinese = _both(
        lambda h: admin_api.post(f"/api/v1/cases/{case_id}/actions/nope", json={}, headers=h)
    )
    assert english["detail"] == "step 'sales_review' has no action 'nope'"
    assert chinese["detail"] == "步骤 'sales_review' 没有操作 'nope'"


def test_a_four_eyes_refusal_says_its_nested_words_in_chinese(
    database: Database, api: ApiClient
) -> None:
    # its "proposed it" is a text of its own (workflows.approvals), once left in English
    with database.transaction() as session:
        import_template(
            session, EXAMPLE_TEMPLATE, actor="admin", now=clock.utcnow(), base_currency="CNY"
        )
    dora = api.as_user("dora", ["sales_manager", "finance_head"], department="east")
    case_id = _open_case(api.as_user("ada", ["admin"]))
    proposal = {"proposed_limit": 400_000, "proposed_days": 30, "proposed_prepayment": 0.3}
    proposed = dora.post(f"/api/v1/cases/{case_id}/actions/propose_terms", json={"data": proposal})
    assert proposed.status_code == 200, proposed.text

    english, chinese = _both(
        lambda h: dora.post(f"/api/v1/cases/{case_id}/actions/approve", json={}, headers=h)
    )
    # the example labels its steps and actions: each language names them by its label
    assert english["detail"] == (
        "four eyes: dora proposed it, so someone else must take 'Approve' at step "
        "'Finance approval'"
    )
    assert chinese["detail"] == (
        "四眼原则：dora 是提议人，因此步骤“财务审批”的“批准”须由其他人执行"
    )


def test_token_refusals_are_told_in_each_language(admin_api: ApiClient) -> None:
    english, chinese = _both(
        lambda h: admin_api.post(
            "/api/v1/tokens", json={"name": "erp", "scopes": ["nope:read"]}, headers=h
        )
    )
    assert english["detail"].startswith("unknown permission(s) nope:read; the permissions are ")
    # the permission names are values: the same in both languages
    known = english["detail"].removeprefix("unknown permission(s) nope:read; the permissions are ")
    assert chinese["detail"] == f"未知的权限 nope:read；可用的权限有 {known}"


def test_fx_and_pagination_refusals_are_told_in_each_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    english, chinese = _both(
        lambda h: admin_api.put(
            "/api/v1/fx-rates/CNY", json={"rate": 1, "valid_from": "2026-01-01"}, headers=h
        )
    )
    assert english["detail"] == "CNY is the base currency: its rate is always 1"
    assert chinese["detail"] == "CNY 是本位币：其汇率恒为 1"

    english, chinese = _both(
        lambda h: admin_api.get("/api/v1/customers", params={"cursor": "bogus"}, headers=h)
    )
    assert english["detail"] == "the cursor is not one this list gave out"
    assert chinese["detail"] == "该游标不是此列表给出的"


def test_a_missing_permission_is_told_in_each_language(api: ApiClient) -> None:
    sales = api.as_user("sue", ["sales"])
    english, chinese = _both(lambda h: sales.post("/api/v1/sweep", json={}, headers=h))
    assert english["detail"] == "this needs the permission system:sweep"
    assert chinese["detail"] == "此操作需要 system:sweep 权限"
    assert chinese["title"] == "无权操作"


def test_the_lang_parameter_wins_over_accept_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    body = admin_api.get("/api/v1/customers/NOPE", params={"lang": "zh"}, headers=EN).json()
    assert body["detail"] == "客户 'NOPE' 不存在"


def test_the_english_detail_stays_for_logs_and_the_cli() -> None:
    error = ConflictError(N_("case %(id)s is closed; no action can be taken on it"), id=7)
    assert error.detail == str(error) == "case 7 is closed; no action can be taken on it"
    assert problem_for(error, "zh").detail == "案件 7 已关闭，无法再执行任何操作"
    assert problem_for(error, "en").detail == error.detail
    # a sentence without params is taken as is, a percent sign included
    assert NotFoundError("100% gone").detail == "100% gone"


# --- data errors --------------------------------------------------------------------------------


def test_a_data_error_names_the_field_by_its_label_in_each_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    data = {**RISKY, "max_overdue_days": -1, "industry": "manufacturin"}
    english, chinese = _both(
        lambda h: admin_api.put(
            "/api/v1/customers/C009", json={"department": "east", "data": data}, headers=h
        )
    )
    assert english["detail"] == "2 field(s) are invalid"
    assert chinese["detail"] == "2 个字段无效"
    by_path = {e["path"]: e for e in chinese["errors"]}
    assert by_path["data.max_overdue_days"] == {
        "path": "data.max_overdue_days",
        "message": "最长逾期天数不能小于 0",
        "code": "below-minimum",
    }
    industry = by_path["data.industry"]
    assert industry["code"] == "not-an-option"
    assert "实际为文本 'manufacturin'" in industry["message"]
    assert industry["message"].endswith("；您是否要找 'manufacturing'？")
    # English: the same paths and codes, the English label
    assert [(e["path"], e["code"]) for e in english["errors"]] == [
        (e["path"], e["code"]) for e in chinese["errors"]
    ]
    english_by_path = {e["path"]: e["message"] for e in english["errors"]}
    assert english_by_path["data.max_overdue_days"] == (
        "Worst current overdue (days) must be at least 0"
    )


def test_an_event_of_an_unknown_kind_is_told_in_each_language(
    workspace: Database, admin_api: ApiClient
) -> None:
    _open_case(admin_api)
    english, chinese = _both(
        lambda h: admin_api.post(
            "/api/v1/customers/C002/events",
            json={"kind": "lawsiut", "occurred_at": "2026-11-01", "payload": {}},
            headers=h,
        )
    )
    (error,) = chinese["errors"]
    assert (error["path"], error["code"]) == ("kind", "unknown-kind")
    assert error["message"].startswith("未知的事件类型 'lawsiut'")
    assert english["errors"][0]["message"].startswith("unknown event kind 'lawsiut'")


# --- template diagnostics -----------------------------------------------------------------------


def _bad_template(folder: Path) -> bytes:
    """The example template with one rule reading a field the form does not have."""
    bundle = folder / "manufacturing_credit"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    rules = bundle / "rules" / "credit.rules"
    rules.write_text(
        rules.read_text(encoding="utf-8").replace(
            "when max_overdue_days > 90", "when max_overdue_dayz > 90", 1
        ),
        encoding="utf-8",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_a_bad_template_import_has_its_diagnostics_in_each_language(
    database: Database, admin_api: ApiClient, tmp_path: Path
) -> None:
    content = _bad_template(tmp_path)

    def send(headers: dict[str, str]) -> httpx.Response:
        files = {"file": ("bundle.zip", content, "application/zip")}
        return admin_api.post("/api/v1/templates", files=files, headers=headers)

    english, chinese = _both(send)
    assert chinese["title"] == "模板无效"
    unknown = [d for d in chinese["errors"] if d["code"] == "unknown-field"]
    assert unknown, chinese
    for diagnostic in unknown:
        assert CJK.search(diagnostic["message"]), diagnostic
        assert "max_overdue_dayz" in diagnostic["message"]
    # code, severity and position unchanged; the English one is the checker's own sentence
    position = ("code", "severity", "file", "line", "column", "end_line", "end_column")
    assert [tuple(d[k] for k in position) for d in english["errors"]] == [
        tuple(d[k] for k in position) for d in chinese["errors"]
    ]
    (first,) = [d for d in english["errors"] if d["code"] == "unknown-field"][:1]
    assert not CJK.search(first["message"]) and "max_overdue_dayz" in first["message"]


# --- the catalogs -------------------------------------------------------------------------------


def _marked_ids() -> set[str]:
    ids: set[str] = set()
    for package in ("engine", "forms", "workflows", "web"):
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT / package), method_map=[("**.py", "python")], keywords={"N_": None}
        ):
            ids.add(str(message))
    for _, _, message, _, _ in extract_from_dir(
        str(ROOT / "dsl"), method_map=[("texts.py", "python")], keywords={"N_": None}
    ):
        ids.add(str(message))
    return ids


def test_every_message_id_marked_with_n_has_a_chinese_translation() -> None:
    with catalog_path("zh").open("rb") as po:
        catalog = {str(m.id): m.string for m in read_po(po) if m.id}
    marked = _marked_ids()
    assert "there is no customer '%(ref)s'" in marked  # engine/
    assert "%(label)s must be at least %(min)s" in marked  # forms/
    assert "in step '%(step)s'" in marked  # workflows/
    assert "the text '%(text)s'" in marked  # dsl/texts.py
    missing = sorted(i for i in marked if not catalog.get(i))
    assert not missing, missing


def test_every_chinese_translation_keeps_the_placeholders_of_its_message_id() -> None:
    placeholders = re.compile(r"%\(\w+\)[sd]")
    with catalog_path("zh").open("rb") as po:
        singular = [(m.id, str(m.string)) for m in read_po(po) if m.id and isinstance(m.id, str)]
    wrong = [
        message_id
        for message_id, string in singular
        if set(placeholders.findall(string)) != set(placeholders.findall(str(message_id)))
    ]
    assert not wrong, wrong
