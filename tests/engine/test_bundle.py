"""Template bundles: the example loads clean, a broken bundle reports every problem at once,
zips are read safely, and a bundle for another base currency is refused."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import dsl
from engine.bundle import (
    TEMPLATE_JSON_SCHEMA,
    Bundle,
    TemplateError,
    check_path,
    load_bundle,
)
from tests.conftest import EXAMPLE_TEMPLATE, MECHANICS_TEMPLATE


def rendered(path: Path) -> str:
    result = check_path(path)
    return dsl.render_all(result.diagnostics, result.sources)


def copy_example(tmp_path: Path, name: str = "bundle") -> Path:
    target = tmp_path / name
    # the mechanics copy: its high-risk review is the simple one these tests edit
    shutil.copytree(MECHANICS_TEMPLATE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def zip_folder(folder: Path, target: Path, *, top: str | None) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{name}" if top else name)
    return target


# --- the example -------------------------------------------------------------------------------


def test_the_example_bundle_loads_clean() -> None:
    bundle = load_bundle(EXAMPLE_TEMPLATE)
    assert isinstance(bundle, Bundle)
    assert (bundle.key, bundle.version, bundle.base_currency) == (
        "manufacturing_credit",
        "1.0.0",
        "CNY",
    )
    assert bundle.name == {"en": "Manufacturing B2B credit risk", "zh": "制造业客户信用风险"}
    assert bundle.roles == (
        "sales",
        "sales_manager",
        "department_head",
        "finance_head",
        "legal",
        "cfo",
        "admin",
    )
    assert list(bundle.forms.keys()) == [
        "customer",
        "lawsuit",
        "overdue_invoice",
        "payment",
        "registration_change",
        "credit_terms_proposal",
    ]
    assert list(bundle.rulesets.keys()) == ["credit"]
    assert list(bundle.workflows.keys()) == [
        "high_risk_review",
        "periodic_review",
        "manual_review",
        "order_hold_review",
    ]
    assert list(bundle.calendars.keys()) == ["cn"]
    assert bundle.default_calendar == "cn"
    assert bundle.warnings == ()
    ruleset = bundle.rulesets["credit"]
    assert ruleset.filename == "rules/credit.rules"
    assert ruleset.value.form == "customer"
    assert ruleset.value.tiers == ("high", "medium", "low")
    assert bundle.ruleset_for("customer") is ruleset.value
    assert bundle.customer_form.key == "customer"
    assert set(bundle.sources) == {
        "template.yaml",
        "forms/customer.yaml",
        "forms/lawsuit.yaml",
        "forms/overdue_invoice.yaml",
        "forms/payment.yaml",
        "forms/registration_change.yaml",
        "forms/credit_terms_proposal.yaml",
        "rules/credit.rules",
        "workflows/high_risk_review.yaml",
        "workflows/periodic_review.yaml",
        "workflows/manual_review.yaml",
        "calendars/cn.yaml",
        "workflows/order_hold_review.yaml",
        "data/customers.csv",
        "tests/cases.yaml",
    }
    assert bundle.source == bundle.sources["template.yaml"]
    assert list(bundle.sample_data) == ["data/customers.csv"]


def test_iterating_definitions_gives_key_value_source_and_filename() -> None:
    bundle = load_bundle(EXAMPLE_TEMPLATE)
    workflow = next(iter(bundle.workflows))
    assert workflow.key == workflow.value.key == "high_risk_review"
    assert workflow.filename == "workflows/high_risk_review.yaml"
    assert workflow.source == bundle.sources[workflow.filename]
    assert "customer" in bundle.forms and "nope" not in bundle.forms
    assert bundle.forms.get("nope") is None


def test_check_path_finds_nothing_in_the_example() -> None:
    assert rendered(EXAMPLE_TEMPLATE) == ""
    diagnostics, sources = check_path(EXAMPLE_TEMPLATE)
    assert diagnostics == ()
    assert "rules/credit.rules" in sources


def test_check_path_reads_template_yaml_as_its_bundle() -> None:
    assert check_path(EXAMPLE_TEMPLATE / "template.yaml").diagnostics == ()


def test_the_example_cases_run_and_pass() -> None:
    bundle = load_bundle(EXAMPLE_TEMPLATE)
    assert len(bundle.cases) >= 8
    ruleset = bundle.rulesets["credit"].value
    tiers = set()
    for case in bundle.cases:
        result = ruleset.evaluate(case.record, events=case.events, as_of=case.as_of)
        assert (result.score, result.tier) == (case.score, case.tier), case.name
        assert {f.id for f in result.fired} == set(case.fired), case.name
        tiers.add(result.tier)
    assert tiers == {"low", "medium", "high"}


def test_every_sample_customer_is_valid_form_data_and_the_tiers_are_mixed() -> None:
    import csv
    from datetime import date

    import forms

    bundle = load_bundle(EXAMPLE_TEMPLATE)
    form = bundle.customer_form
    types = {field.id: str(field.type) for field in form.fields}
    ruleset = bundle.rulesets["credit"].value
    rows = list(csv.DictReader(bundle.sample_data["data/customers.csv"].splitlines()))
    assert len(rows) >= 25
    tiers: dict[str, int] = {}
    for row in rows:
        data: dict[str, object] = {}
        for key, text in row.items():
            if key not in types:
                continue
            kind = types[key]
            if kind == "boolean":
                data[key] = text == "true"
            elif kind == "integer":
                data[key] = int(text)
            elif kind in ("decimal", "money"):
                data[key] = float(text) if "." in text else int(text)
            else:
                data[key] = text
        assert forms.validate(form, data) == (), row["external_ref"]
        record = {
            **data,
            "credit_limit": int(row["credit_limit"]),
            "payment_terms_days": int(row["payment_terms_days"]),
        }
        tier = ruleset.evaluate(record, as_of=date(2026, 1, 1)).tier
        tiers[tier] = tiers.get(tier, 0) + 1
    assert set(tiers) == {"low", "medium", "high"}


# --- a broken bundle -----------------------------------------------------------------------------

BROKEN_EVERYWHERE = """\
template.yaml:4:10: error: 'version' must be a version of three numbers such as 1.0.0; found \
the number 1.0
    4 | version: 1.0
      |          ^^^
