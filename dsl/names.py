"""Small pure helpers about names: validity, "did you mean" suggestions, walking expressions.

Pure. `walk` is iterative so that it serves chains of any length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from dsl.nodes import (
    Arithmetic,
    Attribute,
    Between,
    Call,
    Compare,
    Conditional,
    EventQuery,
    Expr,
    Group,
    Logic,
    Membership,
    Negative,
    Not,
    Presence,
)

_NAME = re.compile(r"[^\W\d]\w*\Z")


def is_valid_name(name: str) -> bool:
    """rules-language §1: letters, digits and `_`, not starting with a digit or with/by `__`."""
    return bool(_NAME.match(name)) and not name.startswith("__") and not name.endswith("__")


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `node`, in source order."""
    match node:
        case Attribute(base=base) | Negative(operand=base) | Not(operand=base):
            return (base,)
        case Group(inner=inner) | Presence(subject=inner):
            return (inner,)
        case Arithmetic(operands=operands) | Logic(operands=operands):
            return operands
        case Compare(left=left, right=right):
            return (left, right)
        case Between(subject=subject, low=low, high=high):
            return (subject, low, high)
        case Membership(subject=subject, items=items):
            return (subject, *items)
        case Conditional(condition=condition, then=then, otherwise=otherwise):
            return (condition, then, otherwise)
        case Call(args=args):
            return args
        case EventQuery(target=target, within=within, where=where):
            return (target, within) + ((where,) if where is not None else ())
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """Every node of the expression, parents before children, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def deepest(node: Expr, levels: int) -> Expr:
    """The node `levels` levels below `node` along its deepest branch."""
    for _ in range(levels):
        below = children(node)
        if not below:
            break
        node = max(below, key=lambda child: child.depth)
    return node


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, transpositions."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest `name` when it is close enough to be a likely typo, else None."""
    limit = 1 if len(name) <= 4 else 2 if len(name) <= 8 else 3
    best: tuple[int, str] | None = None
    for candidate in sorted(set(candidates)):
        distance = edit_distance(name.lower(), candidate.lower())
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None
