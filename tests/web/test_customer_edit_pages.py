"""The customer edit page (issue 11, "Pages"): the published form by section, values typed as a
finance team writes them, every error beside its field with what was typed kept, the live check
that stores nothing, sensitive values kept behind their mask, a stale form refused, and the save
stamped `page` and scored like any update."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from sqlmodel import select

from engine import crypto
from engine.customers import CustomerInput, find_customer, upsert_customer
from engine.db import Database
from engine.drafts import save_draft
from engine.models import AuditEntry, SpecKind
from engine.publishing import publish_draft
from engine.specs import find_row
from tests.web.conftest import HEALTHY, TERMS, PageClient

CREATED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
PHONE = "+8613812345678"


def _customer(database: Database, **data: object) -> None:
    payload = CustomerInput(
        department="east", data={**HEALTHY, "contact_phone": PHONE, **data}, terms=TERMS
    )
    with database.transaction() as session:
        upsert_customer(session, "C001", payload, actor="api", now=CREATED, tz=UTC)


def _stored(database: Database) -> tuple[dict[str, Any], dict[str, Any], int, str | None]:
    """The customer's data in clear, its fields' freshness, row version and tier."""
    with database.transaction() as session:
        customer = find_customer(session, "C001")
        data = crypto.customer_data(session, customer)
        freshness = dict((customer.freshness or {}).get("fields") or {})
        return data, freshness, customer.row_version, customer.tier


def _form(pages: PageClient, **fields: str) -> dict[str, str]:
    page = pages.get("/customers/C001/edit")
    assert page.status_code == 200, page.text
    edit = page.context["edit"]
    posted = {
        f"data.{f.id}": "" if f.value is None else str(f.value)
        for s in edit.sections
        for f in s.fields
        if f.type != "multi_choice"
    }
    posted.update({"csrf_token": page.context["csrf_token"]})
    posted["expected_version"] = str(edit.row_version)
    posted.update({f"data.{k}": v for k, v in fields.items()})
    return posted


def test_edit_page_shows_the_form_by_section_with_the_stored_values(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers/C001/edit", headers={"Accept-Language": "zh"})
    assert page.template.name == "customer_edit.html"
    fields = {f.id: f for s in page.context["edit"].sections for f in s.fields}
    assert fields["max_overdue_days"].label == "最长逾期天数"
    assert (fields["max_overdue_days"].value, fields["industry"].value) == (0, "manufacturing")
    assert fields["industry"].option_titles[0] == "制造业"
    assert fields["name"].required
    assert 'id="edit-max_overdue_days"' in page.text


def test_saving_the_form_updates_scores_and_stamps_page(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    _, _, version, tier = _stored(workspace)
    pages.login("sam", ["sales_manager"])
    posted = _form(
        pages, max_overdue_days="１２０", outstanding_balance="1,200,000", enforcement_records="2"
    )
    response = pages.post("/customers/C001/edit", data=posted, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/customers/C001"
    data, freshness, new_version, new_tier = _stored(workspace)
    assert (data["max_overdue_days"], data["outstanding_balance"]) == (120, 1_200_000)
    assert data["contact_phone"] == PHONE  # shown masked to a sales manager, kept
    assert freshness["max_overdue_days"]["source"] == "page"
    assert freshness["name"]["source"] == "api"  # unchanged fields keep their stamp
    assert new_version > version
    assert (tier, new_tier) == ("low", "high")  # scored again: the tier moved
    with workspace.transaction() as session:
        audit = session.exec(select(AuditEntry).where(AuditEntry.actor == "sam")).all()
    assert audit, "the save is audited under the editor's name"


def test_an_emptied_field_is_removed(workspace: Database, pages: PageClient) -> None:
    _customer(workspace, credit_notes="slow payer")
    pages.login("sam", ["sales_manager"])
    response = pages.post(
        "/customers/C001/edit", data=_form(pages, credit_notes=""), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert "credit_notes" not in _stored(workspace)[0]


def test_a_refused_save_shows_every_error_beside_its_field_and_stores_nothing(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    before = _stored(workspace)
    pages.login("sam", ["sales_manager"])
    posted = _form(pages, max_overdue_days="12,3", enforcement_records="-1", name="")
    response = pages.post("/customers/C001/edit", data=posted, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.template.name == "customer_edit.html"
    fields = {f.id: f for s in response.context["edit"].sections for f in s.fields}
    assert fields["max_overdue_days"].value == "12,3"  # what was typed, kept
    assert fields["max_overdue_days"].errors and fields["enforcement_records"].errors
    assert fields["name"].errors
    assert not fields["industry"].errors
    assert 'aria-invalid="true"' in response.text
    assert _stored(workspace) == before


def test_the_live_check_answers_the_fields_block_and_stores_nothing(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    before = _stored(workspace)
    pages.login("sam", ["sales_manager"])
    posted = _form(pages, max_overdue_days="abc")
    response = pages.post(
        "/customers/C001/edit/check",
        data=posted,
        headers={"HX-Request": "true", "Accept-Language": "zh"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="edit-fields"')
    assert "<html" not in response.text
    assert 'data-errors="1"' in response.text
    assert "待更正的问题：1" in response.text
    assert _stored(workspace) == before
    clean = pages.post("/customers/C001/edit/check", data=_form(pages))
    assert 'data-errors="0"' in clean.text


def test_a_sensitive_value_is_masked_and_a_new_one_replaces_it(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    fields = {f.id: f for s in pages.get("/customers/C001/edit").context["edit"].sections
              for f in s.fields}  # fmt: skip
    assert fields["contact_phone"].is_masked
    assert PHONE not in str(fields["contact_phone"].value)
    response = pages.post(
        "/customers/C001/edit",
        data=_form(pages, contact_phone="13900001111"),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert _stored(workspace)[0]["contact_phone"] == "+8613900001111"


def test_a_form_read_before_another_change_is_refused(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    posted = _form(pages, max_overdue_days="45")
    _customer(workspace, max_overdue_days=10)  # someone else saves meanwhile
    response = pages.post("/customers/C001/edit", data=posted)
    assert response.status_code == 409
    assert response.context["problem"]
    assert _stored(workspace)[0]["max_overdue_days"] == 10


def test_editing_needs_customers_write_in_the_customers_department(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("rita", ["legal"])
    assert pages.get("/customers/C001/edit").status_code == 403
    assert 'id="edit-customer"' not in pages.get("/customers/C001").text


def test_the_customer_page_links_the_edit_form_for_writers(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    assert 'href="/customers/C001/edit"' in pages.get("/customers/C001").text


CONDITIONAL_FIELDS = """\
  - id: export_licence
    type: text
    label: {en: Export licence, zh: 出口许可证}
    visible_when: "is_cross_border"
    required: true
  - id: usage_ratio
    type: decimal
    label: {en: Usage ratio, zh: 额度使用率}
    computed: "if credit_limit > 0 then outstanding_balance / credit_limit else 0"
