"""`riskdesk publish KIND KEY`: publish the draft of a ruleset, form or workflow, as the API's
`POST .../draft/publish` does (now, scheduled, or a ruleset_change case under governance)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from engine import clock
from engine.models import SpecKind
from engine.publishing import publish_draft
from engine.settings import get_settings
from web.cli_common import CLI_ACTOR, _database, _fail, _out


class DraftKind(StrEnum):
    RULESET = "ruleset"
    FORM = "form"
    WORKFLOW = "workflow"


def publish_command(
    kind: Annotated[DraftKind, typer.Argument(help="ruleset, form or workflow.")],
    key: Annotated[str, typer.Argument(help="The definition's key, such as credit.")],
    comment: Annotated[str, typer.Option(help="Why this version is published (audited).")],
    effective_at: Annotated[
        str | None,
        typer.Option(
            help="Publish at this time (ISO 8601; naive is read in RISKDESK_TIMEZONE); the "
            "sweep publishes it then. Default: now."
        ),
    ] = None,
    by: Annotated[str, typer.Option(help="Who publishes, as recorded and audited.")] = CLI_ACTOR,
) -> None:
    """Publish the draft of KIND KEY (it must have no errors); under a template's governance,
    open the ruleset_change case that someone else approves instead."""
    settings = get_settings()
    now = clock.utcnow()
    at = None
    if effective_at is not None:
        try:
            at = clock.parse_time(effective_at, tz=settings.tz)
        except ValueError as exc:
            _fail(f"--effective-at: {exc}")
    database = _database(settings)
    try:
        with database.transaction() as session:
            outcome = publish_draft(
                session,
                SpecKind(kind),
                key,
                comment=comment,
                effective_at=at,
                actor=by,
                now=now,
            )
    finally:
        database.dispose()
    out = _out()
    if outcome.case_id is not None:
        out.print(
            f"Approval requested: case {outcome.case_id} asks to publish {kind} {key} "
            f"v{outcome.version}; someone other than its author approves it."
        )
    elif outcome.status == "scheduled":
        assert outcome.effective_at is not None
        out.print(
            f"Scheduled {kind} {key} v{outcome.version} for {outcome.effective_at.isoformat()}."
        )
    else:
        rescore = f"; rescore {outcome.rescore_job_id} queued" if outcome.rescore_job_id else ""
        out.print(f"Published {kind} {key} v{outcome.version}{rescore}.")
