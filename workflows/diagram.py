"""The layout of a workflow's diagram: boxes for the steps and `closed`, arrows for actions,
do-step `to`s and escalations, as plain geometry. Pure: no I/O, no SVG (web.workflow_diagram
draws it).

Steps are laid out left to right in layers from `start`: a longest-path layering of the graph
without its back edges (found by a depth-first walk from `start`, then from any step it never
reaches, in source order), `closed` alone in the last layer. An arrow to the next layer runs
through the gap between the two; one that skips layers runs along a lane above every box, and a
back edge (`reject → sales_review`) along a lane below them, so that no arrow crosses a box.
Everything follows the source order: the same workflow always gives the same layout.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from workflows.model import (
    CLOSED,
    Assignee,
    AssigneeKind,
    ChangeTermsOp,
    Escalation,
    NotifyOp,
    Operation,
    OrderDecisionOp,
    SetFieldOp,
    StartOp,
    Step,
    Workflow,
)

MARGIN = 20
GUTTER = 40  # left of the first layer: where back edges come up into it
BOX_WIDTH = 240
GAP = 170  # between two layers: the arrows' vertical runs and their labels
HEADER = 26  # a box's title line
LINE = 16  # each detail line under the title
PADDING = 8
SPACING = 36  # between two boxes of one layer
LOOP = 18  # the band above a box per escalation drawn as a loop
LANE = 14  # between two lanes above or below the boxes
END_WIDTH = 90
END_HEIGHT = 36
LABEL_OFFSET = 6


class BoxKind(StrEnum):
    TASK = "task"  # a step with an assignee and actions
    DO = "do"  # a step that runs operations and moves on
    END = "end"  # `closed`


class EdgeKind(StrEnum):
    ACTION = "action"  # a step's action, labelled with its name
    NEXT = "next"  # a do step's `to`
    ESCALATION = "escalation"  # an escalation that takes an action by itself (dashed)


class DetailKind(StrEnum):
    """What one line under a box's title says; `text` is written in the workflow's own terms."""

    ROLE = "role"  # text: the role; `extra`: a named department (None: the customer's)
    OWNER = "owner"  # the customer's owner
    USER = "user"  # text: the user
    SLA = "sla"  # text: the duration
    APPROVAL = "approval"  # text: the quorum (any, all, N); `flag`: four eyes
    REMINDER = "reminder"  # text: how long before the deadline
    OPERATION = "operation"  # text: the operation summarised (`change_terms: credit_limit`)
    ASSIGNEES = "assignees"  # the case's current assignees (a notification without `to`)


@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Detail:
    kind: DetailKind
    text: str = ""
    extra: str | None = None
    flag: bool = False


ASSIGNEES = Detail(DetailKind.ASSIGNEES)


@dataclass(frozen=True, slots=True)
class Loop:
    """An escalation that reassigns or notifies (it stays in the step): a dashed loop on the
    box's top; `to` and `notify` say whom, as details (role, owner, user or assignees)."""

    level: int
    after: str
    to: Detail | None
    notify: Detail | None
    points: tuple[Point, ...]
    label_at: Point


@dataclass(frozen=True, slots=True)
class Box:
    id: str  # the step id, or CLOSED
    kind: BoxKind
    layer: int
    row: int
    x: int
    y: int
    width: int
    height: int
    details: tuple[Detail, ...] = ()
    loops: tuple[Loop, ...] = ()

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x + self.width <= other.x
            or other.x + other.width <= self.x
            or self.y + self.height <= other.y
            or other.y + other.height <= self.y
        )


@dataclass(frozen=True, slots=True)
class Edge:
    """An arrow from `source` to `target` along `points` (the last is the arrow's tip)."""

    source: str
    target: str
    kind: EdgeKind
    label: str  # the action's name; an escalation's `after` and action; empty for `next`
    points: tuple[Point, ...]
    label_at: Point
    is_back: bool  # runs along a lane below the boxes, back to an earlier layer


@dataclass(frozen=True, slots=True)
class Layout:
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    width: int
    height: int

    def box(self, step_id: str) -> Box:
        return next(b for b in self.boxes if b.id == step_id)


@dataclass(frozen=True, slots=True)
class _Link:
    source: str
    target: str
    kind: EdgeKind
    label: str


