"""A list group on the customer edit page (docs/forms.md, "Groups"): "Add to Contacts" gives an
empty row (nothing saved), the rows typed are saved as a list, an error shows beside its
sub-field with what was typed kept, and "Remove" takes a row out."""

from __future__ import annotations

import re
from typing import Any

from engine import crypto
from engine.customers import find_customer
from engine.db import Database
from tests.group_forms import with_contacts
from tests.web.conftest import HEALTHY, TERMS, PageClient, upsert


def _posted(page: Any) -> dict[str, str]:
    """The form's inputs as a browser would post them (text inputs and selected options)."""
    fields: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text):
        fields[name] = value
    for name, body in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page.text, re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        fields[name] = chosen[1] if chosen else ""
    return fields


def _contacts(database: Database) -> Any:
    with database.transaction() as session:
        return crypto.customer_data(session, find_customer(session, "C-1")).get("contacts")


def test_contacts_are_added_saved_checked_and_removed_on_the_edit_page(
    workspace: Database, pages: PageClient
) -> None:
    with_contacts(workspace)
    upsert(workspace, "C-1", HEALTHY, terms=TERMS)
    pages.login("ada", ["admin"])
    page = pages.get("/customers/C-1/edit")
    assert page.status_code == 200 and "Add to Contacts" in page.text

    added = pages.post(
        "/customers/C-1/edit", data={**_posted(page), "group_action": "add:contacts"}
    )
    assert added.status_code == 200 and 'name="data.contacts.0.name"' in added.text
    assert _contacts(workspace) is None  # adding a row saves nothing

    typed = {**_posted(added), "data.contacts.0.name": "Li Lei", "data.contacts.0.phone": "12"}
    refused = pages.post("/customers/C-1/edit", data=typed)
    assert refused.status_code == 422
    assert 'id="edit-contacts.0.phone-errors"' in refused.text
    assert 'value="Li Lei"' in refused.text  # what was typed is kept

    typed["data.contacts.0.phone"] = "138 1234 5678"
    saved = pages.post("/customers/C-1/edit", data=typed, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _contacts(workspace) == [{"name": "Li Lei", "phone": "+8613812345678"}]
    shown = pages.get("/customers/C-1")
    assert "Li Lei" in shown.text and "Contacts" in shown.text

    again = pages.get("/customers/C-1/edit")
    removed = pages.post(
        "/customers/C-1/edit", data={**_posted(again), "group_action": "remove:contacts:0"}
    )
    assert removed.status_code == 200 and 'name="data.contacts.0.name"' not in removed.text
    emptied = pages.post("/customers/C-1/edit", data=_posted(removed), follow_redirects=False)
    assert emptied.status_code == 303, emptied.text
    assert not _contacts(workspace)
