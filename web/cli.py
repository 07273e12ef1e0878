"""The `riskdesk` command: database, users, tokens, templates, the timer tick, serving, the demo.

Every command reads its settings (RISKDESK_DATABASE_URL, ...) when it runs, never at import; the
demo uses its own SQLite file. What a user can get wrong (an engine refusal, a database without
the schema or out of reach, an unreadable file, a bad setting or --now) prints one line on stderr
and exits with status 1 (web.cli_common._refusals, around every command), never a traceback.
"""

from __future__ import annotations

import json
import secrets
import socket
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from engine import clock
from engine.db import upgrade
from engine.settings import get_settings
from web.cli_audit import audit_app
from web.cli_common import (
    CLI_ACTOR,
    RiskdeskGroup,
    _database,
    _err,
    _fail,
    _out,
    _parse_day,
    _parse_now,
    _refusals,
    _sources_for,
)
from web.cli_import import import_data
from web.cli_keys import keys_app
from web.cli_publish import publish_command
from web.cli_rescore import rescore
from web.cli_schedules import schedules_command
from web.cli_simulate import simulate
from web.cli_tokens import token_app
from web.cli_workflow import workflow_app

if TYPE_CHECKING:
    from fastapi import FastAPI

EXAMPLE_TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "manufacturing_credit"