template.yaml:9:16: error: 'base_currency' must be a three-letter currency code in capitals, \
such as CNY; found the text 'cny'
    9 | base_currency: cny
      |                ^^^
template.yaml:10:1: error: unknown key 'rulesset'; did you mean 'rulesets'?
   10 | rulesset: x
      | ^^^^^^^^
template.yaml:20:42: error: 'action' of item 1 of 'schedules' must be one of the schedule \
actions: rescore_all, start_reviews; found the text 'reboot'
   20 |   - {id: nightly, cron: 0 2 * *, action: reboot}
      |                                          ^^^^^^
template.yaml:20:25: error: the cron expression '0 2 * *' cannot be used: a crontab expression \
has 5 fields (minute hour day month weekday), not 4
   20 |   - {id: nightly, cron: 0 2 * *, action: reboot}
      |                         ^^^^^^^
      = hint: write five fields: minute hour day month weekday, such as "0 2 * * *" for 02:00 \
every day
rules/credit.rules:18:8: error: unknown field 'max_overdue_dayz'; did you mean 'max_overdue_days'?
   18 |   when max_overdue_dayz > 90
      |        ^^^^^^^^^^^^^^^^
workflows/high_risk_review.yaml:14:33: error: role 'ceo' is not declared by the template; did \
you mean 'cfo'?
   14 |       - {after: 72h, to: {role: ceo}}
      |                                 ^^^
      = hint: the declared roles are: sales, sales_manager, department_head, finance_head, legal, \
