"""Small pure helpers about names: validity, walking expressions ("did you mean": `dsl.spelling`).

Pure. `walk` is iterative so that it serves chains of any length.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
