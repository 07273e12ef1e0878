"""The form builder's page (issue 11, "Pages"): the customer form's fields listed, a field added
through the field editor with a live preview that saves nothing, fields moved and removed, each
change saved as the form's draft and checked, a stale page refused."""

from __future__ import annotations

from engine import drafts
from engine.db import Database
from engine.errors import NotFoundError
from engine.form_builder import FormBuilder
from engine.models import SpecKind
from tests.web.conftest import PageClient

BUREAU = {
    "f.id": "bureau_score",
    "f.type": "integer",
    "f.label_en": "Bureau score",
    "f.label_zh": "征信评分",
    "f.min": "0",
    "f.max": "900",
}


def _draft_source(database: Database) -> str | None:
    with database.transaction() as session:
        try:
            return drafts.get_draft(session, SpecKind.FORM, "customer").source
        except NotFoundError:
            return None


def _open(pages: PageClient, query: str = "") -> tuple[dict[str, str], FormBuilder]:
    page = pages.get(f"/forms/customer/builder{query}")
    assert page.status_code == 200, page.text
    builder = page.context["builder"]
    return {"csrf_token": page.context["csrf_token"], "checksum": builder.checksum or ""}, builder


def test_the_builder_lists_the_published_forms_fields(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    page = pages.get("/forms/customer/builder", headers={"Accept-Language": "zh"})
    assert page.template.name == "form_builder.html"
    builder = page.context["builder"]
    assert not builder.has_draft
    ids = [f.id for f in builder.fields]
    assert ids[0] == "name" and "max_overdue_days" in ids
    assert builder.preview is not None  # the form as the edit page renders it
    assert 'data-field="max_overdue_days"' in page.text


def test_a_field_added_in_the_editor_is_saved_as_the_draft(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, _ = _open(pages)
    response = pages.post(
        "/forms/customer/builder/fields", data={**guard, **BUREAU}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/forms/customer/builder?field=bureau_score&saved=1"
    source = _draft_source(workspace)
    assert source is not None and "bureau_score" in source
    _, builder = _open(pages, "?field=bureau_score")
    assert builder.has_draft and not builder.has_errors
    assert builder.fields[-1].id == "bureau_score"
    assert builder.fields[-1].inputs["label_zh"] == "征信评分"


def test_the_preview_shows_the_field_being_edited_and_saves_nothing(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, _ = _open(pages)
    response = pages.post(
        "/forms/customer/builder/preview",
        data={**guard, **BUREAU},
        headers={"HX-Request": "true", "Accept-Language": "zh"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="preview"')
    assert "征信评分" in response.text and 'id="edit-bureau_score"' in response.text
    assert _draft_source(workspace) is None
    broken = pages.post("/forms/customer/builder/preview", data={**guard, **BUREAU, "f.min": "x"})
    assert 'id="preview-broken"' in broken.text


def test_fields_move_and_go_and_a_stale_page_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, builder = _open(pages)
    second = builder.fields[1].id
    moved = pages.post(
        f"/forms/customer/builder/fields/{second}/move",
        data={**guard, "direction": "up"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    fresh, builder = _open(pages)
    assert builder.fields[0].id == second
    stale = pages.post(f"/forms/customer/builder/fields/{second}/delete", data=guard)
    assert stale.status_code == 409  # the page showed the published form; a draft exists now
    gone = pages.post(
        f"/forms/customer/builder/fields/{second}/delete", data=fresh, follow_redirects=False
    )
    assert gone.status_code == 303
    assert second not in [f.id for f in _open(pages)[1].fields]


def test_a_field_the_check_refuses_is_saved_with_its_problem_shown(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, _ = _open(pages)
    pages.post("/forms/customer/builder/fields", data={**guard, **BUREAU, "f.min": "lots"})
    page = pages.get("/forms/customer/builder?field=bureau_score")
    assert page.context["builder"].has_errors
    assert page.context["builder"].preview is None
    assert 'id="builder-diagnostics"' in page.text


def test_the_builder_needs_specs_edit(workspace: Database, pages: PageClient) -> None:
    pages.login("rita", ["legal"])
    assert pages.get("/forms/customer/builder").status_code == 403
    assert 'href="/forms/customer/builder"' not in pages.get("/customers").text


def test_the_unique_checkbox_is_saved_and_shown_again(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, _ = _open(pages)
    response = pages.post(
        "/forms/customer/builder/fields",
        data={**guard, **BUREAU, "f.unique": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    source = _draft_source(workspace)
    assert source is not None and "unique: true" in source
    page = pages.get("/forms/customer/builder?field=bureau_score")
    builder = page.context["builder"]
    assert not builder.has_errors
    assert 'id="fb-unique" name="f.unique" value="true" checked' in page.text
