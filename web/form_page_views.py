"""What the form editor shows, as plain values: every editor's context (web.draft_views) and,
for a saved draft, its impact on stored customers (engine.form_versions) with the choices of
the mapping and the published readers that block it, each with a link to its editor.
web.pages_forms renders them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from dsl import in_language
from engine import specs
from engine.errors import InvalidRequestError
from engine.form_versions import FormImpact, draft_impact
from engine.models import SpecKind
from engine.users import UserView
from web.draft_views import draft_context, editor_url
from web.i18n import translator

FORM = SpecKind.FORM
MAPPING_ACTIONS = ("rename", "default", "drop")


@dataclass(frozen=True, slots=True)
class ReaderRow:
    """A blocking reading: where it is, what it says, and the editor of its definition."""

    file: str
    line: int | None
    column: int | None
    message: str
    hint: str | None
    url: str | None


def _reader_urls(session: Session) -> dict[str, str]:
    """The file of each published ruleset and workflow → its editor page."""
    urls: dict[str, str] = {}
    editors = ((SpecKind.RULESET, "/rules", ""), (SpecKind.WORKFLOW, "/workflows", "/edit"))
    for kind, prefix, suffix in editors:
        for row in specs.published_rows(session, kind):
            urls[row.filename or row.key] = editor_url(prefix, row.key) + suffix
    return urls


def reader_rows(session: Session, impact: FormImpact, language: str) -> list[ReaderRow]:
    translate = translator(language).gettext
    urls = _reader_urls(session)
    rows = []
    for found in impact.readers:
        said = in_language(found, language, translate)
        span = said.span
        rows.append(
            ReaderRow(
                file=span.file if span else "",
                line=span.line if span else None,
                column=span.column if span else None,
                message=said.message,
                hint=said.hint,
                url=urls.get(span.file) if span else None,
            )
        )
    return rows


def posted_mapping(form: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The mapping chosen on the page (`action.F`: rename, default or drop; `rename.F`: the
    target; `default.F`: the value, read as JSON when it is JSON, else as text) for `fields`."""
    mapping: dict[str, Any] = {}
    for field_id in fields:
        action = str(form.get(f"action.{field_id}", ""))
        if action == "rename":
            mapping[field_id] = {"rename": str(form.get(f"rename.{field_id}", ""))}
        elif action == "default":
            typed = str(form.get(f"default.{field_id}", ""))
            try:
                value: Any = json.loads(typed)
            except ValueError:
                value = typed
            mapping[field_id] = {"default": value}
        elif action == "drop":
            mapping[field_id] = {"drop": True}
    return mapping


def editor_context(
    session: Session, key: str, user: UserView, language: str, **extra: Any
) -> dict[str, Any]:
    """The form editor's context: every editor's, and the saved draft's impact (None before a
    draft is saved, or while it has errors). Raises NotFoundError for an unknown key."""
    source = extra.pop("source", None)
    checksum = extra.pop("checksum", None)
    common = draft_context(
        session, FORM, key, user, language, editor_url=editor_url("/forms", key),
        page_url=editor_url("/forms", key) + "/edit", source=source, checksum=checksum,
    )  # fmt: skip
    impact = None
    if common["draft"] is not None:
        try:
            impact = draft_impact(session, key)
        except InvalidRequestError:
            impact = None
    return {
        **common,
        "impact": impact,
        "readers": reader_rows(session, impact, language) if impact is not None else [],
        "chosen": {},
        **extra,
    }


__all__ = ["MAPPING_ACTIONS", "ReaderRow", "editor_context", "posted_mapping", "reader_rows"]
