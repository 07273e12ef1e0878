"""The diagram's layout (workflows.diagram): every step placed in layers from `start`, no boxes
overlapping, no arrow through a box, back edges below, the same layout every time."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import MappingProxyType

import workflows
from dsl import Span
from workflows import (
    Action,
    Approval,
    Assignee,
    AssigneeKind,
    Duration,
    DurationUnit,
    Escalation,
    Notify,
    NotifyOp,
    StartOp,
    Step,
    Workflow,
)
from workflows.diagram import Box, BoxKind, DetailKind, EdgeKind, Layout, layout_workflow

from .conftest import HIGH_RISK_REVIEW_LITERAL, ROLES, load_policy

DATA = Path(__file__).resolve().parent / "data"

HERE = Span.point("wf.yaml", 1, 1)


def review() -> Workflow:
    return workflows.load_workflow(HIGH_RISK_REVIEW_LITERAL, filename="wf.yaml", roles=ROLES)


def _segments(layout: Layout) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    found = []
    for edge in layout.edges:
        for a, b in zip(edge.points, edge.points[1:], strict=False):
            found.append((f"{edge.source}->{edge.target}", (a.x, a.y), (b.x, b.y)))
    return found


def _crosses(box: Box, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether the axis-parallel segment a-b passes through the inside of `box`."""
    (x1, y1), (x2, y2) = a, b
    left, right = sorted((x1, x2))
    top, bottom = sorted((y1, y2))
    return (
        left < box.x + box.width
        and right > box.x
        and top < box.y + box.height
        and bottom > box.y
        and not (left == right and (left <= box.x or left >= box.x + box.width))
        and not (top == bottom and (top <= box.y or top >= box.y + box.height))
    )


def assert_drawn_cleanly(layout: Layout) -> None:
    for i, one in enumerate(layout.boxes):
        for other in layout.boxes[i + 1 :]:
            assert not one.overlaps(other), (one.id, other.id)
        assert one.x >= 0 and one.x + one.width <= layout.width
        assert one.y >= 0 and one.y + one.height <= layout.height
    for name, a, b in _segments(layout):
        assert a[0] == b[0] or a[1] == b[1], f"{name}: not axis-parallel"
        for box in layout.boxes:
            # a segment may end on a box's side (the arrow's tip or its start), never cross it
            assert not _crosses(box, a, b), f"{name} crosses {box.id}"


def test_every_step_and_closed_is_placed_in_layers_from_the_start() -> None:
    layout = layout_workflow(review())
    placed = {b.id: (b.layer, b.kind) for b in layout.boxes}
    assert placed == {
        "sales_review": (0, BoxKind.TASK),
        "finance_approval": (1, BoxKind.TASK),
        "apply": (2, BoxKind.DO),
        "closed": (3, BoxKind.END),
    }
    xs = [layout.box(s).x for s in ("sales_review", "finance_approval", "apply", "closed")]
    assert xs == sorted(xs)
    assert_drawn_cleanly(layout)


def test_arrows_are_the_actions_the_do_step_to_and_the_back_edge_runs_below() -> None:
    layout = layout_workflow(review())
    arrows = {(e.source, e.target, e.kind, e.label, e.is_back) for e in layout.edges}
    assert arrows == {
        ("sales_review", "finance_approval", EdgeKind.ACTION, "propose_terms", False),
        ("sales_review", "closed", EdgeKind.ACTION, "no_change", False),
        ("finance_approval", "apply", EdgeKind.ACTION, "approve", False),
        ("finance_approval", "sales_review", EdgeKind.ACTION, "reject", True),
        ("apply", "closed", EdgeKind.NEXT, "", False),
    }
    (back,) = [e for e in layout.edges if e.is_back]
    lowest_box = max(b.y + b.height for b in layout.boxes)
    assert min(p.y for p in back.points[2:4]) > lowest_box  # its lane is under every box
    # the arrow to `closed` skips two layers: it runs along a lane above every box
    (skip,) = [e for e in layout.edges if e.label == "no_change"]
    assert max(p.y for p in skip.points[2:4]) < min(b.y for b in layout.boxes)