cfo, admin"""


def test_a_broken_bundle_reports_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", "version: 1.0.0", "version: 1.0")
    edit(
        bundle / "template.yaml",
        "base_currency: CNY",
        "base_currency: cny\nrulesset: x",
    )
    edit(
        bundle / "template.yaml",
        '{id: nightly_rescore, cron: "0 2 * * *", action: rescore_all}',
        "{id: nightly, cron: 0 2 * *, action: reboot}",
    )
    edit(bundle / "rules/credit.rules", "when max_overdue_days > 90", "when max_overdue_dayz > 90")
    edit(bundle / "workflows/high_risk_review.yaml", "role: cfo}", "role: ceo}")
    assert rendered(bundle) == BROKEN_EVERYWHERE
    with pytest.raises(TemplateError) as raised:
        load_bundle(bundle)
    assert dsl.render_all(raised.value.diagnostics, raised.value.sources) == BROKEN_EVERYWHERE


BROKEN_FORM = "\n".join(
    [
        "forms/customer.yaml:37:34: error: unknown field type 'integr'; did you mean 'integer'?",
        "   37 |   - {id: max_overdue_days, type: integr, label: {en: Worst current overdue (days),"
        " zh: 最长逾期天数}, min: 0, risk_direction: up, section: payment}",
        "      |                                  ^^^^^^",
        "rules/credit.rules:41:3: error: expected 'then' after the condition of rule lawsuits",
        "   41 |   add 20, flag litigation",
        "      |   ^^^",
        "workflows/high_risk_review.yaml:19:22: error: role 'finance' is not declared by the"
        " template; did you mean 'finance_head'?",
        "   19 |     assignee: {role: finance}",
        "      |                      ^^^^^^^",
        "      = hint: the declared roles are: sales, sales_manager, department_head, finance_head,"
        " legal, cfo, admin",
    ]
)


def test_a_broken_form_with_a_rules_syntax_error_and_a_bad_role_are_all_reported(
    tmp_path: Path,
) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "forms/customer.yaml",
        "type: integer, label: {en: Worst",
        "type: integr, label: {en: Worst",
    )
    edit(bundle / "rules/credit.rules", "then add 20, flag litigation", "add 20, flag litigation")
    edit(bundle / "workflows/high_risk_review.yaml", "role: finance_head}", "role: finance}")
    assert rendered(bundle) == BROKEN_FORM


def test_a_failing_case_is_an_error_naming_it(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "tests/cases.yaml",
        "expected: {score: 15, tier: low, fired: [moderate_overdue]}",
        "expected: {score: 20, tier: low, fired: [moderate_overdue, pays_late]}",
    )
    assert rendered(bundle) == (
        "tests/cases.yaml:28:9: error: case 'exactly 90 days overdue is still moderate' fails: "
        "score 15, expected 20; pays_late did not fire\n"
        "   28 | - name: exactly 90 days overdue is still moderate\n"
        "      |         ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"
    )


def test_a_case_setting_an_unknown_field_is_reported_at_the_field(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "tests/cases.yaml",
        "record: {max_overdue_days: 90,",
        "record: {max_overdue_dayz: 90,",
    )
    [first, *_] = check_path(bundle).diagnostics
    assert dsl.render(first) == (
        "tests/cases.yaml:29:12: error: case 'exactly 90 days overdue is still moderate' sets the "
        "unknown field 'max_overdue_dayz'; did you mean 'max_overdue_days'?"
    )


def test_a_malformed_case_file_is_checked_against_its_schema(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "tests/cases.yaml",
        "expected: {score: 15, tier: low,",
        "expect: {score: 15, tier: low,",
    )
    codes = [(d.code, d.message) for d in check_path(bundle).diagnostics]
    assert ("unknown-key", "unknown key 'expect' in case 3; did you mean 'expected'?") in codes
    assert ("missing-key", "case 3 lacks the required key 'expected'") in codes


def test_missing_and_unsafe_files_are_reported_at_their_entry(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    (bundle / "workflows/high_risk_review.yaml").unlink()
    edit(bundle / "template.yaml", "sample_data: [data/customers.csv]", "sample_data: [../x.csv]")
    assert rendered(bundle) == (
        "template.yaml:13:13: error: 'workflows/high_risk_review.yaml' is not in the bundle\n"
        "   13 | workflows: [workflows/high_risk_review.yaml, workflows/order_hold_review.yaml]\n"
        "      |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "template.yaml:14:15: error: '../x.csv' is not a path inside the bundle\n"
        "   14 | sample_data: [../x.csv]\n"
        "      |               ^^^^^^^^\n"
        "      = hint: write paths relative to template.yaml, with '/' between folders"
    )


def test_a_ruleset_must_name_a_form_of_the_bundle(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "rules/credit.rules", "form customer", "form customers")
    assert rendered(bundle) == (
        "rules/credit.rules:7:6: error: the ruleset is written for the form 'customers', which "
        "the bundle does not define; did you mean 'customer'?\n"
        "    7 | form customers\n"
        "      |      ^^^^^^^^^"
    )


def test_an_unknown_csv_column_is_reported(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "data/customers.csv", ",industry,", ",industyr,")
    [diagnostic] = check_path(bundle).diagnostics
    assert (diagnostic.code, diagnostic.span and diagnostic.span.line) == ("unknown-column", 1)
    assert diagnostic.message == "unknown column 'industyr'; did you mean 'industry'?"


def test_a_bundle_without_template_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as raised:
        load_bundle(tmp_path)
    assert [d.code for d in raised.value.diagnostics] == ["missing-file"]


def test_a_template_yaml_that_is_no_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert [d.code for d in check_path(tmp_path).diagnostics] == ["wrong-type"]


# --- zips ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("top", [None, "manufacturing_credit"])
def test_a_zip_loads_with_the_bundle_at_its_root_or_in_one_top_folder(
    tmp_path: Path, top: str | None
) -> None:
    archive = zip_folder(EXAMPLE_TEMPLATE, tmp_path / "bundle.zip", top=top)
    bundle = load_bundle(archive)
    assert bundle.key == "manufacturing_credit"
    assert "rules/credit.rules" in bundle.sources
    assert check_path(archive).diagnostics == ()


def test_a_broken_zip_names_files_relative_to_the_bundle_root(tmp_path: Path) -> None:
    broken = copy_example(tmp_path)
    edit(broken / "rules/credit.rules", "when max_overdue_days > 90", "when max_overdue_dayz > 90")
    archive = zip_folder(broken, tmp_path / "bundle.zip", top="manufacturing_credit")
    with pytest.raises(TemplateError) as raised:
        load_bundle(archive)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.span is not None
    assert (diagnostic.span.file, diagnostic.span.line) == ("rules/credit.rules", 18)


def test_a_zip_with_path_traversal_is_refused(tmp_path: Path) -> None:
    archive = zip_folder(EXAMPLE_TEMPLATE, tmp_path / "bundle.zip", top=None)
    with zipfile.ZipFile(archive, "a") as handle:
        handle.writestr("../../evil.txt", "gotcha")
        handle.writestr("/etc/passwd", "root")
    with pytest.raises(TemplateError) as raised:
        load_bundle(archive)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        (
            "unsafe-path",
            "the zip holds '../../evil.txt', which is not a plain path inside the bundle",
        ),
        ("unsafe-path", "the zip holds '/etc/passwd', which is not a plain path inside the bundle"),
    ]
    assert not (tmp_path.parent / "evil.txt").exists()


def test_an_oversize_zip_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.bundle_files

    archive = zip_folder(EXAMPLE_TEMPLATE, tmp_path / "bundle.zip", top=None)
    monkeypatch.setattr(engine.bundle_files, "MAX_UNPACKED_BYTES", 1_000)
    with pytest.raises(TemplateError) as raised:
        load_bundle(archive)
    assert [d.code for d in raised.value.diagnostics] == ["bundle-too-large"]
    monkeypatch.setattr(engine.bundle_files, "MAX_ZIP_BYTES", 100)
    assert [d.code for d in check_path(archive).diagnostics] == ["bundle-too-large"]


def test_a_zip_without_template_yaml_at_the_root_or_one_folder_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a/template.yaml", "template: x\n")
        handle.writestr("b/other.txt", "")
    assert [d.code for d in check_path(archive).diagnostics] == ["no-template-file"]


def test_a_file_that_is_no_zip_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bundle.zip"
    archive.write_bytes(b"not a zip at all")
    with pytest.raises(TemplateError) as raised:
        load_bundle(archive)
    assert [d.code for d in raised.value.diagnostics] == ["not-a-zip"]


# --- currency, rules files, schema ----------------------------------------------------------------


def test_a_bundle_for_another_base_currency_is_refused() -> None:
    with pytest.raises(TemplateError) as raised:
        load_bundle(EXAMPLE_TEMPLATE, base_currency="EUR")
    assert dsl.render_all(raised.value.diagnostics, raised.value.sources) == (
        "template.yaml:9:16: error: the template is written for base currency CNY, but this "
        "workspace's base currency is EUR\n"
        "    9 | base_currency: CNY\n"
        "      |                ^^^\n"
        "      = hint: import a template made for this workspace's currency"
    )
    assert load_bundle(EXAMPLE_TEMPLATE, base_currency="CNY").base_currency == "CNY"


def test_check_path_compiles_a_single_rules_file_without_a_form(tmp_path: Path) -> None:
    rules = tmp_path / "mine.rules"
    rules.write_text(
        "ruleset mine\nrule r when x > 1 then add 1\ntierz\n  low otherwise\n", encoding="utf-8"
    )
    result = check_path(rules)
    assert [d.span.file for d in result.diagnostics if d.span] == [str(rules)]
    assert result.sources == {str(rules): rules.read_text(encoding="utf-8")}
    assert all(d.is_error for d in result.diagnostics)
    example = EXAMPLE_TEMPLATE / "rules" / "credit.rules"
    assert check_path(example).diagnostics == ()


def test_check_path_of_nothing_useful_says_so(tmp_path: Path) -> None:
    assert [d.code for d in check_path(tmp_path / "absent").diagnostics] == ["not-found"]
    other = tmp_path / "notes.txt"
    other.write_text("hello", encoding="utf-8")
    assert [d.code for d in check_path(other).diagnostics] == ["not-a-bundle"]


def test_the_template_schema_is_a_valid_draft_2020_12_schema_the_example_meets() -> None:
    Draft202012Validator.check_schema(TEMPLATE_JSON_SCHEMA)
    json.dumps(TEMPLATE_JSON_SCHEMA)
    document = dsl.load_yaml(
        (EXAMPLE_TEMPLATE / "template.yaml").read_text(encoding="utf-8"), filename="template.yaml"
    )
    assert list(Draft202012Validator(TEMPLATE_JSON_SCHEMA).iter_errors(document)) == []


def test_a_label_in_an_unknown_language_and_a_duplicate_role_are_positioned(
    tmp_path: Path,
) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", 'zh: "制造业客户信用风险"', 'fr: "Risque de crédit"')
    edit(bundle / "template.yaml", "legal, cfo, admin]", "legal, cfo, admin, cfo]")
    assert [
        (d.code, d.span and (d.span.line, d.span.column)) for d in check_path(bundle).diagnostics
    ] == [
        ("unknown-language", (5, 45)),
        ("duplicate", (10, 81)),
    ]


def test_without_a_tests_key_tests_cases_yaml_is_read(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "template.yaml", "tests: [tests/cases.yaml]\n", "")
    assert len(load_bundle(bundle).cases) == len(load_bundle(EXAMPLE_TEMPLATE).cases)
    (bundle / "tests" / "cases.yaml").unlink()
    assert load_bundle(bundle).cases == ()


def test_a_case_naming_an_unknown_ruleset_is_reported(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "tests/cases.yaml", "- name: 91 days", "- ruleset: credt\n  name: 91 days")
    [diagnostic] = check_path(bundle).diagnostics
    assert diagnostic.code == "unknown-ruleset"
    assert diagnostic.message == (
        "case '91 days overdue is severe' names the ruleset 'credt', which the bundle does not "
        "define; did you mean 'credit'?"
    )


def test_a_ruleset_without_a_form_header_is_reported(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(bundle / "rules/credit.rules", "form customer\n", "\n")
    codes = [d.code for d in check_path(bundle).diagnostics]
    assert codes[0] == "ruleset-without-form"


def test_a_symlink_out_of_the_bundle_counts_as_absent(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    outside = tmp_path / "outside.csv"
    outside.write_text("external_ref\n", encoding="utf-8")
    target = bundle / "data" / "customers.csv"
    target.unlink()
    target.symlink_to(outside)
    assert [d.code for d in check_path(bundle).diagnostics] == ["missing-file"]


# --- governance ----------------------------------------------------------------------------------


def test_governance_asks_for_approval_of_publishing(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    assert load_bundle(bundle).publish_requires_approval is False
    edit(
        bundle / "template.yaml",
        "\nroles:",
        "\ngovernance: {publish_requires_approval: true}\nroles:",
    )
    assert load_bundle(bundle).publish_requires_approval is True


def test_a_governance_value_of_the_wrong_type_is_refused_at_the_value(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "template.yaml",
        "\nroles:",
        "\ngovernance: {publish_requires_approval: yes}\nroles:",
    )
    line = (bundle / "template.yaml").read_text(encoding="utf-8").splitlines().index(
        "governance: {publish_requires_approval: yes}"
    ) + 1
    (found,) = check_path(bundle).diagnostics
    assert found.code == "wrong-type" and "true or false" in found.message
    assert found.span is not None and (found.span.line, found.span.column) == (line, 41)


def test_a_workflow_named_like_the_built_in_one_is_refused(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "workflows" / "high_risk_review.yaml",
        "workflow: high_risk_review",
        "workflow: ruleset_change",
    )
    (found,) = check_path(bundle).diagnostics
    assert found.code == "reserved-workflow"
    assert found.message == "the workflow key 'ruleset_change' is the engine's own; choose another"


def test_workflows_are_checked_against_the_bundles_forms_and_workflow_keys(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    workflow = bundle / "workflows/high_risk_review.yaml"
    edit(
        workflow,
        "propose_terms: {to: finance_approval}",
        "propose_terms: {to: finance_approval, form: lawsuite}",
    )
    edit(
        workflow,
        "          order_hold: false\n",
        "          order_hold: false\n      - start: high_risk_reveiw\n",
    )

    assert rendered(bundle) == (
        "workflows/high_risk_review.yaml:16:51: error: form 'lawsuite' in action 'propose_terms' "
        "of step 'sales_review' is not defined by the template; did you mean 'lawsuit'?\n"
        "   16 |       propose_terms: {to: finance_approval, form: lawsuite}\n"
        "      |                                                   ^^^^^^^^\n"
        "workflows/high_risk_review.yaml:33:16: error: 'start' names unknown workflow "
        "'high_risk_reveiw'; did you mean 'high_risk_review'?\n"
        "   33 |       - start: high_risk_reveiw\n"
        "      |                ^^^^^^^^^^^^^^^^"
    )


def test_an_event_workflow_reads_the_fields_of_its_event_form(tmp_path: Path) -> None:
    bundle = copy_example(tmp_path)
    edit(
        bundle / "workflows/high_risk_review.yaml",
        "  on: tier_changed\n",
        "  on: event_received\n  kind: lawsuit\n",
    )
    edit(
        bundle / "workflows/high_risk_review.yaml",
        'assessment.tier == "high" and (assessment.previous_tier is missing or '
        'assessment.previous_tier != "high")',
        'event.amount > 1000000 and event.courts == "x"',
    )

    assert rendered(bundle) == (
        "workflows/high_risk_review.yaml:7:43: error: unknown field 'event.courts'; did you mean "
        "'event.court'?\n"
        "    7 |   when: 'event.amount > 1000000 and event.courts == \"x\"'\n"
        "      |                                           ^^^^^^"
    )
