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
