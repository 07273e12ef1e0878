"""How a case action's form shows the field types (web/templates/case_macros.html): long_text as
a text area, multi_choice as a checkbox per option, percent as 30%."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from markupsafe import Markup

from engine.case_page_views import FormFieldInput

TEMPLATES = Path(__file__).parents[2] / "web" / "templates"


def _macros() -> Any:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"]
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    env.filters["percent"] = lambda value: f"{float(value) * 100:g}%"
    env.filters["amount"] = str
    return env.get_template("case_macros.html").module


def _input(
    kind: str,
    value: Any,
    options: tuple[str, ...] | None = None,
    titles: tuple[str, ...] | None = None,
) -> str:
    field = FormFieldInput(
        id="f",
        label="F",
        type=kind,
        required=False,
        value=value,
        current=None,
        is_term=False,
        term=None,
        options=options,
        minimum=None,
        maximum=None,
        help=None,
        option_titles=titles,
    )
    posted = SimpleNamespace(action=None, data=None)
    return str(Markup(_macros().field_input("act", field, posted)))


def test_a_long_text_is_a_text_area() -> None:
    html = _input("long_text", "line one\nline <two>")
    assert (
        '<textarea id="field-act-f" name="data.f" rows="4">line one\nline &lt;two&gt;</textarea>'
        in html
    )


def test_a_multi_choice_is_a_checkbox_per_option_with_the_chosen_checked() -> None:
    html = _input("multi_choice", ["iso9001"], options=("iso9001", "iso14001"))
    assert 'name="data.f.iso9001" value="true" checked>' in html
    assert 'name="data.f.iso14001" value="true">' in html


def test_a_percent_shows_and_takes_percent_text() -> None:
    assert 'value="30%"' in _input("percent", 0.3)
    assert _macros().term_value("percent", 0.125) == "12.5%"
    assert _macros().term_value("multi_choice", ["a", "b"]) == "a, b"


def test_options_show_their_labels() -> None:
    html = _input("choice", "small", options=("small", "large"), titles=("小型", "large"))
    assert '<option value="small" selected>小型</option>' in html
    assert '<option value="large">large</option>' in html
