"""Explanations of stored assessments: the change recorded with each assessment whose tier changed,
the explanation of an assessment in each language, and a customer's assessment history.

Texts are made by `dsl.explain` / `dsl.explain_change` from the stored results, in every language
of `LANGUAGES`; web/ picks one. In Chinese, fields are named by the customer form's Chinese labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

import dsl
from engine import specs
from engine.errors import NotConfiguredError
from engine.models import Assessment, Customer
from engine.pagination import clamp_limit, decode_cursor, encode_cursor
from engine.scoping import Scope
from engine.views import AssessmentSummary, Page, number

LANGUAGES = ("en", "zh")
# The stored `change` JSON; bump with a named upgrade function when its shape changes.
CHANGE_SCHEMA_VERSION = 1


def field_names(session: Session, language: str) -> dict[str, str]:
    """How fields are named in `language`: the customer form's labels, except in English, where
    the rules' own names are shown. Empty before a template is imported."""
    if language == "en":
        return {}
    try:
        form = specs.customer_form(session).value
    except NotConfiguredError:
        return {}
    return {f.id: f.label[language] for f in form.fields if f.label.get(language)}


def change_record(
    session: Session, *, previous: Assessment | None, result: Mapping[str, Any]
) -> dict[str, Any]:
    """What to store as an assessment's `change`: the change from `previous` (None: the first
    assessment) to `result` in each language, since the previous assessment's `as_of`.

    `{"schema_version", "previous_assessment_id", "en": Change.to_dict(), "zh": ...}`.
    """
    record: dict[str, Any] = {
        "schema_version": CHANGE_SCHEMA_VERSION,
        "previous_assessment_id": previous.id if previous is not None else None,
    }
    for language in LANGUAGES:
        change = dsl.explain_change(
            previous.result if previous is not None else None,
            result,
            since=previous.as_of if previous is not None else None,
            language=language,
            names=field_names(session, language),
        )
        record[language] = change.to_dict()
    return record


def explanations(
    session: Session, result: Mapping[str, Any]
) -> dict[str, tuple[dict[str, Any], ...]]:
    """The explanation lines of a stored result (`kind, id, points, text`), per language."""
    return {
        language: tuple(
            dsl.explain(result, language=language, names=field_names(session, language)).to_dict()
        )
        for language in LANGUAGES
    }


def changes(stored: Mapping[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """A stored `change` per language (`Change.to_dict()`), or None when the tier did not change."""
    if not stored:
        return None
    return {language: dict(stored[language]) for language in LANGUAGES if language in stored}


def list_assessments(
    session: Session,
    ref: str,
    *,
    cursor: str | None = None,
    limit: int | None = None,
    scope: Scope = None,
) -> Page[AssessmentSummary]:
    """The assessments of customer `ref` (when it lies in `scope`, engine.scoping), newest
    first, a page at a time.

    Raises NotFoundError (no such customer) and InvalidRequestError (a foreign cursor, a limit
    below 1).
    """
    from engine.customers import find_customer  # engine.customers imports this module

    customer: Customer = find_customer(session, ref, scope=scope)
    size = clamp_limit(limit)
    query = select(Assessment).where(Assessment.customer_id == customer.id)
    before = decode_cursor(cursor)
    if before is not None:
        query = query.where(col(Assessment.id) < before)
    rows = session.exec(query.order_by(col(Assessment.id).desc()).limit(size + 1)).all()
    items = tuple(
        AssessmentSummary(
            id=row.id or 0,
            as_of=row.as_of,
            score=number(row.score) or 0,
            tier=row.tier,
            previous_tier=row.previous_tier,
            ruleset_key=row.ruleset_key,
            ruleset_version=row.ruleset_version,
            created_at=row.created_at,
            change_summary=_summaries(row.change),
        )
        for row in rows[:size]
    )
    next_cursor = encode_cursor(items[-1].id) if len(rows) > size else None
    return Page(items=items, next_cursor=next_cursor)


def _summaries(stored: Mapping[str, Any] | None) -> dict[str, str] | None:
    found = changes(stored)
    if found is None:
        return None
    return {language: str(change.get("summary", "")) for language, change in found.items()}
