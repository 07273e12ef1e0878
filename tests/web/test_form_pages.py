"""The form editor page: the impact of the saved draft with the mapping to choose, blocking
readers at their own positions with links to their editors, and a refused mapping said again."""

from __future__ import annotations

from engine import specs
from engine.db import Database
from engine.models import SpecKind
from tests.web.conftest import HEALTHY, PageClient, upsert

WEB = "  - {id: homepage, type: url, label: {en: Homepage, zh: 主页}}\n"


def customer_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.FORM, "customer").source


def without(source: str, field_id: str) -> str:
    lines = source.splitlines(keepends=True)
    return "".join(line for line in lines if f"id: {field_id}," not in line)


def save(pages: PageClient, source: str) -> None:
    edit = pages.get("/forms/customer/edit")
    saved = pages.post(
        "/forms/customer/draft",
        data={"source": source, "csrf_token": edit.context["csrf_token"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text


def test_the_editor_shows_the_impact_and_a_refused_mapping_keeps_the_choice(
    workspace: Database, pages: PageClient
) -> None:
    upsert(workspace, "C-1", {**HEALTHY, "website": "https://a.cn"})
    pages.login("ada", ["admin"])
    save(pages, without(customer_source(workspace), "website") + WEB)
    page = pages.get("/forms/customer/edit")
    assert page.template.name == "form_editor.html"
    impact = page.context["impact"]
    assert [(f.field_id, f.customers, f.examples) for f in impact.fields] == [
        ("website", 1, ("C-1",))
    ]
    assert 'name="action.website" value="rename" checked' in page.text
    refused = pages.post(
        "/forms/customer/publish",
        data={
            "comment": "no website",
            "csrf_token": page.context["csrf_token"],
            "action.website": "rename",
            "rename.website": "name",
        },
    )
    assert refused.status_code == 422
    assert "mapping.website.rename: &#39;name&#39; already holds" in refused.text
    assert refused.context["chosen"]["rename.website"] == "name"


def test_a_blocking_reading_is_listed_at_its_own_file_with_a_link(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    save(pages, without(customer_source(workspace), "avg_days_to_pay"))
    page = pages.get("/forms/customer/edit", params={"lang": "zh"})
    (first, *_) = page.context["readers"]
    assert (first.file, first.line, first.column, first.url) == (
        "rules/credit.rules", 13, 17, "/rules/credit",
    )  # fmt: skip
    assert first.message.startswith("已发布的 ruleset 'credit' 无法按此表单加载")
    assert all(row.line is None and row.where for row in page.context["diagnostics"])
    assert '<a class="pos" href="/rules/credit">rules/credit.rules:13:17</a>' in page.text
    assert "阻止发布此版本的已发布定义" in page.text
