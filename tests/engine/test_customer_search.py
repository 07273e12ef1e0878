"""The customer list's search through its index (migration 0015): SQLite's FTS5 trigram table
finds what the substring LIKE finds, on inputs that are wildcards, quotes or FTS5 syntax, CJK
names, mixed case and references; every writer of customers (upsert, bulk import, the emptying
of tables between tests) keeps the index in step; and the statements use the index."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlmodel import col

from bench.imports import portfolio_csv
from engine.customer_list import list_customers
from engine.customer_query import CustomerQuery, search_condition, substring_condition
from engine.db import Database
from engine.imports import import_rows
from engine.models import Customer
from forms import read_table
from tests.conftest import empty_tables
from tests.engine.conftest import HEALTHY, NOW, upsert

# (reference, name): wildcards, quotes, FTS5 operators and column syntax, CJK, mixed case
TRICKY = (
    ("P-1", "100% Steel"),
    ("U-2", "A_B Trading"),
    ("Q-3", 'He said "hi" Ltd'),
    ("A-4", "O'Brien & Sons"),
    ("HW-5", "华为技术有限公司"),
    ("HW-6", "深圳华为终端"),
    ("M-7", "MiXeD CaSe Holdings"),
    ("REF-ONLY-777", "Plain Co."),
    ("OPS-9", "AND OR NOT Co"),
    ("ST-10", "Star* name: NEAR(x) Co"),
    ("AB-11", "AB Steel"),
)
SEARCHES = (
    # three characters or more: the trigram index on SQLite
    "100%", "0% s", "% steel", "a_b", "A_B", "_b ", '"hi"', 'said "', "o'brien", "'br",
    "华为技", "为技术", "华为终端", "mixed case", "CASE HOLD", "xed", "ref-only", "only-77",
    "ref-only-777 plain", "and or", "or not", "star*", "name:", "near(", "steel", "ltd", "zzz",
    # one or two: the LIKE
    "%", "_", '"', "'", "华为", "为", "mi", "7", "ab", "AB", "o'",
)  # fmt: skip


def _indexed(connection: Connection) -> None:
    """On SQLite, FTS5's own check that the search index holds exactly the customers' names and
    references (it raises otherwise); nothing to check on PostgreSQL, whose indexes are its own."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("INSERT INTO customer_search(customer_search, rank) VALUES ('integrity-check', 1)")
        )


def found(database: Database, search: str, *, by_index: bool = True) -> set[str]:
    """The references a search finds: through the list's condition, or the LIKE alone."""
    with database.transaction() as session:
        dialect = session.get_bind().dialect.name
        condition = (
            search_condition(search, dialect=dialect) if by_index else substring_condition(search)
        )
        return set(session.execute(select(col(Customer.external_ref)).where(condition)).scalars())


@pytest.fixture
def tricky(workspace: Database) -> Database:
    for ref, name in TRICKY:
        upsert(workspace, ref, {**HEALTHY, "name": name})
    return workspace


def test_the_index_finds_what_the_substring_search_finds_on_tricky_text(tricky: Database) -> None:
    for search in SEARCHES:
        wanted = {
            ref
            for ref, name in TRICKY
            if search.lower() in name.lower() or search.lower() in ref.lower()
        }
        assert found(tricky, search) == wanted, search
        assert found(tricky, search, by_index=False) == wanted, search
    # the inputs do tell the customers apart
    assert found(tricky, "华为") == {"HW-5", "HW-6"} and found(tricky, '"hi"') == {"Q-3"}
    assert found(tricky, "only-77") == {"REF-ONLY-777"}  # the reference alone holds it


def test_the_list_and_its_total_use_the_search(tricky: Database) -> None:
    with tricky.transaction() as session:
        page = list_customers(session, query=CustomerQuery(search="STEEL", sort="name"), limit=1)
    assert ([c.ref for c in page.items], page.total) == (["P-1"], 2)


def test_a_search_of_three_characters_or_more_ignores_the_case_of_any_letter(
    workspace: Database,
) -> None:
    upsert(workspace, "E-1", {**HEALTHY, "name": "ÉLAN Co."})
    upsert(workspace, "E-2", {**HEALTHY, "name": "élan SA"})
    upsert(workspace, "R-3", {**HEALTHY, "name": "ПРИВЕТ Ltd"})
    for search in ("élan", "ÉLAN", "Élan"):
        assert found(workspace, search) == {"E-1", "E-2"}, search
    assert found(workspace, "привет") == found(workspace, "ПРИВЕТ") == {"R-3"}


