"""`riskdesk publish KIND KEY`: publish the draft of a ruleset, form or workflow, as the API's
`POST .../draft/publish` does (now, scheduled, or a ruleset_change case under governance).

A form draft's impact on stored customers is printed first; `--mapping FILE.yaml` says what
becomes of the values of its removed and narrowed fields (docs/forms.md, "Versions"). A mapping
that is missing or wrong is refused with each problem at its line in the file; readings of
published rulesets or workflows that block the publish are printed at their positions."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

import dsl
import forms
from engine import clock
from engine.errors import DataValidationError, ReadersBlockError
from engine.form_versions import FormImpact, draft_impact
from engine.models import SpecKind
from engine.publishing import publish_draft
from engine.settings import get_settings
from web.cli_common import CLI_ACTOR, _database, _err, _fail, _out

MAX_MAPPING_BYTES = 256 * 1024


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
    mapping: Annotated[
        Path | None,
        typer.Option(
            help="Forms: a YAML file saying what becomes of the stored values of each removed "
            "or narrowed field (OLD: {rename: NEW} | {default: VALUE} | drop)."
        ),
    ] = None,
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
    document: Any = None
    if mapping is not None:
        document = _mapping_file(mapping)
    database = _database(settings)
    try:
        if kind == DraftKind.FORM:
            with database.transaction() as session:
                _print_impact(draft_impact(session, key))
        with database.transaction() as session:
            outcome = publish_draft(
                session,
                SpecKind(kind),
                key,
                comment=comment,
                effective_at=at,
                actor=by,
                now=now,
                mapping=document,
            )
    except DataValidationError as exc:
        _mapping_refused(exc, document, str(mapping or "--mapping"))
    except ReadersBlockError as exc:
        _err().print(dsl.render_all(exc.diagnostics), markup=False)
        _fail(exc.detail)
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


def _mapping_file(path: Path) -> Any:
    """The mapping file as loaded (spans kept for the errors). Exits 1 when it cannot be read."""
    if path.stat().st_size > MAX_MAPPING_BYTES:
        _fail(f"{path}: a mapping file is at most {MAX_MAPPING_BYTES} bytes")
    source = path.read_text(encoding="utf-8")
    return dsl.load_yaml(source, filename=str(path))  # a syntax error: positioned, exit 1


def _print_impact(impact: FormImpact) -> None:
    out = _out()
    if impact.added:
        out.print(f"Adds: {', '.join(impact.added)}.")
    for found in impact.fields:
        reasons = f" ({', '.join(found.reasons)})" if found.reasons else ""
        examples = f", such as {', '.join(found.examples)}" if found.examples else ""
        needs = "; needs a mapping" if found.needs_mapping else ""
        out.print(
            f"{found.change.capitalize()}: {found.field_id}{reasons}: "
            f"{found.customers} customer(s) affected{examples}{needs}."
        )


def _mapping_refused(exc: DataValidationError, document: Any, filename: str) -> None:
    """Every problem of the mapping, at its line in the file when it has one; exit 1."""
    err = _err()
    for problem in exc.errors:
        span = forms.mapping_span(document, problem.path) if document is not None else None
        where = f"{span.file}:{span.line}:{span.column}" if span else filename
        err.print(f"{where}: error: {forms.path_text(problem.path)}: {problem.message}",
                  markup=False)  # fmt: skip
    _fail(exc.detail)
