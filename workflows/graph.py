"""Checks on the shape of a workflow's steps: unreachable steps, steps with no way to `closed`,
and `do` steps that loop. Pure.

They read `StepShape`s, which the loader records from the YAML even where a step has other
errors, so that these checks run on every file and their diagnostics join the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from dsl import Diagnostic, Span
from dsl.diagnostics import error, warning
from dsl.texts import N_, text
from workflows.model import CLOSED


@dataclass(frozen=True, slots=True)
class StepShape:
    """Where a step can lead: a do step's `to`, or its actions' `to`s (in source order)."""

    id: str
    span: Span
    is_do: bool
    targets: tuple[str, ...]
    to_span: Span | None = None  # a do step's `to`


def check_graph(shapes: Mapping[str, StepShape], *, start: str | None) -> Iterator[Diagnostic]:
    """A `do-loop` error for each cycle made only of do steps; a `no-way-to-close` error for each
    step from which no path reaches `closed`; an `unreachable-step` warning for each step that
    the start step never leads to (when `start` names a step)."""
    looping: set[str] = set()
    yield from _do_loops(shapes, looping)
    yield from _no_way_to_close(shapes, looping)
    if start is None:
        return
    reached = _reachable(shapes, start)
    for step_id, shape in shapes.items():
        if step_id not in reached:
            yield warning(
                "unreachable-step",
                text(
                    N_("step '%(step)s' can never be reached from the start step '%(start)s'"),
                    step=step_id,
                    start=start,
                ),
                shape.span,
            )


def _no_way_to_close(shapes: Mapping[str, StepShape], looping: set[str]) -> Iterator[Diagnostic]:
    # Walk back from `closed`: a step closes when one of its targets is closed or a step that
    # closes. A step that can reach a broken one (no target at all, an unknown target, a do
    # loop) is left to that step's own error.
    closing = {CLOSED}
    grown = True
    while grown:
        grown = False
        for shape in shapes.values():
            if shape.id not in closing and closing.intersection(shape.targets):
                closing.add(shape.id)
                grown = True
    broken = {
        shape.id
        for shape in shapes.values()
        if not shape.targets
        or shape.id in looping
        or any(t != CLOSED and t not in shapes for t in shape.targets)
    }
    for shape in shapes.values():
        if shape.id in closing or broken.intersection(_reachable(shapes, shape.id)):
            continue
        yield error(
            "no-way-to-close",
            text(
                N_("no path leads from step '%(step)s' to 'closed': a case reaching it never ends"),
                step=shape.id,
            ),
            shape.span,
            hint=text(N_("give it, or a step it leads to, an action or a do step going to closed")),
        )


def _reachable(shapes: Mapping[str, StepShape], start: str) -> set[str]:
    """`start` and every step it leads to."""
    reached = {start}
    pending = [start]
    while pending:
        shape = shapes.get(pending.pop())
        for target in shape.targets if shape is not None else ():
            if target in shapes and target not in reached:
                reached.add(target)
                pending.append(target)
    return reached


def _do_loops(shapes: Mapping[str, StepShape], reported: set[str]) -> Iterator[Diagnostic]:
    # A do step runs at once and moves on: a chain of them that comes back on itself would run
    # forever within one request, so every chain must end at a step with actions or at `closed`.
    # `reported` collects the steps of the loops found.
    for first in shapes.values():
        if not first.is_do or first.id in reported:
            continue
        chain = [first.id]
        current = first
        while current.targets and current.targets[0] != CLOSED:
            following = shapes.get(current.targets[0])
            if following is None or not following.is_do:
                break
            if following.id in chain:
                cycle = chain[chain.index(following.id) :]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    last = shapes[cycle[-1]]
                    yield error(
                        "do-loop",
                        text(
                            N_("do steps loop forever: %(cycle)s"),
                            cycle=" → ".join([*cycle, cycle[0]]),
                        ),
                        last.to_span or last.span,
                        hint=text(
                            N_("a chain of do steps must end at a step with actions or at 'closed'")
                        ),
                    )
                break
            chain.append(following.id)
            current = following
