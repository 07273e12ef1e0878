"""The workspace's customer form with a list of contacts (a group, docs/forms.md "Groups"),
published over the example one: the engine, page and browser tests of groups share it."""

from __future__ import annotations

from datetime import UTC, datetime

from engine.db import Database
from engine.drafts import save_draft
from engine.models import SpecKind
from engine.publishing import publish_draft
from engine.specs import find_row

PUBLISHED_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

CONTACTS = """\
  - id: contacts
    type: group
    multiple: true
    max_items: 3
    label: {en: Contacts, zh: 联系人}
    fields:
      - {id: name, type: text, label: {en: Name, zh: 姓名}, required: true}
      - id: role
        type: choice
        label: {en: Role, zh: 职务}
        options:
          - {value: finance, label: {en: Finance, zh: 财务}}
          - {value: purchasing, label: {en: Purchasing, zh: 采购}}
      - {id: phone, type: phone, label: {en: Phone, zh: 电话}, sensitive: true}
      - {id: email, type: email, label: {en: E-mail, zh: 邮箱}}
"""


def with_contacts(database: Database) -> None:
    """Publish the customer form with `contacts` added (adding a field needs no mapping)."""
    with database.transaction() as session:
        published = find_row(session, SpecKind.FORM, "customer")
        source = published.source.rstrip("\n") + "\n" + CONTACTS
        save_draft(session, SpecKind.FORM, "customer", source, actor="ada", now=PUBLISHED_AT)
        publish_draft(
            session, SpecKind.FORM, "customer", comment="contacts", effective_at=None,
            actor="ada", now=PUBLISHED_AT,
        )  # fmt: skip