def test_task_steps_list_assignee_and_sla_and_escalations_are_loops_labelled_after() -> None:
    layout = layout_workflow(review())
    sales = layout.box("sales_review")
    assert [(d.kind, d.text) for d in sales.details] == [
        (DetailKind.ROLE, "sales_manager"),
        (DetailKind.SLA, "24h"),
    ]
    assert [(loop.after, loop.to and loop.to.text) for loop in sales.loops] == [
        ("24h", "department_head"),
        ("72h", "cfo"),
    ]
    # the loops sit above the box, the later one outside the earlier one, below the lanes
    first, second = sales.loops
    assert sales.y > first.points[1].y > second.points[1].y
    assert [d.text for d in layout.box("apply").details] == [
        "change_terms: payment_terms_days, prepayment_pct, credit_limit, order_hold"
    ]


def _rich() -> Workflow:
    """The review with what the extended format adds: an approval with four eyes, an owner
    and a named user, an escalation that notifies and one that takes an action, and do steps
    that notify and start another workflow."""
    base = review()
    five = Duration(5, DurationUnit.BUSINESS_DAYS)
    sales = dataclasses.replace(
        base.steps["sales_review"],
        assignee=Assignee(AssigneeKind.OWNER, HERE),
        escalations=(
            Escalation(
                1,
                Duration(24, DurationUnit.HOURS),
                None,
                HERE,
                notify=Notify(Assignee(AssigneeKind.USER, HERE, user="ann"), "late", None, HERE),
            ),
            Escalation(2, five, None, HERE, action="no_change"),
        ),
    )
    finance = dataclasses.replace(
        base.steps["finance_approval"],
        approval=Approval(quorum=2, four_eyes=True, action="approve", span=HERE),
    )
    tell = Step(
        id="tell",
        assignee=None,
        sla=None,
        escalations=(),
        actions=MappingProxyType({}),
        do=(
            NotifyOp(
                Notify(Assignee(AssigneeKind.ROLE, HERE, role="sales"), "t", None, HERE), HERE
            ),
            StartOp("periodic_review", HERE),
        ),
        to="closed",
        span=HERE,
    )
    apply = dataclasses.replace(base.steps["apply"], to="tell")
    steps = {**base.steps, "sales_review": sales, "finance_approval": finance, "apply": apply}
    return dataclasses.replace(base, steps=MappingProxyType({**steps, "tell": tell}))


def test_the_extended_format_is_drawn_approval_owner_user_notify_start() -> None:
    layout = layout_workflow(_rich())
    sales = layout.box("sales_review")
    assert sales.details[0].kind is DetailKind.OWNER
    (loop,) = sales.loops
    assert loop.notify is not None and (loop.notify.kind, loop.notify.text) == (
        DetailKind.USER,
        "ann",
    )
    (taken,) = [e for e in layout.edges if e.kind is EdgeKind.ESCALATION]
    assert (taken.source, taken.target, taken.label) == (
        "sales_review",
        "closed",
        "5bd · no_change",
    )
    approval = layout.box("finance_approval").details[-1]
    assert (approval.kind, approval.text, approval.flag) == (DetailKind.APPROVAL, "2", True)
    assert [d.text for d in layout.box("tell").details] == [
        "notify: role sales",
        "start: periodic_review",
    ]
    assert layout.box("tell").layer == layout.box("apply").layer + 1
    assert layout.box("closed").layer == layout.box("tell").layer + 1
    assert_drawn_cleanly(layout)