def assignee_text(assignee: Assignee) -> str:
    """An assignee as the diagram writes it: `role R`, `role R @ D`, `owner`, `user U`."""
    if assignee.kind is AssigneeKind.OWNER:
        return "owner"
    if assignee.kind is AssigneeKind.USER:
        return f"user {assignee.user}"
    if assignee.department != "customer":
        return f"role {assignee.role} @ {assignee.department}"
    return f"role {assignee.role}"


def _assignee_detail(assignee: Assignee) -> Detail:
    if assignee.kind is AssigneeKind.OWNER:
        return Detail(DetailKind.OWNER)
    if assignee.kind is AssigneeKind.USER:
        return Detail(DetailKind.USER, assignee.user or "")
    department = None if assignee.department == "customer" else assignee.department
    return Detail(DetailKind.ROLE, assignee.role or "", extra=department)


def _names(values: tuple[object, ...]) -> str:
    return ", ".join(getattr(v, "name", "") for v in values)


def operation_text(operation: Operation) -> str:
    """A do step's operation summarised in the format's own words."""
    if isinstance(operation, ChangeTermsOp):
        said = f"change_terms: {_names(operation.values)}"
        if operation.until is not None:
            said += f" (until {operation.until})"
        elif operation.restore_when is not None:
            said += " (restore_when)"
        return said
    if isinstance(operation, NotifyOp):
        target = operation.notify.to
        return "notify: " + (assignee_text(target) if target is not None else "assignees")
    if isinstance(operation, StartOp):
        return f"start: {operation.workflow}"
    if isinstance(operation, SetFieldOp):
        return f"set_field: {_names(operation.values)}"
    assert isinstance(operation, OrderDecisionOp)
    return f"{operation.decision.value}_order"


def _details(step: Step) -> tuple[Detail, ...]:
    if step.do is not None:
        return tuple(Detail(DetailKind.OPERATION, operation_text(op)) for op in step.do)
    found: list[Detail] = []
    if step.assignee is not None:
        found.append(_assignee_detail(step.assignee))
    if step.sla is not None:
        found.append(Detail(DetailKind.SLA, str(step.sla)))
    for reminder in step.reminders:
        found.append(Detail(DetailKind.REMINDER, str(reminder.before)))
    if step.approval is not None:
        quorum = step.approval.quorum
        found.append(
            Detail(
                DetailKind.APPROVAL,
                str(quorum) if isinstance(quorum, int) else quorum.value,
                extra=step.approval.action,
                flag=step.approval.four_eyes,
            )
        )
    return tuple(found)


def _is_loop(escalation: Escalation) -> bool:
    return escalation.to is not None or escalation.notify is not None


def _links(workflow: Workflow) -> Iterator[_Link]:
    for step in workflow.steps.values():
        if step.to is not None:
            yield _Link(step.id, step.to, EdgeKind.NEXT, "")
        for action in step.actions.values():
            yield _Link(step.id, action.to, EdgeKind.ACTION, action.name)
        for escalation in step.escalations:
            taken = step.actions.get(escalation.action) if escalation.action else None
            if taken is not None:
                label = f"{escalation.after} · {taken.name}"
                yield _Link(step.id, taken.to, EdgeKind.ESCALATION, label)


def _walk(workflow: Workflow, links: list[_Link]) -> tuple[list[str], set[int], dict[str, int]]:
    """Depth-first from `start`, then from each step not reached, in source order: the nodes in
    discovery order, the indexes of the back links and each node's discovery rank."""
    outgoing: dict[str, list[int]] = {}
    for index, link in enumerate(links):
        outgoing.setdefault(link.source, []).append(index)
    nodes = [*workflow.steps, *([CLOSED] if any(lk.target == CLOSED for lk in links) else [])]
    known = set(nodes)
    order: list[str] = []
    back: set[int] = set()
    on_stack: set[str] = set()
    seen: set[str] = set()
    roots = [workflow.start] if workflow.start in known else []
    roots += [n for n in nodes if n != workflow.start]
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        order.append(root)
        on_stack.add(root)
        stack: list[tuple[str, Iterator[int]]] = [(root, iter(outgoing.get(root, ())))]
        while stack:
            node, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                stack.pop()
                on_stack.discard(node)
                continue
            index = following
            target = links[index].target
            if target not in known:
                continue
            if target in on_stack:
                back.add(index)
            elif target not in seen:
                seen.add(target)
                order.append(target)
                on_stack.add(target)
                stack.append((target, iter(outgoing.get(target, ()))))
    return order, back, {node: rank for rank, node in enumerate(order)}


