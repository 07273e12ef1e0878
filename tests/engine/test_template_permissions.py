"""A template maps its roles to permissions; the checker refuses unknown roles and permissions."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dsl import DiagnosticsError
from engine.bundle import load_bundle
from engine.db import Database
from engine.templates import import_template
from engine.users import add_user, get_user
from tests.conftest import EXAMPLE_TEMPLATE

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def _with_permissions(tmp_path: Path, block: str) -> Path:
    copy = tmp_path / "template"
    shutil.copytree(EXAMPLE_TEMPLATE, copy)
    manifest = copy / "template.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + block, encoding="utf-8")
    return copy


def test_mapped_role_carries_exactly_its_permissions(database: Database, tmp_path: Path) -> None:
    path = _with_permissions(tmp_path, "permissions:\n  sales: [customers:read]\n")
    with database.transaction() as session:
        import_template(session, path, actor="admin", now=NOW, base_currency="CNY")
        add_user(session, "sam", roles=["sales"], now=NOW)
        add_user(session, "lea", roles=["legal"], now=NOW)
        sam, lea = get_user(session, "sam"), get_user(session, "lea")
    assert sam is not None and lea is not None
    assert sam.can("customers:read") and not sam.can("events:write")
    assert lea.can("events:write")  # legal is not mapped: the documented defaults


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            "permissions:\n  sales: [customers:read, everything]\n",
            "template.yaml:27:27: error: item 2 of 'permissions.sales': 'everything' is not one "
            "of ['alerts:acknowledge',",
        ),
        (
            "permissions:\n  auditor: [audit:read]\n",
            "template.yaml:27:3: error: permissions "
            "names the role 'auditor', which is not in roles",
        ),
        (
            "permissions:\n  admin: [audit:read]\n",
            "template.yaml:27:3: error: the role admin holds every permission",
        ),
    ],
)
def test_bad_permissions_are_positioned_errors(tmp_path: Path, block: str, expected: str) -> None:
    path = _with_permissions(tmp_path, block)
    # "27" in `expected` is the line of the block's second line: moved to where it is appended
    shipped = len((EXAMPLE_TEMPLATE / "template.yaml").read_text(encoding="utf-8").splitlines())
    expected = expected.replace("template.yaml:27:", f"template.yaml:{shipped + 2}:")
    with pytest.raises(DiagnosticsError) as raised:
        load_bundle(path)
    rendered = [
        f"{d.span.file}:{d.span.line}:{d.span.column}: error: {d.message}"
        for d in raised.value.diagnostics
        if d.span is not None
    ]
    assert any(line.startswith(expected) for line in rendered), rendered