def test_unreachable_steps_and_self_loops_are_placed_too() -> None:
    base = review()
    orphan = dataclasses.replace(
        base.steps["finance_approval"],
        id="orphan",
        actions=MappingProxyType(
            {
                "again": Action("again", "orphan", None, False, HERE),
                "done": Action("done", "closed", None, False, HERE),
            }
        ),
        escalations=(),
    )
    workflow = dataclasses.replace(base, steps=MappingProxyType({**base.steps, "orphan": orphan}))
    layout = layout_workflow(workflow)
    assert {b.id for b in layout.boxes} == {*workflow.steps, "closed"}
    (again,) = [e for e in layout.edges if e.label == "again"]
    assert again.is_back and again.source == again.target == "orphan"
    assert_drawn_cleanly(layout)


def test_a_wide_workflow_fans_out_without_overlaps() -> None:
    base = review()
    branches = {
        f"check_{i}": dataclasses.replace(
            base.steps["finance_approval"],
            id=f"check_{i}",
            actions=MappingProxyType(
                {
                    "ok": Action("ok", "apply", None, False, HERE),
                    "back": Action("back", "sales_review", None, False, HERE),
                }
            ),
            escalations=(),
        )
        for i in range(5)
    }
    sales = dataclasses.replace(
        base.steps["sales_review"],
        actions=MappingProxyType(
            {name: Action(f"to_{name}", name, None, False, HERE) for name in branches}
        ),
    )
    steps = {"sales_review": sales, **branches, "apply": base.steps["apply"]}
    layout = layout_workflow(dataclasses.replace(base, steps=MappingProxyType(steps)))
    assert {layout.box(name).layer for name in branches} == {1}
    assert sorted(layout.box(name).row for name in branches) == list(range(5))
    assert_drawn_cleanly(layout)


def test_the_same_workflow_gives_the_same_layout() -> None:
    assert layout_workflow(_rich()) == layout_workflow(_rich())
    assert layout_workflow(review()) == layout_workflow(review())


def test_the_complete_credit_policy_is_drawn_cleanly() -> None:
    """The extended format as written (tests/workflows/data): approval, reminders, escalations
    that notify or take an action, temporary terms, notify, set_field and start."""
    source = (DATA / "credit_policy.yaml").read_text(encoding="utf-8")
    layout = layout_workflow(load_policy(source))
    assert {b.id for b in layout.boxes} == {
        "sales_review",
        "finance_approval",
        "hold",
        "apply",
        "closed",
    }
    sales = layout.box("sales_review")
    assert [(d.kind, d.text) for d in sales.details] == [
        (DetailKind.ROLE, "sales_manager"),
        (DetailKind.SLA, "2bd"),
        (DetailKind.REMINDER, "4h"),
    ]
    (loop,) = sales.loops
    assert loop.to is not None and loop.to.text == "department_head"
    assert loop.notify is not None and loop.notify.kind is DetailKind.ASSIGNEES
    (automatic,) = [e for e in layout.edges if e.kind is EdgeKind.ESCALATION]
    assert (automatic.target, automatic.label) == ("hold", "5bd · hold_orders")
    approval = layout.box("finance_approval").details[-1]
    assert (approval.text, approval.flag) == ("2", True)
    assert [d.text for d in layout.box("hold").details] == [
        "change_terms: order_hold (until 30d)",
        "notify: owner",
    ]
    assert [d.text for d in layout.box("apply").details] == [
        "change_terms: credit_limit, payment_terms_days, next_review_at",
        "set_field: watchlist, max_overdue_days",
        "notify: role sales",
        "start: periodic_review",
    ]
    assert_drawn_cleanly(layout)


def test_an_order_hold_workflow_draws_its_order_decisions() -> None:
    layout = layout_workflow(load_policy((DATA / "order_hold.yaml").read_text(encoding="utf-8")))
    operations = [d.text for b in layout.boxes for d in b.details if d.kind is DetailKind.OPERATION]
    assert "release_order" in operations and "reject_order" in operations
    assert_drawn_cleanly(layout)
