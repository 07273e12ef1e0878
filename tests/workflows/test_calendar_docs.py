"""The calendar and periodic review examples of the docs load clean: the calendar file of
docs/templates.md (and its Chinese version) and the periodic review workflow of
docs/workflows.md (and its Chinese version)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import workflows
from tests.workflows.conftest import rendered_policy

ROOT = Path(__file__).parents[2]


def blocks(page: str, starts: str) -> list[str]:
    text = (ROOT / page).read_text(encoding="utf-8")
    found = re.findall(r"^```yaml\n(.*?)^```$", text, flags=re.S | re.M)
    return [block for block in found if block.startswith(starts)]


@pytest.mark.parametrize("page", ["docs/templates.md", "docs/zh/templates.md"])
def test_the_calendar_example_loads_and_counts_as_the_page_says(page: str) -> None:
    (source,) = blocks(page, "calendar:")

    assert workflows.check_calendar(source, filename="cn.yaml") == ()
    calendar = workflows.load_calendar(source, filename="cn.yaml")
    # "3 business days after Wednesday 30 September 2026 at 10:00 is Saturday 10 October"
    start = dt.datetime(2026, 9, 30, 10, 0, tzinfo=dt.UTC)
    three = workflows.parse_duration("3bd")
    assert three is not None
    ended = workflows.add_duration(start, three, calendar=calendar)
    assert ended == dt.datetime(2026, 10, 10, 10, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("page", ["docs/workflows.md", "docs/zh/workflows.md"])
def test_the_periodic_review_example_loads_clean(page: str) -> None:
    (source,) = blocks(page, "# workflows/periodic_review.yaml")

    assert rendered_policy(source) == ""
    workflow = workflows.load_workflow(source, filename="p.yaml", roles=("sales_manager",))
    assert workflow.trigger.on is workflows.TriggerKind.REVIEW_DUE
