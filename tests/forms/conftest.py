"""Helpers for the forms tests: the design's customer form; diagnostics as the author sees them."""

from __future__ import annotations

import forms
from dsl import render_all

FILENAME = "customer.yaml"

# DESIGN.md's form excerpt without what a later version reads (uscc, phone, unique, computed,
# visible_when) and its sensitive phone.
CUSTOMER = """\
form: customer
label: {en: Customer, zh: 客户}
fields:
  - {id: name, type: text, label: {en: Company name, zh: 公司名称}, required: true, max_length: 200}
  - id: industry
    type: choice
    options: [manufacturing, retail, internet, construction, trade, energy]
  - {id: outstanding_balance, type: money}
  - {id: max_overdue_days, type: integer, min: 0}
  - {id: has_guarantee, type: boolean, default: false}
  - {id: export_licence, type: text}
"""


def rendered(source: str, filename: str = FILENAME) -> str:
    """Every diagnostic of `source`, rendered with its caret snippet, as the CLI prints them."""
    return render_all(forms.check_form(source, filename=filename), {filename: source})


def codes(source: str) -> list[str]:
    return [d.code for d in forms.check_form(source, filename=FILENAME)]


def with_fields(*lines: str) -> str:
    """A form `f` whose fields are the given YAML lines (each one list item)."""
    return "form: f\nfields:\n" + "".join(f"  - {line}\n" for line in lines)
