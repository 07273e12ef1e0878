"""`riskdesk workflow simulate FILE --events SCENARIO`: a workflow played through a scripted
scenario offline (no database), its timeline printed as a table.

The workflow is read with the names of its template (the nearest folder above FILE holding a
template.yaml, or `--template`): the customer form's fields and the declared roles. Without a
template, `--role` declares the roles it may name and field names are not checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from web.cli_common import _fail, _out

workflow_app = typer.Typer(help="Workflow definitions, offline.", no_args_is_help=True)

TEMPLATE_FILE = "template.yaml"


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {exc}")


def _template_of(path: Path) -> Path | None:
    for folder in path.resolve().parents:
        if (folder / TEMPLATE_FILE).is_file():
            return folder
    return None


def _workflow(path: Path, template: Path | None, roles: list[str]) -> object:
    """The workflow of `path`, loaded as its template loads it; raises DiagnosticsError."""
    import workflows
    from engine.bundle import load_bundle

    folder = template or _template_of(path)
    if folder is None:
        return workflows.load_workflow(_read(path), filename=str(path), roles=roles)
    bundle = load_bundle(folder)
    for definition in bundle.workflows:
        if (folder / definition.filename).resolve() == path.resolve():
            return definition.value
    _fail(f"{path} is not one of the workflows of the template {folder}")


@workflow_app.command("simulate")
def simulate_workflow(
    file: Annotated[Path, typer.Argument(help="The workflow file (YAML).")],
    events: Annotated[Path, typer.Option("--events", help="The scenario file (YAML).")],
    template: Annotated[
        Path | None,
        typer.Option("--template", help="The template folder (default: the one above FILE)."),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="A role the workflow may name, without a template."),
    ] = None,
) -> None:
    """Play SCENARIO against the workflow FILE and print the timeline: when, step, assignee,
    what happened, what the engine would do. Exit 1 with positioned errors for a bad workflow
    or scenario."""
    import workflows

    flow = _workflow(file, template, role or [])
    assert isinstance(flow, workflows.Workflow)
    scenario = workflows.read_scenario(_read(events), filename=str(events))
    timeline = workflows.run_scenario(flow, scenario)
    table = Table(title=f"{flow.key}: {events.name}")
    for column in ("at", "step", "assignee", "what happened", "effects"):
        table.add_column(column)
    for moment in timeline:
        table.add_row(
            moment.at.isoformat(),
            moment.step,
            moment.assignee,
            moment.happened,
            "\n".join(moment.effects),
        )
    _out().print(table)
