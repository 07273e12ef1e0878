"""Groups in the engine (docs/forms.md, "Groups"): a list of contacts with a sensitive phone is
stored sealed as a whole, opened to score, masked item by item for a viewer without
`view_sensitive`, and a mask sent back keeps the stored value in every item."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from sqlmodel import select

from engine import crypto
from engine.access import DEFAULT_ROLE_PERMISSIONS, Access, Grant, access_of
from engine.customers import CustomerInput, get_customer, upsert_customer
from engine.db import Database
from engine.errors import DataValidationError
from engine.keys import InstanceKeys
from engine.models import AuditEntry, Customer
from tests.engine.conftest import HEALTHY, NOW, TERMS, upsert
from tests.group_forms import with_contacts

CONTACTS = [
    {"name": "Li Lei", "role": "finance", "phone": "13812345678"},
    {"name": "Han Meimei", "phone": "+86 139 0000 1111", "email": "han@example.com"},
]


@pytest.fixture
def grouped(workspace: Database) -> Database:
    with_contacts(workspace)
    return workspace


def viewer(role: str) -> Access:
    return access_of([Grant(role=role, department=None)], DEFAULT_ROLE_PERMISSIONS)


def stored(database: Database, ref: str) -> dict[str, Any]:
    with database.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == ref)).one()
        return dict(row.data)


def test_a_list_with_a_sensitive_sub_field_is_sealed_and_opens_as_normalised(
    grouped: Database,
) -> None:
    upsert(grouped, "C1", {**HEALTHY, "contacts": CONTACTS}, terms=TERMS)
    sealed = stored(grouped, "C1")["contacts"]
    assert crypto.is_sealed(sealed)
    assert "Li Lei" not in str(sealed) and "13812345678" not in str(sealed)
    assert crypto.open_sealed(crypto_keys(grouped), sealed, ref="C1", field_id="contacts") == [
        {"name": "Li Lei", "role": "finance", "phone": "+8613812345678"},
        {"name": "Han Meimei", "phone": "+8613900001111", "email": "han@example.com"},
    ]


def crypto_keys(database: Database) -> InstanceKeys:
    assert database.keys is not None
    return database.keys


def test_a_viewer_without_view_sensitive_sees_each_phone_masked(grouped: Database) -> None:
    upsert(grouped, "C1", {**HEALTHY, "contacts": CONTACTS}, terms=TERMS)
    with grouped.transaction() as session:
        masked = get_customer(session, "C1", viewer=viewer("sales")).data["contacts"]
        clear = get_customer(session, "C1", viewer=viewer("admin")).data["contacts"]
    assert masked == [
        {"name": "Li Lei", "role": "finance", "phone": "138****5678"},
        {"name": "Han Meimei", "phone": "139****1111", "email": "han@example.com"},
    ]
    assert clear[0]["phone"] == "+8613812345678"


def test_the_masks_sent_back_keep_the_stored_phones_in_every_item(grouped: Database) -> None:
    upsert(grouped, "C1", {**HEALTHY, "contacts": CONTACTS}, terms=TERMS)
    sales = viewer("sales")
    with grouped.transaction() as session:
        seen = get_customer(session, "C1", viewer=sales).data["contacts"]
    # the first contact removed, the second renamed, a new one added
    sent = [{**seen[1], "name": "Han M."}, {"name": "Wang", "phone": "13700000000"}]
    with grouped.transaction() as session:
        upsert_customer(
            session, "C1", CustomerInput(data={"contacts": sent}, is_partial=True),
            actor="sam", now=NOW, tz=UTC, viewer=sales,
        )  # fmt: skip
    with grouped.transaction() as session:
        row = session.exec(select(Customer).where(Customer.external_ref == "C1")).one()
        contacts = crypto.customer_data(session, row)["contacts"]
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "customer.updated")
        ).all()
        assert audit and all("13700000000" not in str(entry.detail) for entry in audit)
    assert contacts == [
        {"name": "Han M.", "phone": "+8613900001111", "email": "han@example.com"},
        {"name": "Wang", "phone": "+8613700000000"},
    ]


def test_bad_items_are_refused_with_their_paths_and_nothing_is_stored(grouped: Database) -> None:
    upsert(grouped, "C1", {**HEALTHY, "contacts": CONTACTS}, terms=TERMS)
    before = stored(grouped, "C1")
    bad = [*CONTACTS, {"phone": "123"}, {"name": "x", "fax": "1"}]
    with pytest.raises(DataValidationError) as raised, grouped.transaction() as session:
        upsert_customer(
            session, "C1", CustomerInput(data={"contacts": bad}, is_partial=True),
            actor="api", now=NOW, tz=UTC,
        )  # fmt: skip
    assert [e.to_dict()["path"] for e in raised.value.errors] == [
        "data.contacts",
        "data.contacts[2].name",
        "data.contacts[2].phone",
        "data.contacts[3].fax",
    ]
    assert stored(grouped, "C1") == before
