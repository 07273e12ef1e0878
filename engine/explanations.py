"""Explanations of stored assessments: the change recorded with every new assessment (what moved
against the previous one: rules that started or stopped firing, points, inputs, the ruleset
version), the explanation of an assessment in each language, and a customer's assessment history.

Texts are made by `dsl.explain` / `dsl.explain_change` from the stored results, in every language
of `LANGUAGES`; web/ picks one. In Chinese, fields are named by the customer form's Chinese labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
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
# 2: recorded with every new assessment, not only a tier change; each language's change lists
# the `inputs` that moved in rules firing both times; `ruleset_version` {from, to}.
CHANGE_SCHEMA_VERSION = 2

# Stored texts, in every language of LANGUAGES (as dsl.explain writes its own).
_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "moved": "; inputs moved: {items}",
        "sep": ", ",
        "version": " (ruleset version {old} → {new})",
        "true": "true",
        "false": "false",
    },
    "zh": {
        "moved": "；输入变化：{items}",
        "sep": "；",
        "version": "（规则集版本 {old} → {new}）",
        "true": "是",
        "false": "否",
    },
}


@dataclass(frozen=True, slots=True)
class PreviousAssessment:
    """What a new assessment is compared with: the customer's latest stored one."""

    id: int
    ruleset_key: str
    ruleset_version: int
    as_of: date
    result: Mapping[str, Any]


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


def label_names(session: Session, language: str) -> dict[str, str]:
    """Fields named by the customer form's labels in `language`, English too: what a person
    reads ("Worst current overdue (days)", not `max_overdue_days`) on the case and customer
    pages. The stored explanations keep the rules' own names in English (`field_names`): an
    integrator reads those."""
    try:
        form = specs.customer_form(session).value
    except NotConfiguredError:
        return {}
    return {f.id: f.title(language) for f in form.fields}


def all_field_names(session: Session) -> dict[str, dict[str, str]]:
    """`field_names` for every language of LANGUAGES (read once per request or chunk)."""
    return {language: field_names(session, language) for language in LANGUAGES}


def _shown(value: Any, words: Mapping[str, str]) -> str:
    if isinstance(value, bool):
        return words["true" if value else "false"]
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def moved_inputs(
    previous: Mapping[str, Any] | None, result: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The inputs of rules that fired in both results and read another value now (unless a
    rule that started or stopped firing reads them too): `{rule, name, from, to}` each, by rule
    (in the current result's order), then name."""
    if previous is None:
        return []
    before = {f["id"]: f for f in previous.get("fired") or ()}
    after = {f["id"] for f in result.get("fired") or ()}
    # an input of a rule that started or stopped firing is already told with that rule
    seen = {
        name
        for fired in (*(result.get("fired") or ()), *before.values())
        if (fired["id"] in before) != (fired["id"] in after)
        for name in fired.get("inputs") or {}
    }
    moved: list[dict[str, Any]] = []
    for fired in result.get("fired") or ():
        was = before.get(fired["id"])
        if was is None:
            continue
        old, new = was.get("inputs") or {}, fired.get("inputs") or {}
        for name in sorted(new):
            if name in old and old[name] != new[name] and name not in seen:
                seen.add(name)
                moved.append(
                    {"rule": fired["id"], "name": name, "from": old[name], "to": new[name]}
                )
    return moved


def change_record(
    *,
    previous: PreviousAssessment | None,
    result: Mapping[str, Any],
    ruleset_version: int,
    names: Mapping[str, Mapping[str, str]],
) -> dict[str, Any]:
    """What to store as an assessment's `change`: the change from `previous` (None: the first
    assessment) to `result` in each language, since the previous assessment's `as_of`, with the
    inputs that moved and the ruleset versions. `names` is `all_field_names`.

    `{"schema_version", "previous_assessment_id", "ruleset_version": {from, to},
    "en": {**Change.to_dict(), "inputs": [...]}, "zh": ...}`.
    """
    moved = moved_inputs(previous.result if previous is not None else None, result)
    old_version = previous.ruleset_version if previous is not None else None
    record: dict[str, Any] = {
        "schema_version": CHANGE_SCHEMA_VERSION,
        "previous_assessment_id": previous.id if previous is not None else None,
        "ruleset_version": {"from": old_version, "to": ruleset_version},
    }
    for language in LANGUAGES:
        shown = names.get(language) or {}
        words = _WORDS[language]
        change = dsl.explain_change(
            previous.result if previous is not None else None,
            result,
            since=previous.as_of if previous is not None else None,
            language=language,
            names=shown,
        ).to_dict()
        inputs = [
            {
                **item,
                "text": f"{shown.get(item['name'], item['name'])} "
                f"{_shown(item['from'], words)} → {_shown(item['to'], words)}",
            }
            for item in moved
        ]
        if inputs:
            change["summary"] += words["moved"].format(
                items=words["sep"].join(item["text"] for item in inputs)
            )
        if old_version is not None and old_version != ruleset_version:
            change["summary"] += words["version"].format(old=old_version, new=ruleset_version)
        change["inputs"] = inputs
        record[language] = change
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


def upgrade_change_v1(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Version 1 → 2: a change stored only with a tier change, without the inputs that moved
    nor the ruleset versions: each language gets `inputs: []`, the record
    `ruleset_version: None` (not known)."""
    upgraded = {**stored, "schema_version": 2, "ruleset_version": None}
    for language in LANGUAGES:
        if language in stored:
            upgraded[language] = {**stored[language], "inputs": []}
    return upgraded


def changes(stored: Mapping[str, Any] | None) -> dict[str, dict[str, Any]] | None:
    """A stored `change` per language (`Change.to_dict()` and its `inputs`), or None (an
    assessment stored before every assessment recorded its change)."""
    if not stored:
        return None
    if stored.get("schema_version") == 1:
        stored = upgrade_change_v1(stored)
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
