"""The workflow pages: the list, one workflow with its diagram, and the editor (live check with
the diagram beside it, saving, publishing like a ruleset).

Each test checks the template and its context first, then as little HTML as it needs.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from markupsafe import escape

from engine import specs
from engine.db import Database
from engine.drafts import get_draft
from engine.errors import NotFoundError
from engine.models import SpecKind
from engine.templates import import_template
from tests.conftest import EXAMPLE_TEMPLATE
from tests.web.conftest import NOW, PageClient

HX = {"HX-Request": "true"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
KEY = "high_risk_review"
EDIT = f"/workflows/{KEY}/edit"
LEGAL = (
    "  legal_review:\n    assignee: {role: legal}\n    actions:\n"
    "      cleared: {to: finance_approval}\n"
)


def published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.WORKFLOW, KEY).source


def with_legal(source: str) -> str:
    """The workflow with a legal review step that finance can ask for."""
    return (
        source.replace(
            "      approve: {to: apply}\n",
            "      approve: {to: apply}\n      ask_legal: {to: legal_review}\n",
        )
        + LEGAL
    )


def draft_source(database: Database) -> str | None:
    with database.transaction() as session:
        try:
            return get_draft(session, SpecKind.WORKFLOW, KEY).source
        except NotFoundError:
            return None


def csrf(pages: PageClient) -> str:
    return str(pages.get("/workflows").context["csrf_token"])


def test_the_workflow_pages_need_specs_edit(workspace: Database, pages: PageClient) -> None:
    pages.login("sam", ["sales_manager"])
    token = str(pages.get("/customers").context["csrf_token"])
    assert 'href="/workflows"' not in pages.get("/customers").text
    for path in ("/workflows", f"/workflows/{KEY}", EDIT):
        refused = pages.get(path)
        assert refused.status_code == 403, path
        assert refused.template.name == "error.html"
    for action in ("check", "draft", "publish"):
        data = {"source": "x", "comment": "c", "csrf_token": token}
        assert pages.post(f"/workflows/{KEY}/{action}", data=data).status_code == 403, action
    assert draft_source(workspace) is None


def test_a_risk_analyst_finds_the_workflows_in_the_navigation(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    assert 'href="/workflows"' in pages.get("/customers").text
    assert pages.get("/workflows").status_code == 200


def test_the_list_shows_each_published_workflow(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.get("/workflows")
    assert response.template.name == "workflows.html"
    rows = {w.key: w for w in response.context["workflows"]}
    review = rows[KEY]
    assert (review.version, review.trigger, review.draft_version) == (1, "tier_changed", None)
    assert f'href="/workflows/{KEY}/edit"' in response.text
    assert "High-risk credit review" in response.text
    assert "高风险客户复核" in pages.get("/workflows", headers=ZH).text


def test_one_workflow_shows_its_diagram_and_source(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.get(f"/workflows/{KEY}")
    assert response.template.name == "workflow.html"
    assert response.context["workflow"].source == published_source(workspace)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram"' in response.text
    assert 'data-step="finance_approval"' in response.text
    assert str(escape(published_source(workspace))) in response.text
    assert pages.get("/workflows/nothing_here").status_code == 404


def test_the_editor_starts_from_the_published_text_beside_its_diagram(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    response = pages.get(EDIT)
    assert response.template.name == "workflow_editor.html"
    context = response.context
    source = published_source(workspace)
    assert (context["source"], context["draft"], context["checksum"]) == (source, None, "")
    assert context["diagnostics"] == [] and context["diagram_shows"] == "draft"
    assert re.search(
        r'<textarea id="source"[^>]*hx-post="/workflows/high_risk_review/check"'
        r'[^>]*hx-trigger="input changed delay:400ms"',
        response.text,
    )
    assert f">\n{escape(source)}</textarea>" in response.text
    assert '<div id="diagram" class="diagram"><svg' in response.text


def test_a_live_check_lists_problems_with_positions_and_keeps_the_diagram(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    bad = published_source(workspace).replace("role: finance_head", "role: finance_boss")
    line = bad.splitlines().index("    assignee: {role: finance_boss}") + 1
    response = pages.post(
        f"/workflows/{KEY}/check", data={"source": bad, "csrf_token": csrf(pages)}, headers=HX
    )
    assert response.status_code == 200
    assert "<html" not in response.text  # the block alone, rendered for htmx
    (problem,) = [d for d in response_rows(response.text) if d[2] == "error"]
    column = bad.splitlines()[line - 1].index("finance_boss") + 1
    assert problem[:2] == (str(line), str(column))
    assert "finance_boss" in response.text
    # the diagram is not swapped (the text does not load); the status says what it shows
    assert 'id="diagram" class="diagram" hx-swap-oob' not in response.text
    assert 'id="diagram-status"' in response.text and 'data-shows="last"' in response.text
    assert draft_source(workspace) is None  # nothing saved


def response_rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'data-line="(\d+)" data-column="(\d+)" data-severity="(\w+)"', html)


def test_a_check_of_a_good_text_swaps_the_new_diagram_in(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    text = with_legal(published_source(workspace))
    response = pages.post(
        f"/workflows/{KEY}/check", data={"source": text, "csrf_token": csrf(pages)}, headers=HX
    )
    assert "No problems found." in response.text
    assert '<div id="diagram" class="diagram" hx-swap-oob="true"><svg' in response.text
    assert 'data-step="legal_review"' in response.text
    # in Chinese too
    said = pages.post(
        f"/workflows/{KEY}/check",
        data={"source": text, "csrf_token": csrf(pages)},
        headers={**HX, **ZH},
    )
    assert "角色 legal" in said.text


def test_saving_keeps_the_draft_and_a_stale_one_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    text = with_legal(published_source(workspace))
    saved = pages.post(
        f"/workflows/{KEY}/draft",
        data={"source": text.replace("\n", "\r\n"), "csrf_token": csrf(pages)},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{EDIT}?saved=1"
    assert draft_source(workspace) == text  # CRLF from the browser made LF
    page = pages.get(f"{EDIT}?saved=1")
    assert page.context["notice"] == ("saved", None)
    assert page.context["draft"].version == 2
    assert 'data-step="legal_review"' in page.text
    stale = pages.post(
        f"/workflows/{KEY}/draft",
        data={"source": "workflow: x\n", "csrf_token": csrf(pages), "expected_checksum": "0" * 64},
    )
    assert stale.status_code == 409 and stale.template.name == "workflow_editor.html"
    assert stale.context["source"] == "workflow: x\n"
    assert draft_source(workspace) == text


def test_publishing_needs_specs_publish_and_then_cases_follow_it(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("rita", ["risk_analyst"])
    text = with_legal(published_source(workspace))
    pages.post(f"/workflows/{KEY}/draft", data={"source": text, "csrf_token": csrf(pages)})
    page = pages.get(EDIT)
    assert page.context["may_publish"] is False
    assert "Publishing needs the permission specs:publish" in page.text
    refused = pages.post(
        f"/workflows/{KEY}/publish",
        data={
            "comment": "legal",
            "csrf_token": csrf(pages),
            "expected_checksum": page.context["checksum"],
        },
    )
    assert refused.status_code == 403 and refused.template.name == "workflow_editor.html"
    assert refused.context["publish_comment"] == "legal"

    pages.post("/logout", data={"csrf_token": csrf(pages)})
    pages.cookies.clear()
    pages.login("ada", ["admin"])
    page = pages.get(EDIT)
    published = pages.post(
        f"/workflows/{KEY}/publish",
        data={
            "comment": "legal",
            "csrf_token": csrf(pages),
            "expected_checksum": page.context["checksum"],
        },
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    assert published.headers["location"] == f"{EDIT}?published=2"
    assert published_source(workspace) == text
    assert pages.get(f"{EDIT}?published=2").context["notice"] == ("published", 2)


def test_where_approval_is_required_the_editor_requests_it_and_its_author_may_not_decide(
    database: Database, pages: PageClient, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_TEMPLATE, bundle)
    template = bundle / "template.yaml"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "\nroles:", "\ngovernance: {publish_requires_approval: true}\nroles:", 1
        ),
        encoding="utf-8",
    )
    with database.transaction() as session:
        import_template(session, bundle, actor="admin", now=NOW, base_currency="CNY")
    pages.login("paula", ["risk_analyst", "cfo"])
    text = with_legal(published_source(database))
    pages.post(f"/workflows/{KEY}/draft", data={"source": text, "csrf_token": csrf(pages)})
    editor = pages.get(EDIT)
    assert editor.context["needs_approval"] is True
    assert "Request approval" in editor.text
    asked = pages.post(
        f"/workflows/{KEY}/publish",
        data={
            "comment": "legal opinion",
            "csrf_token": csrf(pages),
            "expected_checksum": editor.context["checksum"],
        },
        follow_redirects=False,
    )
    assert asked.status_code == 303
    case_url = asked.headers["location"]
    assert re.fullmatch(r"/cases/\d+", case_url)
    # the author's own approval is refused (four eyes): nothing published
    refused = pages.post(
        f"{case_url}/actions/approve", data={"csrf_token": csrf(pages)}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "paula wrote this change and may not decide on it" in refused.text, refused.text[-800:]
    assert published_source(database) != text
