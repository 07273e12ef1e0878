"""A proposal form on the example workflow, for the case page's tests, until the workflow
loader reads action forms and approvals (issue 10, H1): the loaded workflow gets a form on
`propose_terms` and a four-eyes quorum of 2 on `finance_approval`, and the form is served as if
published. In-process only (monkeypatch): the engine's and the page tests, not the live server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import pytest
from sqlmodel import Session

import forms
import workflows
from engine import specs

PROPOSAL = "credit_terms_proposal"


def _proposal_form() -> forms.Form:
    def field(field_id: str, kind: forms.FieldType, en: str, zh: str, **kw: Any) -> forms.Field:
        return forms.Field(field_id, kind, MappingProxyType({"en": en, "zh": zh}), **kw)

    return forms.Form(
        key=PROPOSAL,
        label=MappingProxyType({"en": "Proposed credit terms", "zh": "拟议信用条件"}),
        fields=(
            field("credit_limit", forms.FieldType.MONEY, "Credit limit", "信用额度", required=True),
            field("payment_terms_days", forms.FieldType.INTEGER, "Payment terms", "账期"),
            field("rationale", forms.FieldType.TEXT, "Rationale", "理由", default="—"),
        ),
        checksum="test",
    )


@pytest.fixture
def with_proposal_form(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The example workflow with a form on propose_terms and a four-eyes quorum of 2 on
    finance_approval."""
    load_workflow, load_form = specs.load_workflow, specs.load_form

    def patched_workflow(session: Session, key: str, version: int | None = None) -> Any:
        loaded = load_workflow(session, key, version)
        workflow = loaded.value
        if key != "high_risk_review":
            return loaded
        review = workflow.steps["sales_review"]
        finance = workflow.steps["finance_approval"]
        propose = dataclasses.replace(review.actions["propose_terms"], form=PROPOSAL)
        approval = workflows.Approval(quorum=2, four_eyes=True, action="approve", span=finance.span)
        steps = {
            **workflow.steps,
            "sales_review": dataclasses.replace(
                review, actions={**review.actions, "propose_terms": propose}
            ),
            "finance_approval": dataclasses.replace(finance, approval=approval),
        }
        return dataclasses.replace(loaded, value=dataclasses.replace(workflow, steps=steps))

    def patched_form(session: Session, key: str, version: int | None = None) -> Any:
        if key != PROPOSAL:
            return load_form(session, key, version)
        return specs.LoadedSpec(
            kind="form",
            key=PROPOSAL,
            version=1,
            checksum="test",
            status="published",
            label=None,
            filename=None,
            meta={},
            value=_proposal_form(),
        )

    monkeypatch.setattr(specs, "load_workflow", patched_workflow)
    monkeypatch.setattr(specs, "load_form", patched_form)
    yield
