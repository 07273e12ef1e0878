"""Database connections: engines for SQLite and PostgreSQL, transactions, and schema upgrades.

SQLite runs in WAL mode with a busy timeout, and every transaction starts with `BEGIN IMMEDIATE`,
so writers queue instead of failing midway (DESIGN.md, "Known traps"). SQLite's own queue is a
busy handler that sleeps and polls (up to 100 ms a try), which under load wastes most of the time
in sleeps: `Database.transaction` therefore first takes a writer gate (a thread lock in the
process, then an advisory lock on a file beside the database, shared by every process on that
file, polled every 2 ms at most), so writers wait their turn in line and start within moments of
the previous one's end. The server
caches no rows between requests: every unit of work opens its own session.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from engine.errors import N_, ConflictError, InvalidRequestError
from engine.keys import InstanceKeys, KeysError
from engine.types import json_dumps

MIGRATIONS = Path(__file__).with_name("migrations")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` with riskdesk's connection settings applied."""
    if is_sqlite(url):
        sa_engine = create_engine(
            url,
            json_serializer=json_dumps,
            connect_args={"check_same_thread": False, "timeout": 30},
            **kwargs,
        )

        @event.listens_for(sa_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(sa_engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return sa_engine
    pg_engine = create_engine(url, json_serializer=json_dumps, pool_pre_ping=True, **kwargs)

    @event.listens_for(pg_engine, "before_cursor_execute")
    def _refuse_nul(
        _connection: Any, _cursor: Any, _statement: str, parameters: Any, *_rest: Any
    ) -> None:
        # PostgreSQL cannot hold NUL in text: whatever input path let one through (a page form,
        # a future route) gets a refusal, not a driver error and a 500.
        if _holds_nul(parameters):
            raise InvalidRequestError(N_("a text holds the NUL character, which cannot be stored"))

    return pg_engine


def _holds_nul(parameters: Any) -> bool:
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, Mapping):
        return any(_holds_nul(v) for v in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_holds_nul(v) for v in parameters)
    return False


# SQLSTATEs of a transaction PostgreSQL aborted to break a lock cycle or to keep it serialisable:
# the same request can succeed when sent again, so the caller hears "changed meanwhile".
_RETRYABLE = {"40P01": "deadlock detected", "40001": "serialization failure"}


def _retryable_conflict(exc: DBAPIError) -> ConflictError | None:
    """The ConflictError a deadlock or serialisation failure stands for; None for other errors."""
    what = _RETRYABLE.get(getattr(exc.orig, "sqlstate", None) or "")
    if what is None:
        return None
    return ConflictError(
        N_(
            "another change to the same data got in the way (%(what)s); nothing was saved, "
            "try again"
        ),
        what=what,
    )


# seconds a writer waits at the SQLite writer gate before it goes on without it
GATE_PATIENCE: Final = 10.0


class WriterGate:
    """One SQLite writer at a time, waiting in line: a re-entrant thread lock, then (for a
    database file) `flock` on `<file>-writer.lock`, held by the outermost holder in the process.

    Only an optimisation of the wait: SQLite's own locking stays the rule. A writer that cannot
    pass the gate within `patience` seconds (another transaction on the file held open that
    long, or begun elsewhere without the gate) goes on without it and queues through SQLite's
    busy timeout, as it would without the gate: the gate never waits forever."""

    def __init__(self, database_path: str | None, *, patience: float = GATE_PATIENCE) -> None:
        self._patience = patience
        self._lock = threading.RLock()
        self._path = f"{database_path}-writer.lock" if database_path else None
        self._fd: int | None = None
        self._depth = 0

    @contextmanager
    def held(self) -> Iterator[None]:
        deadline = time.monotonic() + self._patience
        if not self._lock.acquire(timeout=self._patience):
            yield  # past the gate's patience: SQLite's busy timeout decides
            return
        try:
            self._depth += 1
            locked = self._depth == 1 and self._lock_file(deadline)
            try:
                yield
            finally:
                if locked and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._depth -= 1
            self._lock.release()

    def _lock_file(self, deadline: float) -> bool:
        """Take the file lock by `deadline`; False when it is not had by then, or when there is
        no file to lock (no such folder, read-only): then SQLite itself reports what is wrong
        with the database, as without the gate. Only the thread holding the thread lock polls
        (every 2 ms at most), so a process has one poller however many writers wait."""
        if self._path is None:
            return False
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            delay = 0.0002
            while True:
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        return False
                    time.sleep(delay)
                    delay = min(delay * 2, 0.002)
        except OSError:
            return False

    def close(self) -> None:
        with self._lock:
            if self._fd is not None and self._depth == 0:
                os.close(self._fd)
                self._fd = None


def _sqlite_file(url: str) -> str | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


class Database:
    """One engine and the transactions opened on it, with the instance's keys (engine.keys).

    Every session it opens carries the keys in `session.info["keys"]` (read them with
    `session_keys`): the audit chain and sensitive fields need them, and passing them through
    every service call would add an argument to all of them.
    """

    def __init__(self, url: str, *, keys: InstanceKeys | None = None, **kwargs: Any) -> None:
        self.url = url
        self.keys = keys
        self.engine = make_engine(url, **kwargs)
        self._gate = WriterGate(_sqlite_file(url)) if is_sqlite(url) else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits when the block ends, or rolls back on an exception.

        The one place a deadlock or serialisation failure (PostgreSQL aborting one of two
        transactions that wait for each other) becomes a ConflictError, a 409 to clients.
        """
        gate = self._gate.held() if self._gate is not None else nullcontext()
        with gate, Session(self.engine, expire_on_commit=False) as session:
            session.info["keys"] = self.keys
            try:
                yield session
                session.commit()
            except DBAPIError as exc:
                session.rollback()
                conflict = _retryable_conflict(exc)
                if conflict is not None:
                    raise conflict from exc
                raise
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
        if self._gate is not None:
            self._gate.close()


def session_keys(session: Session) -> InstanceKeys:
    """The instance keys of the `Database` that opened `session`. Raises KeysError without."""
    keys = session.info.get("keys")
    if not isinstance(keys, InstanceKeys):
        raise KeysError(
            "this database connection was opened without the instance's keys "
            "(Database(url, keys=...))"
        )
    return keys


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at `url` up to `revision` through the Alembic migrations."""
    command.upgrade(alembic_config(url), revision)


# Schema objects the migrations create outside the SQLModel metadata, which Alembic's comparison
# of the two (autogenerate, tests/engine/test_schema_agreement.py) leaves alone: expression
# indexes SQLAlchemy cannot declare portably (migrations 0013 and 0015) and, on SQLite, the FTS5
# search table of migration 0015 with the shadow tables FTS5 keeps beside it (`<name>_data`, ...).
UNMODELLED_INDEXES: Final = frozenset(
    {"ix_customers_industry", "ix_customers_name_trgm", "ix_customers_external_ref_trgm"}
)
UNMODELLED_TABLE: Final = "customer_search"


def is_modelled(name: str | None, type_: str, parent_names: Mapping[str, Any]) -> bool:
    """Alembic's `include_name` hook: False for an object of UNMODELLED_INDEXES or
    UNMODELLED_TABLE (and its shadow tables), True for everything the models describe."""
    if name is None:
        return True
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    if type_ == "table":
        return name != UNMODELLED_TABLE and not name.startswith(f"{UNMODELLED_TABLE}_")
    return True
