"""The credit_check section of template.yaml: compiled with the bundle, every problem positioned
in template.yaml, and read back from the published template."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from engine.bundle import load_bundle
from tests.conftest import EXAMPLE_TEMPLATE
from tests.engine.test_bundle import copy_example, edit, rendered


def test_the_example_declares_exposure_rules_and_releasers() -> None:
    policy = load_bundle(EXAMPLE_TEMPLATE).credit_policy
    assert policy is not None
    assert policy.outstanding.source == "outstanding_balance"
    assert [r.code for r in policy.warn] == ["near_limit"]
    assert [r.code for r in policy.hold] == ["over_limit", "order_hold", "high_risk_large_order"]
    assert dict(policy.releasers) == {"finance_head": Decimal(200000), "cfo": Decimal(2000000)}
    assert policy.authority_of({"sales", "finance_head"}) == 200000
    assert policy.authority_of({"finance_head", "cfo"}) == 2000000
    assert policy.authority_of({"sales"}) is None


def test_a_template_without_the_section_has_no_policy(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    text = (bundle / "template.yaml").read_text(encoding="utf-8")
    start = text.index("credit_check:")
    end = text.index("# forms: the customer form")
    (bundle / "template.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_bundle(bundle).credit_policy is None


BROKEN_SECTION = """\
template.yaml:40:56: error: 'credit_check.releasers.cfo' must be an amount of 0 or more; found \
the number -1
   40 |   releasers: {finance_head: 200000, ceo: 2000000, cfo: -1}
      |                                                        ^^
template.yaml:41:3: error: unknown key 'limit' in 'credit_check'
   41 |   limit: 3
      |   ^^^^^
template.yaml:25:17: error: unknown field 'outstanding_balanse'; did you mean \
'outstanding_balance'?
   25 |   outstanding: "outstanding_balanse"
      |                 ^^^^^^^^^^^^^^^^^^^
template.yaml:34:13: error: the credit check rule code 'near_limit' is used twice
   34 |     - code: near_limit
      |             ^^^^^^^^^^
template.yaml:35:14: error: this condition must be true or false, but this is an amount of money
   35 |       when: "order.amount + 1"
      |              ^^^^^^^^^^^^^^^^
template.yaml:38:42: error: unknown field 'exposure.totl'; did you mean 'exposure.total'?
   38 |       when: 'tier == "high" and exposure.totl > 100000'
      |                                          ^^^^
template.yaml:40:37: error: releasers names the role 'ceo', which is not in roles; did you mean \
'cfo'?
   40 |   releasers: {finance_head: 200000, ceo: 2000000, cfo: -1}
      |                                     ^^^"""


def test_a_broken_section_reports_every_problem_where_it_is(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    template = bundle / "template.yaml"
    edit(template, 'outstanding: "outstanding_balance"', 'outstanding: "outstanding_balanse"')
    edit(template, "    - code: order_hold\n", "    - code: near_limit\n")
    edit(template, 'when: "order_hold"', 'when: "order.amount + 1"')
    edit(template, "order.amount > 100000'", "exposure.totl > 100000'")
    edit(
        template,
        "releasers: {finance_head: 200000, cfo: 2000000}",
        "releasers: {finance_head: 200000, ceo: 2000000, cfo: -1}\n  limit: 3",
    )
    assert rendered(bundle) == BROKEN_SECTION


def test_a_rule_without_reason_is_reported_at_the_rule(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    template = bundle / "template.yaml"
    edit(
        template,
        '      when: "order_hold"\n'
        '      reason: {en: "New orders of this customer are on hold", '
        'zh: "该客户的新订单已被暂停"}\n',
        '      when: "order_hold"\n',
    )
    assert rendered(bundle) == (
        "template.yaml:34:7: error: item 2 of 'credit_check.hold' lacks the required key "
        "'reason'\n"
        "   34 |     - code: order_hold\n"
        "      |       ^"
    )