def _layers(order: list[str], links: list[_Link], back: set[int]) -> dict[str, int]:
    """Longest path from the sources over the links that are not back links; `closed` last."""
    forward = [lk for i, lk in enumerate(links) if i not in back and lk.target in order]
    layer = dict.fromkeys(order, 0)
    # a DAG of at most a few hundred steps: relax until nothing moves (at most len(order) rounds)
    for _ in range(len(order)):
        moved = False
        for link in forward:
            if layer[link.target] < layer[link.source] + 1:
                layer[link.target] = layer[link.source] + 1
                moved = True
        if not moved:
            break
    if CLOSED in layer:
        layer[CLOSED] = max((v for k, v in layer.items() if k != CLOSED), default=-1) + 1
    return layer


def _rows(
    order: list[str], layer: dict[str, int], links: list[_Link], rank: dict[str, int]
) -> list[list[str]]:
    """The nodes of each layer, top to bottom: by the mean row of their predecessors in earlier
    layers (fewer crossings), then by discovery."""
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for node in order:
        columns[layer[node]].append(node)
    row: dict[str, int] = {}
    for column in columns:

        def weight(node: str) -> tuple[float, int]:
            before = [row[lk.source] for lk in links if lk.target == node and lk.source in row]
            return (sum(before) / len(before) if before else -1.0, rank[node])

        column.sort(key=weight)
        for index, node in enumerate(column):
            row[node] = index
    return columns


def _spread(start: int, length: int, count: int, index: int) -> int:
    return start + (length * (index + 1)) // (count + 1)


class _Channels:
    """The x of each vertical run in the gap right of a layer (-1: the gutter left of layer 0)."""

    def __init__(self, gap_left: Mapping[int, int], widths: Mapping[int, int]) -> None:
        self._left = gap_left
        self._widths = widths
        self._uses: dict[int, list[tuple[int, str]]] = {}

    def use(self, gap: int, edge: int, end: str) -> None:
        self._uses.setdefault(gap, []).append((edge, end))

    def x(self, gap: int, edge: int, end: str) -> int:
        uses = self._uses[gap]
        return _spread(self._left[gap], self._widths[gap], len(uses), uses.index((edge, end)))


