"""The diagram drawn as SVG (web.workflow_diagram): a well-formed document, every label escaped,
no script, the highlighted step marked, the details in the page's language."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from types import MappingProxyType

from tests.workflows.conftest import HIGH_RISK_REVIEW_LITERAL, ROLES
from tests.workflows.test_diagram import _rich
from web.workflow_diagram import fitted, render_svg
from workflows import Action, Workflow, load_workflow

SVG = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert("x")</script>&\'"'


def review() -> Workflow:
    return load_workflow(HIGH_RISK_REVIEW_LITERAL, filename="wf.yaml", roles=ROLES)


def steps_of(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-step", ""): g for g in root.iter(f"{SVG}g") if g.get("data-step")}


def test_the_svg_is_well_formed_with_a_box_per_step_and_an_arrow_per_action() -> None:
    svg = render_svg(review())
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert set(steps_of(svg)) == {"sales_review", "finance_approval", "apply", "closed"}
    edges = [g for g in root.iter(f"{SVG}g") if "edge" in (g.get("class") or "").split()]
    assert len(edges) == 5
    labels = {t.text for g in edges for t in g.iter(f"{SVG}text")}
    assert labels == {"propose_terms", "no_change", "approve", "reject"}
    back = [g for g in edges if "edge-back" in (g.get("class") or "")]
    assert [(g.get("data-source"), g.get("data-target")) for g in back] == [
        ("finance_approval", "sales_review")
    ]
    # escalations are dashed and say when
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "after 24h → role department_head" in texts
    assert all(
        p.get("stroke-dasharray") for p in root.iter(f"{SVG}path") if p.get("class") == "escalation"
    )


def test_the_highlighted_step_is_marked_current() -> None:
    steps = steps_of(render_svg(review(), highlight="finance_approval"))
    current = [name for name, g in steps.items() if g.get("aria-current") == "step"]
    assert current == ["finance_approval"]
    assert "current" in (steps["finance_approval"].get("class") or "").split()
    assert not any(
        "current" in (g.get("class") or "").split()
        for g in steps.values()
        if g is not steps["finance_approval"]
    )
    # no highlight, or an unknown step: nothing marked
    for highlight in (None, "nowhere"):
        assert not any(
            g.get("aria-current")
            for g in steps_of(render_svg(review(), highlight=highlight)).values()
        )


def test_every_label_is_escaped_and_nothing_runs() -> None:
    base = review()
    sales = dataclasses.replace(
        base.steps["sales_review"],
        id=EVIL,
        actions=MappingProxyType(
            {EVIL: Action(EVIL, "finance_approval", None, False, base.steps["apply"].span)}
        ),
    )
    workflow = dataclasses.replace(
        base,
        key=EVIL,
        start=EVIL,
        steps=MappingProxyType(
            {EVIL: sales, **{k: v for k, v in base.steps.items() if k != "sales_review"}}
        ),
    )
    svg = render_svg(workflow, highlight=EVIL)
    assert "<script" not in svg
    root = ET.fromstring(svg)  # well-formed despite the label
    assert not list(root.iter(f"{SVG}script"))
    assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    assert EVIL in steps_of(svg)
    assert any(t.text == fitted(EVIL, 224) for t in root.iter(f"{SVG}text"))


def test_the_extended_format_draws_the_approval_badge_and_operations() -> None:
    svg = render_svg(_rich())
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "approval: 2 people · four eyes" in texts
    assert "notify: role sales" in texts and "start: periodic_review" in texts
    assert "the customer's owner" in texts
    assert "after 24h notify user ann" in texts
    assert "5bd · no_change" in texts
    badges = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "approval"]
    assert len(badges) == 1


def test_the_details_are_said_in_chinese() -> None:
    root = ET.fromstring(render_svg(_rich(), language="zh"))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "审批：2 人 · 四眼原则" in texts
    assert "客户负责人" in texts
    assert any(t.startswith("时限 ") for t in texts)


def test_long_labels_are_cut_to_the_box() -> None:
    assert fitted("short", 100) == "short"
    cut = fitted("change_terms: payment_terms_days, prepayment_pct, credit_limit", 120)
    assert cut.endswith("…") and len(cut) < 30
    assert fitted("高风险客户复核流程的一个很长的步骤名称", 60).endswith("…")
