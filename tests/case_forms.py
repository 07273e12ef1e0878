"""The example template with a proposal form and a four-eyes quorum, for the case page's tests.

`proposal_template(folder)` copies the mechanics copy of the example (tests/conftest.py: the
simple high_risk_review) into `folder` and changes that workflow: `propose_terms` fills the
form `credit_terms_proposal` (a proposed limit, proposed payment days, a rationale),
`finance_approval` needs two approvals with four eyes, and the apply step sets the terms from
the form (`credit_limit: "case.data.proposed_limit"`). The `proposal_workspace` fixture imports
it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.db import Database
from engine.templates import import_template
from tests.conftest import MECHANICS_TEMPLATE

PROPOSAL = "credit_terms_proposal"

PROPOSAL_FORM = """\
form: credit_terms_proposal
label: {en: Proposed credit terms, zh: 拟议信用条件}
fields:
  - id: proposed_limit
    type: money
    label: {en: Proposed credit limit, zh: 拟议信用额度}
    required: true
    min: 0
  - id: proposed_days
    type: integer
    label: {en: Proposed payment terms (days), zh: 拟议账期（天）}
    min: 0
    max: 365
  - {id: rationale, type: text, label: {en: Rationale, zh: 理由}, max_length: 500}
"""

# (the text in the example's workflow, what it becomes)
_EDITS = (
    (
        "propose_terms: {to: finance_approval}",
        "propose_terms: {to: finance_approval, form: credit_terms_proposal}",
    ),
    (
        "    assignee: {role: finance_head}\n",
        "    assignee: {role: finance_head}\n"
        "    approval: {quorum: 2, four_eyes: true, action: approve}\n",
    ),
    ('credit_limit: "credit_limit * 50%"', 'credit_limit: "case.data.proposed_limit"'),
    ("payment_terms_days: 30", 'payment_terms_days: "case.data.proposed_days"'),
)


def proposal_template(folder: Path) -> Path:
    """The changed copy of the example template, in `folder`."""
    bundle = folder / "manufacturing_credit"
    shutil.copytree(MECHANICS_TEMPLATE, bundle)
    workflow = bundle / "workflows" / "high_risk_review.yaml"
    text = workflow.read_text(encoding="utf-8")
    for old, new in _EDITS:
        assert old in text, old
        text = text.replace(old, new)
    workflow.write_text(text, encoding="utf-8")
    (bundle / "forms" / f"{PROPOSAL}.yaml").write_text(PROPOSAL_FORM, encoding="utf-8")
    template = bundle / "template.yaml"
    first = "forms: [forms/customer.yaml,"
    manifest = template.read_text(encoding="utf-8")
    assert first in manifest
    if f"forms/{PROPOSAL}.yaml" not in manifest:  # the example lists its own proposal form
        manifest = manifest.replace(first, f"{first} forms/{PROPOSAL}.yaml,")
    template.write_text(manifest, encoding="utf-8")
    return bundle


@pytest.fixture
def proposal_workspace(database: Database, tmp_path: Path) -> Database:
    """The database with the changed example template imported."""
    from tests.engine.conftest import NOW

    with database.transaction() as session:
        import_template(
            session, proposal_template(tmp_path), actor="admin", now=NOW, base_currency="CNY"
        )
    return database
