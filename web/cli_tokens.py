"""`riskdesk token ...`: create (shown once), list and revoke API tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from engine import clock
from engine.settings import get_settings
from web.cli_common import CLI_ACTOR, _database, _out, _refusals

token_app = typer.Typer(help="API tokens: named, scoped, expiring.", no_args_is_help=True)

_DURATION = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_lifetime(text: str) -> timedelta:
    """`30d`, `12h`, `2w` as a duration. Raises typer.BadParameter."""
    match = _DURATION.match(text)
    if match is None:
        raise typer.BadParameter(
            f"'{text}' is not a duration such as 30d, 12h or 2w", param_hint="--expires"
        )
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _scopes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part for value in values for part in value.replace(",", " ").split()]


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="A name for the token, such as erp-sync.")],
    user: Annotated[str, typer.Option("--user", "-u", help="The user the token acts as.")],
    scope: Annotated[
        list[str] | None,
        typer.Option(
            "--scope",
            help="A permission the token is limited to (repeat, or separate with commas); "
            "default: all of the user's.",
        ),
    ] = None,
    expires: Annotated[
        str, typer.Option(help="How long it lives: 30d, 12h, 2w (default 90d, at most 730d).")
    ] = "90d",
) -> None:
    """Create an API token; the token is printed once, alone on the last line."""
    from engine.tokens import create_token

    lifetime = parse_lifetime(expires)
    database = _database(get_settings())
    with _refusals(), database.transaction() as session:
        created = create_token(
            session,
            user,
            name=name,
            scopes=_scopes(scope),
            lifetime=lifetime,
            actor=CLI_ACTOR,
            now=clock.utcnow(),
        )
    token = created.token
    scopes = ", ".join(token.scopes) if token.scopes is not None else f"all of {user}'s"
    expiry = token.expires_at.isoformat() if token.expires_at else "never"
    _out().print(
        f"API token '{token.name}' (id {token.id}) for {user}; scope: {scopes}; "
        f"expires {expiry}. Shown only now; send it as 'Authorization: Bearer <token>':",
        markup=False,
    )
    typer.echo(created.secret)


@token_app.command("list")
def token_list(
    user: Annotated[str | None, typer.Option("--user", "-u", help="Only this user's.")] = None,
) -> None:
    """List tokens (never their secrets), the newest first."""
    from engine.tokens import list_tokens

    database = _database(get_settings())
    now = clock.utcnow()
    with _refusals(), database.transaction() as session:
        tokens = list_tokens(session, user_name=user, now=now)
    table = Table(title="API tokens")
    for column in ("id", "user", "name", "scope", "expires", "last used", "state"):
        table.add_column(column)
    for token in tokens:
        state = "live" if token.is_live else "revoked" if token.revoked_at else "expired"
        table.add_row(
            str(token.id),
            token.user,
            token.name,
            ", ".join(token.scopes) if token.scopes is not None else "all",
            token.expires_at.strftime("%Y-%m-%d %H:%M") if token.expires_at else "never",
            token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "",
            state,
        )
    _out().print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see 'token list').")],
) -> None:
    """Revoke a token at once; it authenticates no one from then on."""
    from engine.tokens import revoke_token_by_id

    database = _database(get_settings())
    with _refusals(), database.transaction() as session:
        # the operator at the command line may revoke any token
        view = revoke_token_by_id(
            session, token_id, caller=None, actor=CLI_ACTOR, now=clock.utcnow()
        )
    _out().print(f"Revoked token {view.id} '{view.name}' of {view.user}.", markup=False)
