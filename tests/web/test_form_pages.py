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


def test_shared_values_of_a_field_made_unique_are_listed_and_the_publish_is_disabled(
    workspace: Database, pages: PageClient
) -> None:
    from tests.engine.test_unique_values import _unique

    upsert(workspace, "C-1", {**HEALTHY, "contact_email": "same@a.cn"})
    upsert(workspace, "C-2", {**HEALTHY, "contact_email": "Same@A.cn"})
    pages.login("ada", ["admin"])
    save(pages, _unique(customer_source(workspace), "contact_email"))
    page = pages.get("/forms/customer/edit", params={"lang": "zh"})
    (shared,) = page.context["impact"].duplicates
    assert (shared.field_id, shared.customers, shared.examples) == (
        "contact_email",
        2,
        ["C-1", "C-2"],
    )
    row = page.text.split('<tr data-field="contact_email">', 1)[1].split("</tr>", 1)[0]
    assert "联系邮箱" in row and '<td class="count">2</td>' in row
    assert '<a href="/customers/C-1">C-1</a>, <a href="/customers/C-2">C-2</a>' in row
    assert "必须唯一但被共用的值" in page.text
    publish = page.text.split('action="/forms/customer/publish"', 1)[1].split("</form>", 1)[0]
    assert '<button type="submit" disabled>' in publish