def test_on_sqlite_a_search_of_one_or_two_characters_ignores_the_case_of_a_to_z_only(
    workspace: Database,
) -> None:
    """The documented difference (docs/customer-list.md): SQLite's lower() folds A–Z alone."""
    if not workspace.is_sqlite:
        pytest.skip("PostgreSQL's lower() folds every letter its locale knows")
    upsert(workspace, "E-1", {**HEALTHY, "name": "ÉLAN Co."})
    upsert(workspace, "E-2", {**HEALTHY, "name": "élan SA"})
    assert found(workspace, "él") == found(workspace, "É") == found(workspace, "é") == {"E-2"}
    assert found(workspace, "él", by_index=False) == found(workspace, "éla", by_index=False)
    assert found(workspace, "éla") == {"E-1", "E-2"}


def test_a_renamed_customer_is_found_by_its_new_name_only(workspace: Database) -> None:
    upsert(workspace, "R-1", {**HEALTHY, "name": "Lanzhou Old Name Co."})
    upsert(workspace, "R-2", {**HEALTHY, "name": "Unrelated Co."})
    assert found(workspace, "old name") == {"R-1"}
    upsert(workspace, "R-1", {**HEALTHY, "name": "Lanzhou Fresh Title Co."})
    assert found(workspace, "old name") == set()
    assert found(workspace, "fresh title") == {"R-1"}
    assert found(workspace, "r-1") == {"R-1"}
    with workspace.engine.begin() as connection:
        _indexed(connection)


def test_a_bulk_import_and_its_renames_are_searchable(workspace: Database) -> None:
    content = portfolio_csv(30)
    table = read_table(content, filename="customers.csv")
    names = [str(cells[1]) for _, cells in table.rows]
    with workspace.transaction() as session:
        report = import_rows(
            session, "customers", table, mode="valid-rows", actor="cli", now=NOW, tz=UTC
        )
    assert (report.created, report.rejected) == (30, 0), report.errors
    assert "C0000007" in found(workspace, names[7])
    renamed = content.decode("utf-8").replace(names[7], "Zuzhou Renamed Fasteners", 1)
    with workspace.transaction() as session:
        report = import_rows(
            session,
            "customers",
            read_table(renamed.encode("utf-8"), filename="customers.csv"),
            mode="valid-rows",
            actor="cli",
            now=NOW + timedelta(days=1),
            tz=UTC,
        )
    assert report.updated >= 1, report.errors
    assert found(workspace, "renamed fasteners") == {"C0000007"}
    assert "C0000007" not in found(workspace, names[7])
    with workspace.engine.begin() as connection:
        _indexed(connection)


def test_emptying_the_tables_empties_the_search_index(workspace: Database) -> None:
    upsert(workspace, "G-1", {**HEALTHY, "name": "Ghost Trading Co."})
    empty_tables(workspace)
    with workspace.engine.begin() as connection:
        connection.execute(
            insert(Customer.__table__),  # type: ignore[attr-defined]
            [
                {
                    "external_ref": "N-1",
                    "name": "New Plastics Co.",
                    "data": {},
                    "currency": "CNY",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            ],
        )
        _indexed(connection)
    assert found(workspace, "ghost") == set()
    assert found(workspace, "plastics") == {"N-1"}


def test_the_search_reads_its_index(tricky: Database) -> None:
    with tricky.engine.begin() as connection:
        dialect = connection.dialect
        statement = (
            select(func.count())
            .select_from(Customer)
            .where(search_condition("steel", dialect=dialect.name))
        )
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plan = " ".join(
                str(r[-1]) for r in connection.execute(text(f"EXPLAIN QUERY PLAN {sql}"))
            )
            assert "customer_search VIRTUAL TABLE INDEX" in plan, plan
            return
        # a table of eleven rows is read whole; without that choice the indexes serve
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {sql}")))
    assert "ix_customers_name_trgm" in plan and "ix_customers_external_ref_trgm" in plan, plan
