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


CONTACTS = {
    "f.id": "contacts",
    "f.type": "group",
    "f.label_en": "Contacts",
    "f.label_zh": "联系人",
    "f.multiple": "true",
    "f.max_items": "5",
}
NAME = {"f.id": "name", "f.type": "text", "f.label_en": "Name", "f.required": "true"}
PHONE = {"f.id": "phone", "f.type": "phone", "f.label_en": "Phone", "f.label_zh": "电话"}
GROUP_URL = "/forms/customer/builder/fields/contacts/fields"


def _with_contacts_group(pages: PageClient) -> FormBuilder:
    """The builder after adding the contacts group and its sub-fields name and phone."""
    guard, _ = _open(pages)
    made = pages.post("/forms/customer/builder/fields", data={**guard, **CONTACTS})
    assert made.status_code == 200
    group = made.context["builder"].field("contacts")
    assert group is not None and group.is_group and not group.sub_fields
    assert [d.code for d in group.problems] == ["missing-fields"]  # a group needs a sub-field
    for sub in (NAME, PHONE):
        guard, _ = _open(pages, "?field=contacts")
        added = pages.post(GROUP_URL, data={**guard, **sub}, follow_redirects=False)
        assert added.status_code == 303, added.text
        assert added.headers["location"] == (
            f"/forms/customer/builder?field=contacts&sub={sub['f.id']}&saved=1"
        )
    return _open(pages, "?field=contacts")[1]


def test_a_group_is_built_with_its_sub_fields_as_the_forms_draft(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    builder = _with_contacts_group(pages)
    assert not builder.has_errors
    group = builder.field("contacts")
    assert group is not None
    assert [(s.path, s.type) for s in group.sub_fields] == [
        ("contacts.name", "text"),
        ("contacts.phone", "phone"),
    ]
    assert (group.inputs["multiple"], group.inputs["max_items"]) == ("true", "5")
    source = _draft_source(workspace)
    assert source is not None and "multiple: true" in source and "max_items: 5" in source
    page = pages.get("/forms/customer/builder?field=contacts&sub=phone")
    assert page.context["editing"].id == "contacts"
    assert page.context["editing_sub"].path == "contacts.phone"
    assert page.context["sub_inputs"]["label_zh"] == "电话"
    assert 'id="fb-multiple" name="f.multiple" value="true" checked' in page.text
    assert 'id="fb-max_items" name="f.max_items" value="5"' in page.text
    # the sub-field editor has the options a sub-field takes, and no group type
    assert 'id="fbs-sensitive"' in page.text and 'id="fbs-unique"' not in page.text
    assert 'id="fbs-section"' not in page.text and 'id="fbs-visible_when"' not in page.text
    sub_types = page.text.split('id="fbs-type"')[1].split("</select>")[0]
    assert 'value="group"' not in sub_types and 'value="phone" selected' in sub_types
    # the preview: the group as the edit page renders it, a row and "Add to Contacts"
    preview = page.text.split('id="preview"')[1]
    assert 'id="edit-contacts.0.phone"' in preview and 'data-testid="add-contacts"' in preview
    assert 'value="remove:contacts:0"' in preview
    chinese = pages.get("/forms/customer/builder?field=contacts", headers={"Accept-Language": "zh"})
    assert "联系人 的子字段" in chinese.text and "添加子字段" in chinese.text
    assert "列表（可填多项）" in chinese.text
    assert "添加到联系人" in chinese.text.split('id="preview"')[1]  # the preview in Chinese too


def test_a_group_saved_again_keeps_its_sub_fields(workspace: Database, pages: PageClient) -> None:
    pages.login("ada", ["admin"])
    _with_contacts_group(pages)
    guard, _ = _open(pages, "?field=contacts")
    single = {**CONTACTS, "f.multiple": "", "f.max_items": "", "f.label_en": "Main contact"}
    saved = pages.post(
        "/forms/customer/builder/fields",
        data={**guard, **single, "original": "contacts"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    builder = _open(pages)[1]
    group = builder.field("contacts")
    assert group is not None and group.title == "Main contact"
    assert [s.id for s in group.sub_fields] == ["name", "phone"]
    assert group.inputs["multiple"] == "" and not builder.has_errors


def test_sub_fields_move_and_go_and_a_stale_page_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    _with_contacts_group(pages)
    guard, _ = _open(pages, "?field=contacts")
    moved = pages.post(
        f"{GROUP_URL}/phone/move", data={**guard, "direction": "up"}, follow_redirects=False
    )
    assert moved.status_code == 303
    assert moved.headers["location"] == "/forms/customer/builder?field=contacts&saved=1"
    fresh, builder = _open(pages, "?field=contacts")
    group = builder.field("contacts")
    assert group is not None and [s.id for s in group.sub_fields] == ["phone", "name"]
    stale = pages.post(f"{GROUP_URL}/name/delete", data=guard)
    assert stale.status_code == 409  # the draft changed since that page
    assert stale.context["editing"].id == "contacts"
    gone = pages.post(f"{GROUP_URL}/name/delete", data=fresh, follow_redirects=False)
    assert gone.status_code == 303
    group = _open(pages)[1].field("contacts")
    assert group is not None and [s.id for s in group.sub_fields] == ["phone"]


def test_a_sub_field_with_unique_is_refused_at_its_path(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    _with_contacts_group(pages)
    guard, _ = _open(pages, "?field=contacts&sub=phone")
    pages.post(GROUP_URL, data={**guard, **PHONE, "f.unique": "true", "original": "phone"})
    page = pages.get("/forms/customer/builder?field=contacts&sub=phone")
    builder = page.context["builder"]
    assert builder.has_errors and builder.preview is None
    group = builder.field("contacts")
    assert group is not None and not group.problems  # placed at the sub-field, not the group
    phone = group.sub_field("phone")
    assert phone is not None and [d.code for d in phone.problems] == ["not-in-group"]
    shown = page.context["problems"]["contacts.phone"]
    assert [r.message for r in shown] == ["'unique' cannot be used inside a group"]
    assert 'data-path="contacts.phone"' in page.text
    assert "<code>contacts.phone</code>: " in page.text


def test_the_sub_field_being_edited_is_previewed_and_nothing_saved(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    _with_contacts_group(pages)
    before = _draft_source(workspace)
    guard, _ = _open(pages, "?field=contacts")
    email = {"f.id": "email", "f.type": "email", "f.label_zh": "邮箱", "parent": "contacts"}
    response = pages.post(
        "/forms/customer/builder/preview",
        data={**guard, **email},
        headers={"HX-Request": "true", "Accept-Language": "zh"},
    )
    assert response.status_code == 200
    assert 'id="edit-contacts.0.email"' in response.text and "邮箱" in response.text
    assert _draft_source(workspace) == before


def test_a_sub_field_of_a_group_the_form_lacks_is_not_found(
    workspace: Database, pages: PageClient
) -> None:
    pages.login("ada", ["admin"])
    guard, _ = _open(pages)
    for url in ("/forms/customer/builder/fields/name/fields", GROUP_URL):
        assert pages.post(url, data={**guard, **PHONE}).status_code == 404
    assert pages.post(f"{GROUP_URL}/phone/delete", data=guard).status_code == 404
    assert (
        pages.post(
            "/forms/customer/builder/preview", data={**guard, **PHONE, "parent": "contacts"}
        ).status_code
        == 404
    )
    assert _draft_source(workspace) is None