app = typer.Typer(
    name="riskdesk",
    help="riskdesk: a low-code engine for customer credit-risk management.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=RiskdeskGroup,  # every command's user errors: one line on stderr, exit status 1
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
schema_app = typer.Typer(help="Published JSON Schemas.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(keys_app, name="keys")
app.add_typer(schema_app, name="schema")
fx_app = typer.Typer(help="Exchange rates to the base currency.", no_args_is_help=True)
app.add_typer(fx_app, name="fx")
app.add_typer(audit_app, name="audit")
app.add_typer(workflow_app, name="workflow")
app.command("simulate")(simulate)
app.command("schedules")(schedules_command)
app.command("publish")(publish_command)
app.command("rescore")(rescore)
app.command("import-data")(import_data)


# --- db, users, tokens -------------------------------------------------------------------------


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema of the database at RISKDESK_DATABASE_URL."""
    settings = get_settings()
    _database(settings, create_keys=True).dispose()  # the first upgrade generates the keys
    upgrade(settings.database_url)
    _out().print(f"Database schema is up to date ({_display_url(settings.database_url)}).")


def _display_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.")],
    role: Annotated[
        list[str], typer.Option("--role", "-r", help="A role to grant (repeat for more).")
    ],
    department: Annotated[
        str | None, typer.Option(help="The department the roles hold in.")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="The password (default: a random one, printed).")
    ] = None,
) -> None:
    """Add a user with roles; works before any template is imported."""
    from engine.users import add_user

    settings = get_settings()
    database = _database(settings)
    chosen = password if password is not None else secrets.token_urlsafe(12)
    with _refusals(), database.transaction() as session:
        user = add_user(
            session,
            name,
            roles=role,
            department=department,
            password=chosen,
            actor=CLI_ACTOR,
            now=clock.utcnow(),
        )
    out = _out()
    out.print(f"Added user {user.name} with roles {', '.join(sorted(user.roles))}.")
    if password is None:
        out.print(f"Password: {chosen}")


# --- exchange rates ----------------------------------------------------------------------------


@fx_app.command("set")
def fx_set(
    currency: Annotated[str, typer.Argument(help="The currency code, such as USD.")],
    rate: Annotated[
        str, typer.Argument(help="Units of the base currency one unit is worth, such as 7.1.")
    ],
    valid_from: Annotated[
        str | None,
        typer.Option("--from", help="The first day it holds (YYYY-MM-DD; default: today)."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Where the rate comes from (default: manual).")
    ] = None,
) -> None:
    """Set the rate of a currency to the base currency from a date on (audited)."""
    from engine import specs
    from engine.fx import set_rate

    settings = get_settings()
    day = _parse_day(valid_from, settings)
    database = _database(settings)
    with _refusals(), database.transaction() as session:
        result = set_rate(
            session,
            currency,
            rate,
            valid_from=day,
            actor=CLI_ACTOR,
            now=clock.utcnow(),
            source=source,
            base_currency=specs.base_currency(session, settings.base_currency),
        )
        base = specs.base_currency(session, settings.base_currency)
    view = result.rate
    what = "Set" if result.created else "Replaced" if result.changed else "Unchanged:"
    _out().print(
        f"{what} 1 {view.currency} = {view.rate:f} {base} from {view.valid_from.isoformat()}.",
        markup=False,
    )


@fx_app.command("list")
def fx_list(
    currency: Annotated[str | None, typer.Argument(help="Only this currency's rates.")] = None,
) -> None:
    """List the stored rates, by currency, the newest first."""
    from engine import specs
    from engine.fx import list_rates

    settings = get_settings()
    database = _database(settings)
    with _refusals(), database.transaction() as session:
        rates = list_rates(session, currency=currency)
        base = specs.base_currency(session, settings.base_currency)
    table = Table(title=f"Rates to {base}")
    for column in ("currency", "rate", "from", "source"):
        table.add_column(column)
    for view in rates:
        table.add_row(view.currency, f"{view.rate:f}", view.valid_from.isoformat(), view.source)
    _out().print(table)


# --- templates ---------------------------------------------------------------------------------


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A template folder or .zip bundle.")],
) -> None:
    """Import a template bundle: publish its forms, rulesets and workflows (all or nothing)."""
    from engine.templates import import_template

    settings = get_settings()
    database = _database(settings)
    with _refusals(), database.transaction() as session:
        imported = import_template(
            session,
            path,
            actor=CLI_ACTOR,
            now=clock.utcnow(),
            base_currency=settings.base_currency,
            timezone=settings.timezone,
        )
    out = _out()
    out.print(
        f"Imported template {imported.key} {imported.template_version} "
        f"as version {imported.version}:"
    )
    for spec in imported.specs:
        out.print(f"  {spec.kind:<9} {spec.key} v{spec.version}")


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


@app.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="A template folder, .zip bundle or rules file.")],
    output: Annotated[OutputFormat, typer.Option("--format", help="text or json.")] = (
        OutputFormat.TEXT
    ),
    lang: Annotated[str, typer.Option("--lang", help="Language of the messages: en or zh.")] = "en",
) -> None:
    """Check a template (or rules file) offline: exit 0 when clean, 1 with positioned errors."""
    from dsl import DiagnosticsError, in_language, render_all
    from engine.bundle import CheckResult, check_path
    from web.i18n import translator

    if lang not in ("en", "zh"):
        _fail(f"unknown language '{lang}': use en or zh")
    try:
        result = check_path(path, language=lang)
    except DiagnosticsError as exc:
        result = CheckResult(exc.diagnostics, {})
    # a template's diagnostics too: worded by the rules language's catalog or as message ids
    translate = translator(lang).gettext
    diagnostics = [in_language(d, lang, translate) for d in result.diagnostics]
    sources = result.sources or _sources_for(diagnostics, path if path.is_dir() else path.parent)
    errors = [d for d in diagnostics if d.is_error]
    if output is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                {"ok": not errors, "diagnostics": [d.to_dict() for d in diagnostics]},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif diagnostics:
        _err().print(render_all(diagnostics, sources), markup=False)
    if errors:
        if output is OutputFormat.TEXT:
            _err().print(f"{len(errors)} error(s) in {path}", markup=False)
        raise typer.Exit(1)
    if output is OutputFormat.TEXT:
        warnings = f", {len(diagnostics)} warning(s)" if diagnostics else ""
        _out().print(f"{path}: no errors{warnings}")


@app.command("fmt")
def fmt(
    path: Annotated[Path, typer.Argument(help="A .rules file, rewritten in place.")],
    check_only: Annotated[
        bool, typer.Option("--check", help="Change nothing; exit 1 when the file would change.")
    ] = False,
) -> None:
    """Rewrite a rules file in the canonical layout; a file with errors is left as it is."""
    from dsl import RulesError, format_ruleset, render_all

    try:
        source = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")
    try:
        formatted = format_ruleset(source, filename=str(path))
    except RulesError as exc:
        _err().print(render_all(exc.diagnostics, {str(path): source}), markup=False)
        raise typer.Exit(1) from exc
    if formatted == source:
        return
    if check_only:
        raise typer.Exit(1)
    path.write_bytes(formatted.encode("utf-8"))
    _out().print(f"Formatted {path}.", markup=False)


@schema_app.command("template")
def schema_template() -> None:
    """Print the JSON Schema of template.yaml."""
    from engine.bundle import TEMPLATE_JSON_SCHEMA

    typer.echo(json.dumps(TEMPLATE_JSON_SCHEMA, indent=2, ensure_ascii=False))


# --- time and serving --------------------------------------------------------------------------


@app.command("tick")
def tick(
    now: Annotated[
        str | None,
        typer.Option(help="The time to sweep at (ISO 8601; naive is read in RISKDESK_TIMEZONE)."),
    ] = None,
) -> None:
    """Run the timer sweep once: escalations and schedules due at --now (default: now)."""
    from engine.background import sweep
    from engine.scheduler import worker_name

    settings = get_settings()
    at = _parse_now(now, settings)
    database = _database(settings)
    report = sweep(database, now=at, worker=f"cli:{worker_name()}", tz=settings.tz)
    _out().print(
        f"Sweep at {at.isoformat()}: {report.claimed} claimed, {report.fired} fired, "
        f"{report.failed} failed, {report.schedules} schedules fired, "
        f"{report.chunks} job chunks processed."
    )
    if report.failed:
        raise typer.Exit(1)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(help="How many server processes share the port.", min=1)
    ] = 1,
) -> None:
    """Serve the API and pages, with the timer sweep running in the background.

    With --workers N, N processes serve the port; each runs its own timer clock, and the
    claims in the database keep every timer and schedule firing once (docs/cli.md).
    """
    import uvicorn

    from engine.settings import instance_keys
    from web.app import create_app

    settings = get_settings()
    if workers == 1:
        uvicorn.run(create_app(settings, start_scheduler=True), host=host, port=port)
        return
    # Made here, before the workers start: each would otherwise make its own on a first start.
    instance_keys(settings, create=True)
    uvicorn.run(
        "web.cli:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # a worker importing the application on a busy machine may take more than uvicorn's 5 s
        # to answer the supervisor's first ping: it would be killed and started again
        timeout_worker_healthcheck=30,
    )


def served_app() -> FastAPI:
    """The application one worker of `serve --workers N` runs: its settings read from the
    environment in that process, its timer clock running."""
    from web.app import create_app

    return create_app(get_settings(), start_scheduler=True)


# --- demo --------------------------------------------------------------------------------------


def _fresh_sqlite(path: Path) -> str:
    """A URL on a new SQLite file at `path`: the old one, its journal and its keys are gone."""
    from engine.keys import default_keys_file

    url = f"sqlite:///{path}"
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), default_keys_file(url)):
        leftover.unlink(missing_ok=True)
    return url


@app.command("demo")
def demo(
    port: Annotated[int, typer.Option(help="The port to serve on.")] = 8000,
    db: Annotated[Path, typer.Option("--db", help="The demo's SQLite file (recreated).")] = Path(
        "riskdesk-demo.db"
    ),
    customers: Annotated[int, typer.Option(help="How many synthetic customers.", min=0)] = 500,
    template: Annotated[
        Path,
        typer.Option(
            help="The template to import (a folder or .zip); its customer form must be the "
            "example's for the synthetic portfolio."
        ),
    ] = EXAMPLE_TEMPLATE,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve when loaded.")
    ] = True,
) -> None:
    """Build a demo workspace (example template, users, synthetic portfolio) and serve it.

    The workspace lives in its own fresh SQLite file; it is served on http://127.0.0.1:PORT.
    """
    from web import demo as demo_loader

    if not template.exists():
        _fail(
            f"no template at {template}: riskdesk's examples/ folder comes with a clone of the "
            "repository; pass --template PATH to a template folder or .zip"
        )
    if serve_after:
        _check_port_free(port)  # before anything is loaded: the newcomer learns it at once
    path = db.resolve()
    # A workspace of its own: its database, and keys generated for it (never the instance's).
    settings = get_settings().model_copy(
        update={"database_url": _fresh_sqlite(path), "keys_file": None}
    )
    out = _out()
    out.print(f"Creating the demo workspace in {path}")
    upgrade(settings.database_url)
    database = _database(settings, create_keys=True)
    with _refusals():
        accounts = demo_loader.load_demo(
            database,
            settings,
            template=template,
            customers=customers,
            now=clock.utcnow(),
            console=out,
        )
    table = Table(title="Demo users")
    for column in ("user", "roles", "password"):
        table.add_column(column)
    for account in accounts.users:
        table.add_row(account.name, ", ".join(account.roles), accounts.password)
    out.print(table)
    # Tokens on lines of their own (never wrapped), the admin's last.
    for account in accounts.users:
        out.print(f"API token for {account.name}: {account.token}")
    if not serve_after:
        database.dispose()
        return
    import uvicorn

    from web.app import create_app

    guide = (
        f"riskdesk is ready: open http://127.0.0.1:{port}/ and sign in as sales_manager "
        f"(the credit team's daily work) or admin (everything), password {accounts.password}. "
        "Ctrl+C stops it."
    )

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:  # told once the server answers, not before
                out.print(guide)

    config = uvicorn.Config(
        create_app(settings, database=database, start_scheduler=True), host="127.0.0.1", port=port
    )
    _Server(config).run()


def _check_port_free(port: int) -> None:
    """Fail with one line when 127.0.0.1:`port` is taken (another server, an earlier demo)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            _fail(
                f"port {port} on 127.0.0.1 is in use (another riskdesk or another server?): "
                f"stop it, or pass --port to serve elsewhere (make run PORT={port + 1})"
            )


def main() -> None:  # pragma: no cover - `python -m web.cli`
    app(prog_name="riskdesk")


if __name__ == "__main__":  # pragma: no cover
    main()
