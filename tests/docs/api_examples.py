"""The runnable examples of a Markdown document, and what their responses must look like.

An example is a ```sh block. The first fenced block after it, when it is a ```json block in the
same section (no heading between), is the response it shows. A comment `# → 409` in an example
states the HTTP status of its curl call (one comment per call, in order); an example without one
must answer 2xx to every call.

The response shown is compared by shape: every key it shows (but `"..."`) is in the response,
recursively (a list's first item against the response's first item, when both have one), and the
values of SAME_VALUE keys are equal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
_STATUS = re.compile(r"#\s*→\s*(\d{3})\b")

# Values that name what happened rather than when or which row: a response must repeat them.
SAME_VALUE = frozenset({"type", "status", "code", "is_intact", "tier"})
ELLIPSIS = "..."


@dataclass(frozen=True, slots=True)
class Example:
    line: int  # 1-based line of the opening fence in the document
    script: str
    statuses: tuple[int, ...]  # stated with `# → NNN`, in call order; empty: all 2xx
    response: Any  # the JSON shown after it, or None


def examples(markdown: str) -> list[Example]:
    """The document's ```sh blocks in order, each with its stated statuses and shown response."""
    blocks = list(_FENCE.finditer(markdown))
    found: list[Example] = []
    for index, block in enumerate(blocks):
        if block["lang"] != "sh":
            continue
        response = None
        if index + 1 < len(blocks):
            after = blocks[index + 1]
            between = markdown[block.end() : after.start()]
            if after["lang"] == "json" and not _HEADING.search(between):
                response = json.loads(after["body"])
        found.append(
            Example(
                line=markdown.count("\n", 0, block.start()) + 1,
                script=block["body"],
                statuses=tuple(int(s) for s in _STATUS.findall(block["body"])),
                response=response,
            )
        )
    return found


def shape_errors(shown: Any, actual: Any, path: str = "$") -> list[str]:
    """Where `actual` lacks what `shown` shows: missing keys, other kinds of value, and differing
    values of SAME_VALUE keys; each error names its path (`$.assessment.tier`)."""
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{path}: shown an object, got {json.dumps(actual)[:80]}"]
        errors: list[str] = []
        for key, value in shown.items():
            if key == ELLIPSIS:
                continue
            if key not in actual:
                errors.append(f"{path}.{key}: shown, missing from the response")
                continue
            if key in SAME_VALUE and not isinstance(value, dict | list):
                if value != actual[key]:
                    errors.append(
                        f"{path}.{key}: shown {json.dumps(value)}, got {json.dumps(actual[key])}"
                    )
                continue
            errors.extend(shape_errors(value, actual[key], f"{path}.{key}"))
        return errors
    if isinstance(shown, list):
        if not isinstance(actual, list):
            return [f"{path}: shown a list, got {json.dumps(actual)[:80]}"]
        if shown and actual:
            return shape_errors(shown[0], actual[0], f"{path}[0]")
    return []
