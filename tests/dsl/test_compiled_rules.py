"""`CompiledRuleset.rules`: the rules a compiled ruleset holds, for reports such as the
simulation's rule frequencies."""

from __future__ import annotations

import dsl

SOURCE = """ruleset r
rule late "Pays late"
  when overdue > 30
  then add 10
table size on employees
  < 10 => 5
  else => 0
rule quiet
  when overdue < 0
  then add 1
tiers
  high when score >= 10
  low otherwise
"""


def test_rules_lists_each_rule_with_its_label_in_source_order_without_tables() -> None:
    compiled = dsl.compile_ruleset(SOURCE, filename="r.rules")
    assert compiled.rules == (("late", "Pays late"), ("quiet", None))


def test_names_read_are_the_top_level_names_the_ruleset_reads() -> None:
    compiled = dsl.compile_ruleset(SOURCE, filename="r.rules")
    assert compiled.names_read == frozenset({"overdue", "employees"})


EVENTS = """ruleset r
rule sued "Sued twice"
  when count(lawsuit within 365 days) >= 2
  then add 10
tiers
  high when score >= 10
  low otherwise
"""


def test_events_grouped_once_score_as_the_events_themselves_and_only_on_their_as_of() -> None:
    from datetime import date

    compiled = dsl.compile_ruleset(EVENTS, filename="r.rules")
    events = [
        {"kind": "lawsuit", "occurred_at": "2026-01-10", "payload": {}},
        {"kind": "lawsuit", "occurred_at": "2026-11-20", "payload": {}},
    ]
    today, before = date(2026, 11, 28), date(2026, 10, 1)
    grouped = dsl.grouped_events(events, today)
    assert compiled.evaluate({}, events=grouped, as_of=today).fired_ids == ("sued",)
    assert compiled.evaluate({}, events=events, as_of=today).fired_ids == ("sued",)
    # grouped for another day: read as events again, so the later one does not count
    assert (
        compiled.evaluate({}, events=dsl.grouped_events(events, before), as_of=before).fired_ids
        == ()
    )


def test_event_kinds_read_are_the_kinds_the_event_functions_name() -> None:
    assert dsl.compile_ruleset(EVENTS, filename="r.rules").event_kinds_read == {"lawsuit"}
    assert dsl.compile_ruleset(SOURCE, filename="r.rules").event_kinds_read == frozenset()
