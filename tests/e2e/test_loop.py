"""The whole loop through the REST API of a live server, on each database backend.

Import the example template, upsert a healthy customer (low, no case), make it risky (high, review
case for sales_manager), let 25 hours pass with nobody acting (the `riskdesk tick` command, in its
own process, escalates to department_head), refuse a sales user, have the department head propose
and the finance head approve, and find the terms changed as the workflow says — every step audited.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from engine import audit
from engine.db import Database
from engine.keys import write_keys_file
from engine.models import AuditEntry
from tests.conftest import EXAMPLE_TEMPLATE, MECHANICS_TEMPLATE, TEST_KEYS
from tests.web.conftest import HEALTHY, RISKY, TERMS, ApiClient

PROBLEM_JSON = "application/problem+json"


def _template_zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, Path(folder.name) / path.relative_to(folder))
    return buffer.getvalue()


def _tick(database_url: str, now: datetime) -> str:
    """Run `riskdesk tick --now` as a separate process on the same database, as cron would."""
    # the same instance keys as the server's: the command reads them from a keys file
    keys_file = Path(tempfile.mkdtemp()) / "riskdesk.keys.json"
    write_keys_file(keys_file, TEST_KEYS)
    env = {
        **os.environ,
        "RISKDESK_DATABASE_URL": database_url,
        "RISKDESK_TIMEZONE": "UTC",
        "RISKDESK_KEYS_FILE": str(keys_file),
    }
    command = [sys.executable, "-m", "web.cli", "tick", "--now", now.isoformat()]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_customer_goes_through_review_escalation_and_terms_change(
    api: ApiClient, database: Database
) -> None:
    admin = api.as_user("ada", ["admin"])
    sales = api.as_user("sam", ["sales"])
    department_head = api.as_user("dora", ["department_head"])
    finance_head = api.as_user("fred", ["finance_head"])
    api.add_user("sally", ["sales_manager"])

    # 1. import the template as a zip with one top-level folder (the example with the simple
    # high-risk review whose steps this loop walks: tests/conftest.py, MECHANICS_TEMPLATE)
    files = {
        "file": ("manufacturing_credit.zip", _template_zip(MECHANICS_TEMPLATE), "application/zip")
    }
    imported = admin.post("/api/v1/templates", files=files)
    assert imported.status_code == 201, imported.text
    assert imported.json()["key"] == "manufacturing_credit"

    # 2. a healthy customer: tier low, no case
    created = admin.put(
        "/api/v1/customers/C-100",
        json={"name": "Ningbo Gears", "department": "East", "data": HEALTHY, "terms": TERMS},
    )
    assert created.status_code == 201, created.text
    assert created.json()["assessment"]["tier"] == "low"
    assert api.get("/api/v1/cases", headers=admin.headers).json()["items"] == []

    # 3. the same customer turns risky: tier high, a review case for sales_manager
    updated = admin.put(
        "/api/v1/customers/C-100",
        json={"name": "Ningbo Gears", "department": "East", "data": RISKY},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["assessment"]["tier"] == "high"
    cases = admin.get("/api/v1/cases", params={"status": "open"}).json()["items"]
    assert [(c["customer_ref"], c["step"], c["assigned_role"]) for c in cases] == [
        ("C-100", "sales_review", "sales_manager")
    ]
    case_id = cases[0]["id"]

    # 4. nobody acts for 25 hours: the sweep (another process) escalates to department_head
    _tick(database.url, datetime.now(UTC) + timedelta(hours=25))
    _tick(database.url, datetime.now(UTC) + timedelta(hours=25, minutes=5))  # fires nothing twice
    case = admin.get(f"/api/v1/cases/{case_id}").json()
    assert (case["step"], case["assigned_role"], case["escalation_level"]) == (
        "sales_review",
        "department_head",
        1,
    )
    mine = department_head.get("/api/v1/cases", params={"status": "open", "assigned": "me"})
    assert [c["id"] for c in mine.json()["items"]] == [case_id]

    # 5. a sales user may not act on it
    refused = sales.post(f"/api/v1/cases/{case_id}/actions/propose_terms", json={})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)

    # 6. the department head proposes, the finance head approves
    proposed = department_head.post(
        f"/api/v1/cases/{case_id}/actions/propose_terms", json={"comment": "halve the line"}
    )
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["step"] == "finance_approval"
    approved = finance_head.post(f"/api/v1/cases/{case_id}/actions/approve", json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "closed"

    # 7. the terms changed as the workflow says
    customer = admin.get("/api/v1/customers/C-100").json()
    assert customer["terms"]["credit_limit"] == 500_000
    assert customer["terms"]["payment_terms_days"] == 30
    assert customer["terms"]["prepayment_pct"] == 0.3
    assert customer["terms"]["order_hold"] is False
    assert customer["open_cases"] == []

    # 8. the audit log holds each step, and its hash chain is intact
    with database.transaction() as session:
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
        assert audit.verify_chain(session) is None
    expected_in_order = [
        "template.imported",
        "customer.created",
        "customer.updated",
        "case.opened",
        "case.escalated",
        "case.action",
        "case.action",
        "terms.changed",
        "case.closed",
    ]
    remaining = iter(actions)
    assert all(step in remaining for step in expected_in_order), actions
    assert actions.count("case.escalated") == 1


def test_invalid_customer_data_lists_every_error_and_stores_nothing(
    api: ApiClient, database: Database
) -> None:
    admin = api.as_user("ada", ["admin"])
    files = {"file": ("t.zip", _template_zip(EXAMPLE_TEMPLATE), "application/zip")}
    assert admin.post("/api/v1/templates", files=files).status_code == 201

    bad = {**HEALTHY, "max_overdue_days": -5, "industry": "space mining", "unknown_field": 1}
    response = admin.put("/api/v1/customers/C-200", json={"name": "Bad", "data": bad})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    paths = sorted(error["path"] for error in response.json()["errors"])
    assert paths == ["data.industry", "data.max_overdue_days", "data.unknown_field"]
    assert admin.get("/api/v1/customers/C-200").status_code == 404


def test_template_with_a_rules_error_is_refused_with_position_and_imports_nothing(
    api: ApiClient, tmp_path: Path
) -> None:
    admin = api.as_user("ada", ["admin"])
    broken = tmp_path / "manufacturing_credit"
    _copy_tree(EXAMPLE_TEMPLATE, broken)
    rules = broken / "rules" / "credit.rules"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("max_overdue_days", "max_overdue_dayz", 1), encoding="utf-8")

    files = {"file": ("t.zip", _template_zip(broken), "application/zip")}
    response = admin.post("/api/v1/templates", files=files)
    assert response.status_code == 422
    errors = response.json()["errors"]
    unknown = [e for e in errors if e["code"] == "unknown-field"]
    assert unknown and unknown[0]["file"] == "rules/credit.rules"
    assert unknown[0]["line"] >= 1 and unknown[0]["column"] >= 1
    assert "max_overdue_days" in unknown[0]["message"]

    # nothing was imported: a customer cannot be scored yet
    response = admin.put("/api/v1/customers/C-300", json={"name": "X", "data": HEALTHY})
    assert response.status_code == 409


def _copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())
