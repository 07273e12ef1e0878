"""Every workflow example in docs/workflows.md (and its Chinese version) loads without a
diagnostic against the template the page describes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.workflows.conftest import rendered_policy

ROOT = Path(__file__).parents[2]
DATA = Path(__file__).parent / "data"
PAGES = ("docs/workflows.md", "docs/zh/workflows.md")


def examples(page: str) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```$", text, flags=re.S | re.M)
    return [block for block in blocks if block.startswith("workflow:")]


@pytest.mark.parametrize("page", PAGES)
def test_every_workflow_example_of_the_page_loads_clean(page: str) -> None:
    found = examples(page)

    assert len(found) == 2
    for source in found:
        assert rendered_policy(source) == ""


def test_the_pages_show_the_examples_the_loader_tests_read() -> None:
    expected = [
        (DATA / name).read_text(encoding="utf-8")
        for name in ("credit_policy.yaml", "order_hold.yaml")
    ]

    assert [examples(page) for page in PAGES] == [expected, expected]
