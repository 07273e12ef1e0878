"""The import benchmark, short: a few generated customers through the bulk import, twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import imports
from forms import read_table


def test_the_generated_file_imports_every_row_then_changes_nothing(tmp_path: Path) -> None:
    result = imports.run(f"sqlite:///{tmp_path / 'imports.db'}", customers=5)
    assert (result.rows, result.created, result.rejected) == (5, 5, 0)
    assert result.again_unchanged == 5


def test_the_generated_file_writes_money_with_thousand_separators() -> None:
    table = read_table(imports.portfolio_csv(3), filename="p.csv")
    assert table.header[0] == "external_ref"
    column = table.header.index("outstanding_balance")
    assert any("," in str(cells[column]) for _, cells in table.rows)


def test_the_benchmark_prints_its_figures_and_the_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert imports.main(["--customers", "2"]) == 0
    out = capsys.readouterr().out
    assert "import (sqlite): 2 rows read in" in out and "Target 0.0012 s for 2 rows:" in out
