"""Pages and API errors in English and Chinese: the catalogs, the language switch, Accept-Language.

The catalogs are checked as data (every Chinese entry translated, every string pybabel extracts
present), the pages as rendered HTML (no catalog text left in English in a Chinese page), the
switch through the real login and session cookies, and the API's problem texts over HTTP.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlmodel import col, select

import engine
from engine.db import Database
from engine.errors import EngineError
from engine.models import AuditEntry
from engine.preferences import language_of
from tests.web.conftest import PASSWORD, RISKY, TERMS, ApiClient, PageClient, upsert
from web.i18n import CATALOG_FOLDERS, LANGUAGE_COOKIE, catalog_path, gettext, translator

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _catalog_ids(language: str) -> dict[str, object]:
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po)
    return {_msgid(m.id): m.string for m in catalog if m.id}


def _msgid(message_id: object) -> str:
    """The singular id of a catalog entry (a plural entry's id is a pair)."""
    return str(message_id[0] if isinstance(message_id, tuple | list) else message_id)


class _Texts(HTMLParser):
    """Every text node and every visible attribute (placeholder, aria-label, title) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "title") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def _english_left(html: str) -> set[str]:
    """The catalog's plain texts (no placeholders, no markup) that a page shows untranslated."""
    parser = _Texts()
    parser.feed(html)
    shown = set(parser.texts)
    plain = {i for i in _catalog_ids("zh") if "%(" not in i and "<" not in i}
    return {text for text in plain if text in shown}


def _sign_in(pages: PageClient, name: str) -> None:
    response = pages.post(
        "/login",
        data={"username": name, "password": PASSWORD, "csrf_token": pages.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _choose(pages: PageClient, language: str, *, token: str, next: str = "/customers") -> str:
    response = pages.post(
        "/language",
        data={"language": language, "csrf_token": token, "next": next},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


# --- the catalogs ------------------------------------------------------------------------------


def test_every_chinese_catalog_entry_is_translated() -> None:
    untranslated = [
        msgid
        for msgid, string in _catalog_ids("zh").items()
        if not (all(string) if isinstance(string, tuple) else string)
    ]
    assert untranslated == []
    assert len(_catalog_ids("zh")) > 100


def test_the_catalogs_hold_every_string_pybabel_extracts(tmp_path: Path) -> None:
    # The extraction command exactly as babel.cfg and docs/architecture.md give it.
    documented = next(
        line.removeprefix("#").strip()
        for line in (ROOT / "babel.cfg").read_text(encoding="utf-8").splitlines()
        if line.removeprefix("#").strip().startswith(".venv/bin/pybabel extract")
    )
    argv = shlex.split(documented)
    assert argv[0] == ".venv/bin/pybabel"
    argv[0] = str(Path(sys.executable).with_name("pybabel"))
    argv[argv.index("-o") + 1] = str(tmp_path / "messages.pot")
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
    with (tmp_path / "messages.pot").open("rb") as pot:
        extracted = {_msgid(m.id) for m in read_po(pot) if m.id}
    assert "Customers" in extracted and "Invalid request" in extracted
    for language in CATALOG_FOLDERS:
        missing = sorted(extracted - set(_catalog_ids(language)))
        assert missing == [], f"not in the {language} catalog (run pybabel update): {missing}"


def test_every_engine_error_title_has_a_chinese_translation() -> None:
    for module in pkgutil.iter_modules(engine.__path__):
        if module.name != "migrations":
            importlib.import_module(f"engine.{module.name}")
    kinds: list[type[EngineError]] = [EngineError]
    seen: set[str] = set()
    while kinds:
        kind = kinds.pop()
        seen.add(kind.title)
        kinds.extend(kind.__subclasses__())
    untranslated = sorted(t for t in seen if not CJK.search(gettext("zh", t)))
    assert untranslated == []


def test_catalogs_compile_in_memory_and_other_languages_read_english() -> None:
    translator.cache_clear()
    try:
        assert translator("zh").gettext("Customers") == "客户"
        assert translator("fr").gettext("Customers") == "Customers"  # English for the rest
    finally:
        translator.cache_clear()


def test_no_template_has_inline_script_or_event_handlers() -> None:
    offenders = []
    for path in sorted((ROOT / "web" / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"\son[a-z]+\s*=", r"javascript:"):
            if re.search(pattern, text, flags=re.IGNORECASE):
                offenders.append(f"{path.name}: {pattern}")
    assert offenders == []


# --- pages -------------------------------------------------------------------------------------


def test_every_page_in_chinese_shows_no_english_ui_text(
    workspace: Database, pages: PageClient
) -> None:
    case_id = upsert(workspace, "C002", RISKY, terms=TERMS).cases_opened[0]
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    login = pages.get("/login", headers=zh)
    assert login.context["page_language"] == "zh"
    assert _english_left(login.text) == set()
    assert "登录" in login.text and '<html lang="zh-Hans">' in login.text

    pages.login("sam", ["sales_manager"])
    for url in ("/customers", "/customers/C002", "/inbox", f"/cases/{case_id}"):
        response = pages.get(url, headers=zh)
        assert response.status_code == 200, url
        assert response.context["page_language"] == "zh", url
        assert _english_left(response.text) == set(), url
    customers = pages.get("/customers", headers=zh).text
    headers = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", customers)]
    assert headers == ["编号", "名称", "部门", "评分", "等级", "信用额度", "暂停发货", "更新时间"]
    assert "时间均为 UTC 时区" in customers

    missing = pages.get("/customers/NOPE", headers=zh)
    assert missing.status_code == 404
    assert missing.context["title"] == "未找到"
    assert _english_left(missing.text) == set()


def test_an_english_browser_gets_english_pages(workspace: Database, pages: PageClient) -> None:
    response = pages.get("/login", headers={"Accept-Language": "en-GB,zh;q=0.5"})
    assert response.context["page_language"] == "en"
    assert "Sign in" in response.text and "登录" not in response.text
    assert '<html lang="en">' in response.text


def test_a_wrong_password_is_told_in_chinese(workspace: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales_manager"])
    pages.cookies.clear()
    response = pages.post(
        "/login",
        data={"username": "sam", "password": "wrong", "csrf_token": pages.csrf()},
        headers={"Accept-Language": "zh"},
    )
    assert response.status_code == 401
    assert "用户名不存在或密码错误。" in response.text


def test_the_language_switch_is_remembered_per_user_across_sessions(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers", headers={"Accept-Language": "en"})
    assert page.context["page_language"] == "en"
    assert 'action="/language"' in page.text and ">中文</button>" in page.text

    assert _choose(pages, "zh", token=page.context["csrf_token"]) == "/customers"
    assert pages.cookies.get(LANGUAGE_COOKIE) == "zh"
    with workspace.transaction() as session:
        assert language_of(session, "sam") == "zh"
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.language_set")
        ).one()
    assert (audit.actor, audit.entity_id, audit.detail) == (
        "sam",
        "sam",
        {"before": None, "after": "zh"},
    )

    # another browser (no cookies), an English Accept-Language: after signing in, still Chinese
    pages.cookies.clear()
    _sign_in(pages, "sam")
    again = pages.get("/customers", headers={"Accept-Language": "en"})
    assert again.context["page_language"] == "zh"
    assert "<h1>客户</h1>" in again.text
    # the explanation on the customer page follows the page language
    upsert(workspace, "C002", RISKY, terms=TERMS)
    detail = pages.get("/customers/C002", headers={"Accept-Language": "en"})
    assert detail.context["language"] == "zh"

    # and back to English, remembered the same way
    _choose(pages, "en", token=again.context["csrf_token"])
    pages.cookies.clear()
    _sign_in(pages, "sam")
    assert (
        pages.get("/customers", headers={"Accept-Language": "zh"}).context["page_language"] == "en"
    )
    with workspace.transaction() as session:
        assert language_of(session, "sam") == "en"
        actions = session.exec(
            select(AuditEntry.action)
            .where(AuditEntry.action == "user.language_set")
            .order_by(col(AuditEntry.id))
        ).all()
    assert len(actions) == 2


def test_a_signed_out_visitor_switches_with_a_cookie(database: Database, pages: PageClient) -> None:
    login = pages.get("/login?next=%2Finbox")
    assert login.context["page_language"] == "en"
    target = _choose(
        pages, "zh", token=login.context["csrf_token"], next=login.context["language_next"]
    )
    assert target == "/login?next=%2Finbox"
    assert pages.get(target).context["page_language"] == "zh"


def test_the_language_switch_needs_the_csrf_token_and_a_known_language(
    database: Database, pages: PageClient
) -> None:
    pages.login("sam", ["sales_manager"])
    token = pages.get("/customers").context["csrf_token"]
    forged = pages.post("/language", data={"language": "zh", "csrf_token": "forged"})
    assert forged.status_code == 403
    unknown = pages.post("/language", data={"language": "fr", "csrf_token": token})
    assert unknown.status_code == 422
    with database.transaction() as session:
        assert language_of(session, "sam") is None
    # only pages of this site as the place to return to
    assert _choose(pages, "zh", token=token, next="//evil.example/") == "/"


# --- the API -----------------------------------------------------------------------------------


def test_accept_language_gives_chinese_problem_texts(workspace: Database, api: ApiClient) -> None:
    zh = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    anonymous = api.get("/api/v1/customers", headers=zh)
    assert anonymous.status_code == 401
    body = anonymous.json()
    assert body["title"] == "未登录"
    assert body["detail"] == "请以 'Authorization: Bearer <token>' 的形式发送 API 令牌"

    english = api.get("/api/v1/customers", headers={"Accept-Language": "en"}).json()
    assert english["title"] == "Not signed in"

    bad_token = api.get("/api/v1/customers", headers={**zh, "Authorization": "Bearer rd_nope"})
    assert CJK.search(bad_token.json()["detail"]), bad_token.json()

    nowhere = api.get("/api/v1/no-such-thing", params={"lang": "zh"}).json()
    assert (nowhere["title"], nowhere["detail"]) == ("未找到", "此地址不存在")


def test_validation_messages_in_chinese(workspace: Database, admin_api: ApiClient) -> None:
    response = admin_api.get(
        "/api/v1/customers/C001", params={"lang": "fr"}, headers={"Accept-Language": "zh"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["title"] == "请求无效"
    assert body["detail"] == "请求中有 1 处无效"
    assert body["errors"] == [
        {"path": "query.lang", "message": "应为 'en' 或 'zh'", "code": "literal_error"}
    ]
    english = admin_api.get("/api/v1/customers/C001", params={"lang": "fr"}).json()
    assert english["errors"][0]["message"] == "Input should be 'en' or 'zh'"
    assert english["detail"] == "1 part of the request is invalid"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_engine_refusal_has_a_title_in_the_asked_language(
    workspace: Database, admin_api: ApiClient, language: str
) -> None:
    response = admin_api.get("/api/v1/customers/NOPE", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert response.json()["title"] == {"en": "Not found", "zh": "未找到"}[language]
