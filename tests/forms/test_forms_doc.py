"""docs/forms.md and docs/zh/forms.md run as written (STYLE.md §7): every form in them loads clean,
every form shown with errors gives exactly the diagnostics shown under it, and every ruleset in
them gives the diagnostics shown under it against the page's first form."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest

import dsl
import forms
from dsl import in_language
from web.i18n import translator

DOCS = Path(__file__).parents[2] / "docs"
PAGES = [DOCS / "forms.md", DOCS / "zh" / "forms.md"]
_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
MAPPING_FILE = "# mapping.yaml\n"
_WITH_ERRORS = re.compile(r"# (\S+?)(?:, with errors|，有错误)\n")


def language_of(page: Path) -> str:
    return "zh" if page.parent.name == "zh" else "en"


def said(diagnostics: Sequence[dsl.Diagnostic], language: str) -> list[dsl.Diagnostic]:
    """The diagnostics in `language`, as the CLI and pages say them (web's catalogs)."""
    translate = translator(language).gettext
    return [in_language(diagnostic, language, translate) for diagnostic in diagnostics]


def blocks(page: Path) -> list[tuple[str, str]]:
    return [(m[1], m[2]) for m in _BLOCK.finditer(page.read_text(encoding="utf-8"))]


def _first_form(page: Path) -> forms.Form:
    source = next(
        text for kind, text in blocks(page) if kind == "yaml" and text.startswith("form:")
    )
    return forms.load_form(source, filename="customer.yaml")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_form_of_the_page_loads_clean(page: Path) -> None:
    checked = 0
    for kind, source in blocks(page):
        if kind != "yaml" or _WITH_ERRORS.match(source):
            continue
        if source.startswith(MAPPING_FILE):  # a form version's mapping (forms.md, "Versions")
            mapping, problems = forms.read_mapping(dsl.load_yaml(source, filename="mapping.yaml"))
            assert problems == () and mapping, source
            continue
        if not source.startswith("form:"):
            source = "form: f\nfields:\n" + source  # a few fields of a form
        assert forms.check_form(source, filename="customer.yaml") == (), source
        checked += 1
    assert checked >= 3


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_every_example_with_errors_gives_the_diagnostics_shown(page: Path) -> None:
    found = blocks(page)
    checked = 0
    for index, (kind, source) in enumerate(found):
        named = _WITH_ERRORS.match(source)
        if kind == "yaml" and named:
            filename = named[1]
            diagnostics = said(forms.check_form(source, filename=filename), language_of(page))
            shown = dsl.render_all(diagnostics, {filename: source})
        elif kind == "rules":
            header = re.match(r"(?:ruleset|规则集) (\w+)", source)
            assert header is not None
            filename = header[1] + ".rules"
            schema = _first_form(page).dsl_schema()
            with pytest.raises(dsl.RulesError) as raised:
                dsl.compile_ruleset(
                    source, filename=filename, schema=schema, language=language_of(page)
                )
            shown = dsl.render_all(raised.value.diagnostics, {filename: source})
        else:
            continue
        assert found[index + 1][0] == ""
        assert shown + "\n" == found[index + 1][1]
        checked += 1
    assert checked >= 2
