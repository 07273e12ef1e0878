"""Fixtures for the web layer: a real uvicorn server per database backend, API clients, pages.

- `live_server`: one uvicorn server on a free loopback port per backend (session-scoped), over the
  migrated test database; the `database` fixture empties its tables before each test.
- `api`: an anonymous `ApiClient` (an `httpx.Client`) on that server; `api.as_user(name, roles)`
  creates a user with a token and returns a client that sends it; `api.add_user(...)` returns
  the token alone.
- `admin_api`: a client acting as a user holding `admin`.
- `workspace`: the database with the example template imported (through the engine).
- `pages`: an in-process TestClient (templates and contexts are visible) with `pages.login(...)`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from engine import clock
from engine.customers import CustomerInput, upsert_customer
from engine.db import Database
from engine.settings import Settings
from engine.templates import import_template
from engine.tokens import create_token
from engine.users import add_user
from engine.views import CustomerUpserted
from tests.conftest import MECHANICS_TEMPLATE, TEST_KEYS
from web.app import create_app

PASSWORD = "correct horse battery"

HEALTHY: dict[str, Any] = {
    "name": "Hangzhou Bearings Co.",
    "industry": "manufacturing",
    "max_overdue_days": 0,
    "enforcement_records": 0,
    "outstanding_balance": 100_000,
    "has_guarantee": True,
}

RISKY: dict[str, Any] = {
    "name": "Shaky Trading Ltd.",
    "industry": "construction",
    "max_overdue_days": 120,
    "enforcement_records": 2,
    "outstanding_balance": 900_000,
    "has_guarantee": False,
}

TERMS: dict[str, Any] = {"credit_limit": 1_000_000, "payment_terms_days": 60}


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, timezone="UTC", base_currency="CNY")


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: FastAPI


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
def live_server(migrated_url: str) -> Iterator[LiveServer]:
    """A real uvicorn server in a background thread, on the migrated database of this backend."""
    database = Database(migrated_url, keys=TEST_KEYS)
    app = create_app(settings_for(migrated_url), database=database)
    sock = _free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        database.dispose()


class ApiClient(httpx.Client):
    """An httpx client on the live server, able to create users (with tokens) in its database."""

    def __init__(self, base_url: str, database: Database, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        super().__init__(base_url=base_url, headers=headers, timeout=30)
        self.database = database
        self._children: list[ApiClient] = []

    def add_user(
        self,
        name: str,
        roles: Iterable[str] = (),
        *,
        department: str | None = None,
        password: str | None = PASSWORD,
    ) -> str:
        """Create user `name` holding `roles`; returns a new API token for them."""
        now = clock.utcnow()
        with self.database.transaction() as session:
            add_user(
                session,
                name,
                roles=tuple(roles),
                department=department,
                password=password,
                now=now,
            )
            return create_token(session, name, name="test", now=now).secret

    def as_user(self, name: str, roles: Iterable[str] = (), **kwargs: Any) -> ApiClient:
        """A client acting as a new user `name` holding `roles`."""
        token = self.add_user(name, roles, **kwargs)
        client = ApiClient(str(self.base_url), self.database, token)
        self._children.append(client)
        return client

    def close(self) -> None:
        for child in self._children:
            child.close()
        super().close()


@pytest.fixture
def api(database: Database, live_server: LiveServer) -> Iterator[ApiClient]:
    client = ApiClient(live_server.url, database)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def admin_api(api: ApiClient) -> ApiClient:
    return api.as_user("ada", ["admin"])


NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def workspace(database: Database) -> Database:
    """The database with the example template imported."""
    with database.transaction() as session:
        import_template(session, MECHANICS_TEMPLATE, actor="admin", now=NOW, base_currency="CNY")
    return database


class PageClient(TestClient):
    """An in-process client for the pages: responses carry `.template` and `.context`."""

    database: Database

    def csrf(self) -> str:
        return str(self.get("/login").context["csrf_token"])

    def login(
        self,
        name: str,
        roles: Iterable[str] = (),
        *,
        password: str = PASSWORD,
        department: str | None = None,
    ) -> None:
        """Create user `name` with `roles` (in `department` when given) and sign in as them."""
        with self.database.transaction() as session:
            add_user(
                session, name, roles=tuple(roles), department=department, password=password,
                now=clock.utcnow(),
            )  # fmt: skip
        response = self.post(
            "/login",
            data={"username": name, "password": password, "csrf_token": self.csrf()},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text


@pytest.fixture
def pages(database: Database) -> Iterator[PageClient]:
    app = create_app(settings_for(database.url), database=database)
    with PageClient(app, base_url="http://testserver") as client:
        client.database = database
        yield client


def upsert(
    database: Database, ref: str, data: dict[str, Any], *, terms: dict[str, Any] | None = None
) -> CustomerUpserted:
    """Create or update a customer through the engine, as an integrator's call would."""
    with database.transaction() as session:
        return upsert_customer(
            session,
            ref,
            CustomerInput(name=data.get("name"), department="east", data=data, terms=terms),
            actor="api",
            now=clock.utcnow(),
            tz=UTC,
        )
