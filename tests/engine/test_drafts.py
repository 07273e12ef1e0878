"""Ruleset drafts: saved even with errors, one per key, listed, diffed and tried on a customer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from engine import specs
from engine.db import Database
from engine.drafts import diff_version, get_draft, list_versions, save_draft, try_draft
from engine.errors import ConflictError, InvalidRequestError, NotFoundError
from engine.models import AuditEntry, SpecKind, SpecVersion
from tests.engine.conftest import HEALTHY, NOW, upsert

KEY = "credit"
AS_OF = date(2026, 11, 28)
NEW_RULE = (
    '\nrule big_balance "Balance above 50,000 CNY"\n'
    "  when outstanding_balance > 50_000\n"
    "  then add 40\n"
)


def published_source(database: Database) -> str:
    with database.transaction() as session:
        return specs.find_row(session, SpecKind.RULESET, KEY).source


def with_new_rule(source: str) -> str:
    return source.replace("\ntiers\n", NEW_RULE + "\ntiers\n")


def test_a_bad_draft_is_saved_with_positioned_diagnostics(workspace: Database) -> None:
    bad = published_source(workspace).replace(
        "when max_overdue_days > 90", "when max_overdue_dayz > 90"
    )
    line = bad.splitlines().index("  when max_overdue_dayz > 90") + 1
    with workspace.transaction() as session:
        draft = save_draft(session, SpecKind.RULESET, KEY, bad, actor="ana", now=NOW)
    assert draft.status == "draft" and draft.version == 2 and draft.has_errors
    (found,) = [d for d in draft.diagnostics if d.is_error]
    assert found.code == "unknown-field"
    assert found.span is not None and (found.span.line, found.span.column) == (line, 8)
    assert "did you mean 'max_overdue_days'" in found.message + (found.hint or "")
    with workspace.transaction() as session:
        assert get_draft(session, SpecKind.RULESET, KEY).checksum == specs.checksum_of(bad)
        # saving a draft publishes nothing
        assert specs.find_row(session, SpecKind.RULESET, KEY).version == 1
        audited = session.exec(
            select(AuditEntry).where(AuditEntry.action == "spec.draft_saved")
        ).all()
        assert [a.detail["checksum"] for a in audited] == [specs.checksum_of(bad)]
    upsert(workspace, "C-1", HEALTHY)
    with workspace.transaction() as session, pytest.raises(InvalidRequestError) as refused:
        try_draft(session, KEY, "C-1", as_of=AS_OF, scope=None)
    assert refused.value.message.startswith("the draft of ruleset '%(key)s' has")


def test_saving_twice_keeps_one_draft(workspace: Database) -> None:
    source = published_source(workspace)
    with workspace.transaction() as session:
        first = save_draft(session, SpecKind.RULESET, KEY, source + "\n", actor="ana", now=NOW)
    with workspace.transaction() as session:
        second = save_draft(
            session,
            SpecKind.RULESET,
            KEY,
            with_new_rule(source),
            actor="bo",
            now=NOW,
            expected_checksum=first.checksum,
        )
    assert (second.version, second.author, second.has_errors) == (2, "bo", False)
    with workspace.transaction() as session:
        drafts = session.exec(
            select(SpecVersion).where(SpecVersion.key == KEY, SpecVersion.status == "draft")
        ).all()
        assert [d.checksum for d in drafts] == [second.checksum]
        # an editor who started from the first draft loses the race: a conflict, no lost update
        with pytest.raises(ConflictError):
            save_draft(
                session,
                SpecKind.RULESET,
                KEY,
                source,
                actor="cy",
                now=NOW,
                expected_checksum=first.checksum,
            )


def test_versions_list_the_published_and_the_draft(workspace: Database) -> None:
    source = published_source(workspace)
    with workspace.transaction() as session:
        save_draft(session, SpecKind.RULESET, KEY, with_new_rule(source), actor="ana", now=NOW)
    with workspace.transaction() as session:
        versions = list_versions(session, SpecKind.RULESET, KEY)
    assert [(v.version, v.status, v.author) for v in versions] == [
        (1, "published", "admin"),
        (2, "draft", "ana"),
    ]
    assert versions[1].checksum == specs.checksum_of(with_new_rule(source))
    assert versions[0].published_at is not None and versions[1].published_at is None


def test_diff_against_published_shows_the_changed_lines(workspace: Database) -> None:
    source = published_source(workspace)
    with workspace.transaction() as session:
        save_draft(session, SpecKind.RULESET, KEY, with_new_rule(source), actor="ana", now=NOW)
        diff = diff_version(session, SpecKind.RULESET, KEY, 2)
    assert diff.startswith("--- credit v1\n+++ credit v2\n")
    added = [line for line in diff.splitlines() if line.startswith("+") and "+++" not in line]
    assert [line for line in added if line != "+"] == [
        '+rule big_balance "Balance above 50,000 CNY"',
        "+  when outstanding_balance > 50_000",
        "+  then add 40",
    ]
    with workspace.transaction() as session:
        assert diff_version(session, SpecKind.RULESET, KEY, 1) == ""


def test_try_shows_a_rule_that_starts_firing_and_the_tier_change(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    with workspace.transaction() as session:
        save_draft(
            session,
            SpecKind.RULESET,
            KEY,
            with_new_rule(published_source(workspace)),
            actor="ana",
            now=NOW,
        )
    with workspace.transaction() as session:
        tried = try_draft(session, KEY, "C-1", as_of=AS_OF, scope=None)
    assert [(r.id, r.points) for r in tried.started_firing] == [("big_balance", 40)]
    assert tried.stopped_firing == ()
    assert (tried.score_before, tried.tier_before) == (-10, "low")
    assert (tried.score_after, tried.tier_after) == (30, "medium")
    assert tried.published is not None and tried.published.version == 1
    assert tried.draft.version == 2
    lines = [line["id"] for line in tried.draft.explanation["en"]]
    assert "big_balance" in lines


def test_try_outside_the_callers_departments_is_not_found(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)  # department east
    with workspace.transaction() as session:
        save_draft(
            session, SpecKind.RULESET, KEY, published_source(workspace), actor="ana", now=NOW
        )
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        try_draft(session, KEY, "C-1", as_of=AS_OF, scope=frozenset({"west"}))


def test_a_draft_of_a_new_ruleset_compares_with_nothing(workspace: Database) -> None:
    upsert(workspace, "C-1", HEALTHY)
    source = published_source(workspace).replace("ruleset credit", "ruleset watch", 1)
    with workspace.transaction() as session:
        draft = save_draft(session, SpecKind.RULESET, "watch", source, actor="ana", now=NOW)
        assert (draft.version, draft.has_errors) == (1, False)
        tried = try_draft(session, "watch", "C-1", as_of=AS_OF, scope=None)
    assert tried.published is None and tried.score_before is None
    assert tried.tier_after == "low"


def test_no_draft_is_not_found(workspace: Database) -> None:
    with workspace.transaction() as session, pytest.raises(NotFoundError):
        get_draft(session, SpecKind.RULESET, KEY)


def test_a_template_import_beside_a_draft_leaves_no_gap_in_the_numbers(
    workspace: Database,
) -> None:
    from engine.templates import import_template
    from tests.conftest import EXAMPLE_TEMPLATE

    source = published_source(workspace)
    with workspace.transaction() as session:
        save_draft(session, SpecKind.RULESET, KEY, with_new_rule(source), actor="ana", now=NOW)
    with workspace.transaction() as session:
        import_template(session, EXAMPLE_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    with workspace.transaction() as session:
        # the import takes the number the draft held; the draft moves to the next one
        assert specs.find_row(session, SpecKind.RULESET, KEY).version == 2
        statuses = [(v.version, v.status) for v in list_versions(session, SpecKind.RULESET, KEY)]
        assert statuses == [(1, "retired"), (2, "published"), (3, "draft")]
        again = save_draft(
            session, SpecKind.RULESET, KEY, with_new_rule(source), actor="ana", now=NOW
        )
        assert again.version == 3


def test_a_draft_named_unlike_its_key_is_an_error_at_the_header(workspace: Database) -> None:
    source = published_source(workspace).replace("ruleset credit ", "ruleset credit_v2 ", 1)
    line = source.splitlines().index(next(x for x in source.splitlines() if "credit_v2" in x)) + 1
    with workspace.transaction() as session:
        draft = save_draft(session, SpecKind.RULESET, KEY, source, actor="ana", now=NOW)
    (found,) = [d for d in draft.diagnostics if d.is_error]
    assert found.code == "ruleset-key-mismatch"
    assert found.message == "the ruleset is named 'credit_v2' but this is the draft of 'credit'"
    assert found.span is not None and (found.span.line, found.span.column) == (line, 9)
