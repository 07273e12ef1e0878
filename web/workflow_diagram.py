"""A workflow's diagram as SVG (served as image/svg+xml, and embedded in the workflow and case
pages): the layout of workflows.diagram drawn with presentation attributes only (the pages' CSP
allows no inline style), every text XML-escaped, no script. One step may be highlighted: a
case's current step.

`render_svg(workflow, highlight=step, language=...)` is the one entry point; `diagram_markup`
gives the same as Markup for a template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from html import escape

from markupsafe import Markup

from web.i18n import N_, gettext
from workflows import (
    Box,
    BoxKind,
    Detail,
    DetailKind,
    Edge,
    EdgeKind,
    Layout,
    Loop,
    Point,
    Workflow,
    layout_workflow,
)

FONT = 12
SMALL = 11
TEXT_PADDING = 8
INK = "#1f2933"
MUTED = "#52606d"
LINE_INK = "#616e7c"
ESCALATION_INK = "#b44d12"
HIGHLIGHT = "#d9480f"
FILLS = {BoxKind.TASK: "#ffffff", BoxKind.DO: "#e8eef7", BoxKind.END: "#323f4b"}
STROKES = {BoxKind.TASK: "#7b8794", BoxKind.DO: "#4c6ea8", BoxKind.END: "#323f4b"}
CURRENT_FILL = "#fff4e6"
APPROVAL_FILL = "#e3f8e9"
APPROVAL_INK = "#1b6b3a"
# XML 1.0 forbids most control characters, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_DETAILS = {
    DetailKind.ROLE: N_("role %(name)s"),
    DetailKind.OWNER: N_("the customer's owner"),
    DetailKind.USER: N_("user %(name)s"),
    DetailKind.SLA: N_("SLA %(duration)s"),
    DetailKind.REMINDER: N_("reminder %(duration)s before"),
    DetailKind.ASSIGNEES: N_("the step's assignees"),
}
_ROLE_IN = N_("role %(name)s in %(department)s")
_QUORUM = {"any": N_("approval: any one"), "all": N_("approval: everyone")}
_QUORUM_N = N_("approval: %(count)s people")
_FOUR_EYES = N_("four eyes")
_ESCALATE_TO = N_("after %(after)s → %(who)s")
_ESCALATE_NOTIFY = N_("after %(after)s notify %(who)s")
_CURRENT = N_("current step")
# the end every `to: closed` leads to, named in the reader's language
_CLOSED = N_("closed")
_DIAGRAM = N_("Diagram of workflow %(key)s")


def xml_text(value: str) -> str:
    """`value` safe inside an XML element or a quoted attribute."""
    return escape(_NOT_XML.sub("", value), quote=True)


def _width(text: str) -> int:
    """About how many pixels `text` takes at FONT size (wide CJK characters count double)."""
    return sum(
        FONT if unicodedata.east_asian_width(c) in ("W", "F") else FONT * 6 // 10 for c in text
    )


def fitted(text: str, room: int) -> str:
    """`text`, cut with an ellipsis to about `room` pixels."""
    if _width(text) <= room:
        return text
    kept = ""
    for character in text:
        if _width(kept + character + "…") > room:
            break
        kept += character
    return kept + "…"


def detail_text(detail: Detail, language: str) -> str:
    """One detail line of a box, in `language`."""
    if detail.kind is DetailKind.OPERATION:
        return detail.text  # written in the format's own words (`change_terms: credit_limit`)
    if detail.kind is DetailKind.APPROVAL:
        if detail.text in _QUORUM:
            said = gettext(language, _QUORUM[detail.text])
        else:
            said = gettext(language, _QUORUM_N, count=detail.text)
        return f"{said} · {gettext(language, _FOUR_EYES)}" if detail.flag else said
    if detail.kind is DetailKind.ROLE and detail.extra:
        return gettext(language, _ROLE_IN, name=detail.text, department=detail.extra)
    return gettext(language, _DETAILS[detail.kind], name=detail.text, duration=detail.text)


def _loop_text(loop: Loop, language: str) -> str:
    parts = []
    if loop.to is not None:
        parts.append(
            gettext(language, _ESCALATE_TO, after=loop.after, who=detail_text(loop.to, language))
        )
    if loop.notify is not None:
        who = detail_text(loop.notify, language)
        parts.append(gettext(language, _ESCALATE_NOTIFY, after=loop.after, who=who))
    return "; ".join(parts)


def _path(points: tuple[Point, ...]) -> str:
    return " ".join(f"{'M' if i == 0 else 'L'}{p.x},{p.y}" for i, p in enumerate(points))


def _text(x: int, y: int, text: str, **attributes: str | int) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{xml_text(str(v))}"' for k, v in attributes.items())
    return f'<text x="{x}" y="{y}"{extra}>{xml_text(text)}</text>'


def _halo(x: int, y: int, text: str, fill: str) -> str:
    """A label over lines: a white outline keeps it readable where an arrow passes under it."""
    return _text(
        x, y, text, fill=fill, font_size=SMALL, stroke="#ffffff", stroke_width=3,
        paint_order="stroke",
    )  # fmt: skip


def _edge(edge: Edge, marker: str) -> Iterator[str]:
    dashed = edge.kind is EdgeKind.ESCALATION
    ink = ESCALATION_INK if dashed else LINE_INK
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    yield (
        f'<g class="edge edge-{edge.kind.value}{" edge-back" if edge.is_back else ""}" '
        f'data-source="{xml_text(edge.source)}" data-target="{xml_text(edge.target)}">'
    )
    yield f"<title>{xml_text(f'{edge.source} → {edge.target}: {edge.label}')}</title>"
    yield (
        f'<path d="{_path(edge.points)}" fill="none" stroke="{ink}" stroke-width="1.5"{dash} '
        f'marker-end="url(#{marker}-{"escalation" if dashed else "arrow"})"/>'
    )
    if edge.label:
        yield _halo(edge.label_at.x, edge.label_at.y, edge.label, ink)
    yield "</g>"


def _box(
    box: Box, *, language: str, is_current: bool, marker: str, label: str | None = None
) -> Iterator[str]:
    classes = f"step step-{box.kind.value}" + (" current" if is_current else "")
    current = ' aria-current="step"' if is_current else ""
    yield f'<g class="{classes}" data-step="{xml_text(box.id)}"{current}>'
    name = gettext(language, _CLOSED) if box.kind is BoxKind.END else box.id
    shown = label or name  # a step's label in the reader's language, else its id
    title = (f"{label} ({name})" if label else name) + (
        f" ({gettext(language, _CURRENT)})" if is_current else ""
    )
    lines = [detail_text(d, language) for d in box.details]
    yield f"<title>{xml_text(chr(10).join([title, *lines]))}</title>"
    for loop in box.loops:
        yield (
            f'<path class="escalation" d="{_path(loop.points)}" fill="none" '
            f'stroke="{ESCALATION_INK}" stroke-width="1.2" stroke-dasharray="5 3" '
            f'marker-end="url(#{marker}-escalation)"/>'
        )
        room = box.x + box.width + 40 - loop.label_at.x  # into the gap a little
        yield _halo(loop.label_at.x, loop.label_at.y, fitted(_loop_text(loop, language), room),
                    ESCALATION_INK)  # fmt: skip
    stroke = HIGHLIGHT if is_current else STROKES[box.kind]
    fill = CURRENT_FILL if is_current and box.kind is not BoxKind.END else FILLS[box.kind]
    radius = box.height // 2 if box.kind is BoxKind.END else 6
    yield (
        f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" rx="{radius}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{3 if is_current else 1.5}"/>'
    )
    room = box.width - 2 * TEXT_PADDING
    if box.kind is BoxKind.END:
        yield _text(box.x + box.width // 2, box.y + box.height // 2 + 4, name,
                    fill="#ffffff", text_anchor="middle", font_weight="bold")  # fmt: skip
        yield "</g>"
        return
    heading = f"do · {shown}" if box.kind is BoxKind.DO else shown
    yield _text(box.x + TEXT_PADDING, box.y + 17, fitted(heading, room), fill=INK,
                font_weight="bold")  # fmt: skip
    for index, (detail, line) in enumerate(zip(box.details, lines, strict=True)):
        baseline = box.y + 26 + 12 + index * 16
        if detail.kind is DetailKind.APPROVAL:
            yield (
                f'<rect class="approval" x="{box.x + TEXT_PADDING - 3}" y="{baseline - 11}" '
                f'width="{min(room + 6, _width(line) + 8)}" height="15" rx="7" '
                f'fill="{APPROVAL_FILL}" stroke="{APPROVAL_INK}" stroke-width="0.8"/>'
            )
            yield _text(box.x + TEXT_PADDING + 1, baseline, fitted(line, room - 2),
                        fill=APPROVAL_INK, font_size=SMALL)  # fmt: skip
        else:
            yield _text(box.x + TEXT_PADDING, baseline, fitted(line, room), fill=MUTED,
                        font_size=SMALL)  # fmt: skip
    yield "</g>"


def _markers(prefix: str) -> str:
    def marker(name: str, ink: str) -> str:
        return (
            f'<marker id="{prefix}-{name}" viewBox="0 0 10 10" refX="10" refY="5" '
            f'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{ink}"/></marker>'
        )

    return f"<defs>{marker('arrow', LINE_INK)}{marker('escalation', ESCALATION_INK)}</defs>"


def draw(
    layout: Layout,
    *,
    key: str,
    highlight: str | None,
    language: str,
    prefix: str = "wf",
    labels: Mapping[str, str] | None = None,
) -> str:
    """`layout` as an SVG document (`key` names it in its title); `labels`: step id → the
    title its box shows (the id where none)."""
    title = gettext(language, _DIAGRAM, key=key)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow-diagram" '
        f'width="{layout.width}" height="{layout.height}" '
        f'viewBox="0 0 {layout.width} {layout.height}" role="img" '
        f'aria-labelledby="{prefix}-title" font-family="sans-serif" font-size="{FONT}">',
        f'<title id="{prefix}-title">{xml_text(title)}</title>',
        _markers(prefix),
        '<g class="edges">',
    ]
    for edge in layout.edges:
        parts.extend(_edge(edge, prefix))
    parts.append('</g><g class="steps">')
    for box in layout.boxes:
        label = (labels or {}).get(box.id)
        current = box.id == highlight
        parts.extend(_box(box, language=language, is_current=current, marker=prefix, label=label))
    parts.append("</g></svg>")
    return "".join(parts)


def render_svg(
    workflow: Workflow, *, highlight: str | None = None, language: str = "en", prefix: str = "wf"
) -> str:
    """The diagram of `workflow` as an SVG document, the step `highlight` (a case's current
    step; None or an unknown id: none) drawn as current. `prefix` keeps the ids of its markers
    apart from another diagram's on the same page."""
    return draw(
        layout_workflow(workflow),
        key=workflow.key,
        highlight=highlight,
        language=language,
        prefix=prefix,
        labels={s.id: s.title(language) for s in workflow.steps.values() if s.label},
    )


def diagram_markup(
    workflow: Workflow, *, highlight: str | None = None, language: str = "en", prefix: str = "wf"
) -> Markup:
    """`render_svg` for a page template (every text in it is escaped already)."""
    return Markup(render_svg(workflow, highlight=highlight, language=language, prefix=prefix))


__all__ = ["detail_text", "diagram_markup", "draw", "fitted", "render_svg", "xml_text"]
