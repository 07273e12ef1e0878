"""Every template in examples/ loads clean and passes its own test cases (STYLE.md §7)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dsl
from engine.bundle import check_path, load_bundle
from tests.conftest import ROOT

TEMPLATES = sorted(path.parent for path in (ROOT / "examples").glob("*/template.yaml"))


def test_there_is_at_least_one_example() -> None:
    assert TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_example_checks_clean_without_warnings(template: Path) -> None:
    result = check_path(template)
    assert dsl.render_all(result.diagnostics, result.sources) == ""


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_example_cases_pass(template: Path) -> None:
    bundle = load_bundle(template)
    assert bundle.cases, "an example template carries its own cases"
    for case in bundle.cases:
        ruleset = bundle.rulesets[case.ruleset].value if case.ruleset else bundle.ruleset_for()
        assert ruleset is not None
        result = ruleset.evaluate(case.record, events=case.events, as_of=case.as_of)
        assert result.score == case.score, case.name
        assert result.tier == case.tier, case.name
        assert sorted(f.id for f in result.fired) == sorted(case.fired), case.name
        if case.flags is not None:
            assert result.flags == frozenset(case.flags), case.name


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_example_has_a_readme_and_sample_data(template: Path) -> None:
    assert (template / "README.md").is_file()
    assert load_bundle(template).sample_data
