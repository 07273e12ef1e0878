"""Template bundles: read a folder or .zip, check every file in it, return a frozen `Bundle`.

Pure apart from reading the bundle's own files: no database, no clock, no settings. Every problem
of every file is collected as a positioned diagnostic (file names relative to the bundle root, such
as `rules/credit.rules`) and raised together as one `TemplateError`. The format is described in
docs/templates.md. The files are read by engine.bundle_files and checked by engine.bundle_reader
(the test cases by engine.bundle_cases; template.yaml and the case files against the JSON Schemas
of engine.bundle_json_schema); the values a bundle is made of are in engine.bundle_types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import dsl
from dsl import Diagnostic, DiagnosticsError
from dsl.diagnostics import error, has_errors
from dsl.texts import N_, Text, text
from engine import ruleset_schema
from engine.bundle_files import TEMPLATE_FILE, Files, Folder, decode, open_zip
from engine.bundle_json_schema import CASES_JSON_SCHEMA, TEMPLATE_JSON_SCHEMA
from engine.bundle_reader import BundleReader
from engine.bundle_types import Bundle, Case, Definition, Definitions


class TemplateError(DiagnosticsError):
    """A bundle that cannot be imported; `diagnostics` lists every problem of every file, and
    `sources` holds the text of each file read (file name → text) for rendering snippets."""

    def __init__(
        self, diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(diagnostics)
        self.sources: Mapping[str, str] = MappingProxyType(dict(sources or {}))


class CheckResult(NamedTuple):
    """What `check_path` found: every error and warning, and the text of each file read."""

    diagnostics: tuple[Diagnostic, ...]
    sources: Mapping[str, str]


def load_bundle(path: str | Path, *, base_currency: str | None = None) -> Bundle:
    """Read and check the bundle at `path` (a folder or a .zip).

    Returns the `Bundle`, warnings kept on `Bundle.warnings`. Raises `TemplateError` with every
    error and warning of every file when there is an error, including a `base_currency` other
    than the one given (when given).
    """
    bundle, diagnostics, sources = _read_bundle(Path(path), base_currency=base_currency)
    if bundle is None or has_errors(diagnostics):
        raise TemplateError(diagnostics, sources)
    return bundle


def check_path(
    path: str | Path, *, base_currency: str | None = None, language: str = "en"
) -> CheckResult:
    """Every diagnostic of a bundle folder, a .zip bundle or a single .rules file; never raises.

    A single rules file inside a template (a `template.yaml` in its folder or a folder above) is
    checked against the form it names (`form customer`) and the template's event forms, as
    importing the template would check it; elsewhere it is checked without a form (only
    structural errors are found). Its diagnostics name it as `path` was given, in `language`
    (`"en"`, `"zh"`).
    """
    path = Path(path)
    if path.is_file() and path.suffix == ".rules":
        try:
            source = decode(path.read_bytes())
        except (OSError, UnicodeDecodeError) as exc:
            return CheckResult((error("unreadable", _unreadable(path, exc), None),), {})
        return _check_rules_file(path, source, language)
    if path.is_file() and path.name == TEMPLATE_FILE:
        path = path.parent
    if not path.exists():
        return CheckResult(
            (error("not-found", text(N_("%(path)s does not exist"), path=str(path)), None),), {}
        )
    if path.is_file() and path.suffix.lower() != ".zip":
        message = text(
            N_("%(path)s is neither a template folder, a .zip bundle nor a .rules file"),
            path=str(path),
        )
        return CheckResult((error("not-a-bundle", message, None),), {})
    _, diagnostics, sources = _read_bundle(path, base_currency=base_currency)
    return CheckResult(diagnostics, sources)


# --- reading and checking ----------------------------------------------------------------------


def _template_root(path: Path) -> Path | None:
    """The nearest folder at or above `path`'s folder holding a template.yaml."""
    for folder in path.resolve().parents:
        if (folder / TEMPLATE_FILE).is_file():
            return folder
    return None


def _check_rules_file(path: Path, source: str, language: str) -> CheckResult:
    """`check_path` of one rules file (see there)."""
    filename = str(path)
    root = _template_root(path)
    sources = {filename: source}
    if root is None:
        return CheckResult(
            dsl.check_ruleset(source, filename=filename, language=language),
            MappingProxyType(sources),
        )
    reader = BundleReader(Folder(root))
    form, event_forms = reader.ruleset_inputs(source, filename)
    found = dsl.check_ruleset(
        source,
        filename=filename,
        schema=ruleset_schema.record_schema(form) if form is not None else None,
        events=ruleset_schema.event_schemas(event_forms) if event_forms is not None else None,
        language=language,
    )
    sources.update(reader.sources)
    return CheckResult((*reader.diagnostics, *found), MappingProxyType(sources))


def _read_bundle(
    path: Path, *, base_currency: str | None
) -> tuple[Bundle | None, tuple[Diagnostic, ...], Mapping[str, str]]:
    if path.is_dir():
        files: Files = Folder(path)
    else:
        try:
            archive, problems = open_zip(path)
        except OSError as exc:
            return None, (error("unreadable", _unreadable(path, exc), None),), {}
        if archive is None:
            return None, tuple(problems), {}
        files = archive
    reader = BundleReader(files)
    bundle = reader.read(base_currency=base_currency)
    return bundle, tuple(reader.diagnostics), MappingProxyType(dict(reader.sources))


__all__ = [
    "CASES_JSON_SCHEMA",
    "TEMPLATE_JSON_SCHEMA",
    "Bundle",
    "Case",
    "CheckResult",
    "Definition",
    "Definitions",
    "TemplateError",
    "check_path",
    "load_bundle",
]


def _unreadable(path: Path, exc: Exception) -> Text:
    """`cannot read <path>: <the system's reason>` (the reason as the system words it)."""
    return text(N_("cannot read %(path)s: %(problem)s"), path=str(path), problem=str(exc))