def layout_workflow(workflow: Workflow) -> Layout:
    """The diagram of `workflow`: every step and `closed` placed, every arrow routed."""
    links = list(_links(workflow))
    order, back, rank = _walk(workflow, links)
    layer = _layers(order, links, back)
    columns = _rows(order, layer, links, rank)
    drawn = [lk for lk in links if lk.target in layer and lk.source in layer]
    back_drawn = {i for i, lk in enumerate(drawn) if links.index(lk) in back}
    # an arrow to a layer not the next one (back, or skipping layers) runs along a lane
    top = [i for i, lk in enumerate(drawn) if layer[lk.target] > layer[lk.source] + 1]
    bottom = [i for i, lk in enumerate(drawn) if layer[lk.target] <= layer[lk.source]]
    top_band = len(top) * LANE + (LANE if top else 0)

    def column_x(index: int) -> int:
        return MARGIN + GUTTER + index * (BOX_WIDTH + GAP)

    sizes: dict[str, tuple[int, int, tuple[Detail, ...], int]] = {}
    for node in order:
        step = workflow.steps.get(node)
        if step is None:
            sizes[node] = (END_WIDTH, END_HEIGHT, (), 0)
            continue
        details = _details(step)
        loops = sum(1 for e in step.escalations if _is_loop(e))
        sizes[node] = (BOX_WIDTH, HEADER + len(details) * LINE + PADDING, details, loops)
    placed: dict[str, tuple[int, int, int, int]] = {}
    bottom_edge = MARGIN + top_band
    for index, column in enumerate(columns):
        y = MARGIN + top_band
        for node in column:
            width, height, _, loops = sizes[node]
            y += loops * LOOP + (LOOP if loops else 0)
            x = column_x(index) + (BOX_WIDTH - width) // 2
            placed[node] = (x, y, width, height)
            y += height + SPACING
            bottom_edge = max(bottom_edge, y - SPACING)

    gaps = range(-1, len(columns))
    gap_left = {g: MARGIN if g < 0 else column_x(g) + BOX_WIDTH for g in gaps}
    widths = {g: GUTTER if g < 0 else GAP for g in gaps}
    channels = _Channels(gap_left, widths)
    exits: dict[str, list[int]] = {}
    entries: dict[str, list[int]] = {}
    for i, link in enumerate(drawn):
        exits.setdefault(link.source, []).append(i)
        entries.setdefault(link.target, []).append(i)
        channels.use(layer[link.source], i, "exit")
        if i in top or i in bottom:
            channels.use(layer[link.target] - 1, i, "entry")

    edges = []
    for i, link in enumerate(drawn):
        sx, sy, sw, sh = placed[link.source]
        tx, ty, _, th = placed[link.target]
        out, into = exits[link.source], entries[link.target]
        start = Point(sx + sw, _spread(sy, sh, len(out), out.index(i)))
        tip = Point(tx, _spread(ty, th, len(into), into.index(i)))
        exit_x = channels.x(layer[link.source], i, "exit")
        if i in top or i in bottom:
            entry_x = channels.x(layer[link.target] - 1, i, "entry")
            lane = (
                MARGIN + LANE * top.index(i)
                if i in top
                else bottom_edge + LANE * (bottom.index(i) + 1)
            )
            points: tuple[Point, ...] = (
                start,
                Point(exit_x, start.y),
                Point(exit_x, lane),
                Point(entry_x, lane),
                Point(entry_x, tip.y),
                tip,
            )
        else:
            points = (start, Point(exit_x, start.y), Point(exit_x, tip.y), tip)
        edges.append(
            Edge(
                source=link.source,
                target=link.target,
                kind=link.kind,
                label=link.label,
                points=points,
                label_at=Point(start.x + LABEL_OFFSET, start.y - 4),
                is_back=i in back_drawn or i in bottom,
            )
        )

    boxes = []
    for node in order:
        x, y, width, height = placed[node]
        _, _, details, _ = sizes[node]
        step = workflow.steps.get(node)
        boxes.append(
            Box(
                id=node,
                kind=BoxKind.END if step is None else BoxKind.DO if step.is_do else BoxKind.TASK,
                layer=layer[node],
                row=columns[layer[node]].index(node),
                x=x,
                y=y,
                width=width,
                height=height,
                details=details,
                loops=_loops(step, x, y, width) if step is not None else (),
            )
        )
    width = column_x(len(columns) - 1) + BOX_WIDTH + MARGIN if columns else 2 * MARGIN
    height = bottom_edge + LANE * (len(bottom) + 1) + MARGIN
    return Layout(boxes=tuple(boxes), edges=tuple(edges), width=width, height=height)


def _loops(step: Step, x: int, y: int, width: int) -> tuple[Loop, ...]:
    """The escalations of `step` that stay in it, as nested dashed loops over its top edge."""
    found = []
    for index, escalation in enumerate(e for e in step.escalations if _is_loop(e)):
        top = y - (index + 1) * LOOP
        left, right = x + 36 - 6 * index, x + width - 36 + 6 * index
        notify = escalation.notify
        found.append(
            Loop(
                level=escalation.level,
                after=str(escalation.after),
                to=_assignee_detail(escalation.to) if escalation.to is not None else None,
                notify=(
                    (_assignee_detail(notify.to) if notify.to is not None else ASSIGNEES)
                    if notify is not None
                    else None
                ),
                points=(Point(left, y), Point(left, top), Point(right, top), Point(right, y)),
                label_at=Point(left + LABEL_OFFSET, top - 3),
            )
        )
    return tuple(found)


__all__ = [
    "Box",
    "BoxKind",
    "Detail",
    "DetailKind",
    "Edge",
    "EdgeKind",
    "Layout",
    "Loop",
    "Point",
    "assignee_text",
    "layout_workflow",
    "operation_text",
]