"""


def _with_conditional_fields(database: Database) -> None:
    """Publish the workspace's customer form with a field shown only for cross-border
    customers and a computed one (adding fields needs no mapping)."""
    with database.transaction() as session:
        published = find_row(session, SpecKind.FORM, "customer")
        source = published.source.rstrip("\n") + "\n" + CONDITIONAL_FIELDS
        save_draft(session, SpecKind.FORM, "customer", source, actor="ada", now=CREATED)
        publish_draft(
            session, SpecKind.FORM, "customer", comment="conditions", effective_at=None,
            actor="ada", now=CREATED,
        )  # fmt: skip


def _error_beside(html: str, field_id: str) -> str | None:
    """The error text shown beside field `field_id`'s input (None: none)."""
    found = re.search(rf'<span class="field-error" id="edit-{field_id}-errors">(.*?)</span>', html)
    return unescape(found.group(1)) if found else None


def _fields(response: Any) -> dict[str, Any]:
    return {f.id: f for s in response.context["edit"].sections for f in s.fields}


def test_a_conditional_field_shows_as_its_condition_holds_and_a_computed_one_is_read_only(
    workspace: Database, pages: PageClient
) -> None:
    _with_conditional_fields(workspace)
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers/C001/edit")
    fields = _fields(page)
    assert not fields["export_licence"].is_visible
    assert 'data-field="export_licence" data-hidden="true" hidden' in page.text
    assert fields["usage_ratio"].is_computed and fields["usage_ratio"].value == 0.1
    # ticking "cross-border" shows the licence, required: the live check says it is missing
    checked = pages.post(
        "/customers/C001/edit/check", data=_form(pages, is_cross_border="true")
    )
    licence = checked.text.split('data-field="export_licence"', 1)[1].split("</div>", 1)[0]
    assert "hidden" not in licence.split(">", 1)[0]
    assert 'class="required"' in licence and 'class="field-error"' in licence
    saved = pages.post(
        "/customers/C001/edit",
        data=_form(pages, is_cross_border="true", export_licence="EL-2026-7",
                   outstanding_balance="500000"),
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    data = _stored(workspace)[0]
    assert (data["export_licence"], data["usage_ratio"]) == ("EL-2026-7", 0.5)
    # no longer cross-border: a licence still sent is refused, never dropped unsaid ...
    kept = pages.post("/customers/C001/edit", data=_form(pages, is_cross_border="false"))
    assert kept.status_code == 422 and _fields(kept)["export_licence"].errors
    # ... said beside the field, shown for it, which is sent empty now
    refused = kept.text.split('data-field="export_licence"', 1)[1].split("</div>", 1)[0]
    assert 'class="field-error"' in refused and "saving again clears its value" in refused
    assert 'name="data.export_licence" value=""' in refused
    # ... and the form as the live check redraws it sends the hidden licence empty: cleared
    hidden = pages.post(
        "/customers/C001/edit/check", data=_form(pages, is_cross_border="false")
    ).text
    assert 'data-field="export_licence" data-hidden="true" hidden' in hidden
    again = pages.post(
        "/customers/C001/edit",
        data=_form(pages, is_cross_border="false", export_licence=""),
        follow_redirects=False,
    )
    assert again.status_code == 303, again.text
    assert "export_licence" not in _stored(workspace)[0]


def test_an_amount_typed_with_its_currency_is_saved_shown_and_typed_back(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    pages.login("sam", ["sales_manager"])
    posted = _form(pages, outstanding_balance="USD 150,000.50")
    response = pages.post("/customers/C001/edit", data=posted, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert _stored(workspace)[0]["outstanding_balance"] == {"amount": 150_000.5, "currency": "USD"}

    customer_page = pages.get("/customers/C001")
    assert "150,000.50 USD" in customer_page.text
    page = pages.get("/customers/C001/edit")
    assert 'name="data.outstanding_balance" value="150000.5 USD"' in page.text
    # the text the input shows, posted back as it is, saves the same value
    again = _form(pages, outstanding_balance="150000.5 USD")
    assert pages.post("/customers/C001/edit", data=again).status_code == 200
    assert _stored(workspace)[0]["outstanding_balance"] == {"amount": 150_000.5, "currency": "USD"}


def test_an_amount_in_no_currency_is_refused_beside_its_field(
    workspace: Database, pages: PageClient
) -> None:
    _customer(workspace)
    before = _stored(workspace)
    pages.login("sam", ["sales_manager"])
    for typed, words in [
        ("150 RMB", "货币代码"),  # not an ISO 4217 code: at outstanding_balance.currency
        ("¥150", "货币符号"),  # a sign names no single currency
    ]:
        posted = _form(pages, outstanding_balance=typed)
        response = pages.post(
            "/customers/C001/edit", data=posted, headers={"Accept-Language": "zh"}
        )
        assert response.status_code == 422, typed
        fields = {f.id: f for s in response.context["edit"].sections for f in s.fields}
        assert fields["outstanding_balance"].value == typed
        (error,) = fields["outstanding_balance"].errors
        assert words in error, error
    assert _stored(workspace) == before


def test_a_taken_unique_value_is_shown_beside_its_field(
    workspace: Database, pages: PageClient
) -> None:
    from tests.engine.test_form_versions import draft, publish, source_of
    from tests.engine.test_unique_values import _unique

    _customer(workspace, contact_email="taken@a.cn")
    with workspace.transaction() as session:
        upsert_customer(
            session, "C002", CustomerInput(department="east", data=dict(HEALTHY)),
            actor="api", now=CREATED, tz=UTC,
        )  # fmt: skip
    draft(workspace, _unique(source_of(workspace), "contact_email"))
    publish(workspace, {})
    pages.login("sam", ["sales_manager"])
    page = pages.get("/customers/C002/edit")
    edit = page.context["edit"]
    posted = {
        f"data.{f.id}": "" if f.value is None else str(f.value)
        for s in edit.sections
        for f in s.fields
        if f.type != "multi_choice"
    }
    posted.update({"csrf_token": page.context["csrf_token"]})
    posted["expected_version"] = str(edit.row_version)
    posted["data.contact_email"] = "TAKEN@a.cn"
    # the live check as one types finds it too (it stores nothing)
    checked = pages.post("/customers/C002/edit/check", data=posted, headers={"HX-Request": "true"})
    assert checked.status_code == 200, checked.text
    assert _error_beside(checked.text, "contact_email") == (
        "Contact e-mail: customer 'C001' already has this value; it must be unique"
    )
    response = pages.post("/customers/C002/edit", data=posted, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.text
    fields = {f.id: f for s in response.context["edit"].sections for f in s.fields}
    assert fields["contact_email"].errors
    assert "C001" in response.text and "must be unique" in response.text
    # with another error in the same post, both are shown at once
    posted["data.max_overdue_days"] = "12,3"
    response = pages.post("/customers/C002/edit", data=posted, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.text
    fields = {f.id: f for s in response.context["edit"].sections for f in s.fields}
    assert fields["contact_email"].errors and fields["max_overdue_days"].errors
    # a value nobody else holds: no error from the check
    posted["data.max_overdue_days"] = "12"
    posted["data.contact_email"] = "free@a.cn"
    checked = pages.post("/customers/C002/edit/check", data=posted, headers={"HX-Request": "true"})
    assert _error_beside(checked.text, "contact_email") is None
