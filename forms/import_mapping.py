"""Which column of an import file fills which field: by field id, by the field's label in either
language, or by a mapping file. Pure (docs/import.md, "Columns").

A mapping file (`mapping.yaml`) names columns explicitly and may list columns to ignore:

```yaml
columns: {"客户名称": name, "逾期天数": max_overdue_days}
ignore: [备注]
```

It is checked like every definition: each problem a positioned diagnostic (`unknown-key`,
`wrong-type`, `unknown-field` with a close name suggested). Mapping a header then reports every
column that fills no field (`unknown-column`), every field filled by two columns
(`duplicate-column`), a header name found twice (`duplicate-header`), a label two fields share
(`ambiguous-column`), and a mapped column the file lacks (`missing-column`), all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from dsl import Diagnostic, DiagnosticsError, Span, YamlList, YamlMap, load_yaml
from dsl.diagnostics import error, has_errors
from dsl.texts import N_, described, did_you_mean, text
from forms.field_types import FieldType
from forms.fields import Field

MAPPING_KEYS = ("columns", "ignore")


class ImportMappingError(DiagnosticsError):
    """A mapping file or a header that cannot be mapped; `diagnostics` lists every problem."""


@dataclass(frozen=True, slots=True)
class Target:
    """What a column can fill: an id and the other names a header may give it (labels, aliases)."""

    id: str
    names: tuple[str, ...] = ()
    # False: no column can fill it (a group: a nested object, docs/import.md "Groups")
    importable: bool = True

    @classmethod
    def of_field(cls, field: Field, *aliases: str) -> Target:
        labels = tuple(label for label in field.label.values() if label)
        importable = field.type is not FieldType.GROUP
        return cls(field.id, tuple(dict.fromkeys((*aliases, *labels))), importable)


@dataclass(frozen=True, slots=True)
class MappingFile:
    """A loaded mapping file: column name → target id, and the columns to ignore."""

    columns: Mapping[str, str]
    ignore: frozenset[str]
    filename: str
    spans: Mapping[str, Span]  # where each mapped column is named


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Each column of the header with the target it fills (None: ignored)."""

    header: tuple[str, ...]
    targets: tuple[str | None, ...]

    def column_of(self, target: str) -> str | None:
        """The header name of the column filling `target`, or None."""
        for name, filled in zip(self.header, self.targets, strict=True):
            if filled == target:
                return name
        return None

    def filled(self) -> frozenset[str]:
        return frozenset(t for t in self.targets if t is not None)


def load_mapping(source: str, *, filename: str, targets: Iterable[Target]) -> MappingFile:
    """A mapping file checked against the targets. Raises ImportMappingError with every problem
    (YAML syntax errors included)."""
    document = load_yaml(source, filename=filename)
    known = {target.id for target in targets}
    diagnostics: list[Diagnostic] = []
    columns: dict[str, str] = {}
    spans: dict[str, Span] = {}
    ignore: set[str] = set()
    start = Span.point(filename, 1, 1)
    if not isinstance(document, YamlMap):
        diagnostics.append(
            error(
                "wrong-type",
                text(
                    N_("expected a mapping file with 'columns' and 'ignore', found %(found)s"),
                    found=described(document),
                ),
                getattr(document, "span", start),
            )
        )
        raise ImportMappingError(diagnostics)
    for key in document:
        if key not in MAPPING_KEYS:
            diagnostics.append(
                error(
                    "unknown-key",
                    text(
                        N_("unknown key '%(key)s' in a mapping file%(hint)s"),
                        key=str(key),
                        hint=did_you_mean(str(key), MAPPING_KEYS),
                    ),
                    document.key_span(key),
                )
            )
    given = document.get("columns")
    if given is not None and not isinstance(given, YamlMap):
        diagnostics.append(
            error(
                "wrong-type",
                text(
                    N_("expected 'columns' to map column names to field ids, found %(found)s"),
                    found=described(given),
                ),
                document.value_span("columns"),
            )
        )
    elif isinstance(given, YamlMap):
        for column, target in given.items():
            span = given.value_span(column)
            if not isinstance(target, str):
                diagnostics.append(
                    error(
                        "wrong-type",
                        text(
                            N_("expected the field id column '%(column)s' fills, found %(found)s"),
                            column=str(column),
                            found=described(target),
                        ),
                        span,
                    )
                )
            elif target not in known:
                diagnostics.append(
                    error(
                        "unknown-field",
                        text(
                            N_(
                                "column '%(column)s' is mapped to unknown field '%(field)s'%(hint)s"
                            ),
                            column=str(column),
                            field=target,
                            hint=did_you_mean(target, sorted(known)),
                        ),
                        span,
                    )
                )
            else:
                columns[str(column).strip()] = target
                spans[str(column).strip()] = given.key_span(column)
    skipped = document.get("ignore")
    if skipped is not None and not (
        isinstance(skipped, YamlList) and all(isinstance(item, str) for item in skipped)
    ):
        diagnostics.append(
            error(
                "wrong-type",
                text(
                    N_("expected 'ignore' to be a list of column names, found %(found)s"),
                    found=described(skipped),
                ),
                document.value_span("ignore"),
            )
        )
    elif isinstance(skipped, YamlList):
        ignore.update(item.strip() for item in skipped)
    if has_errors(diagnostics):
        raise ImportMappingError(diagnostics)
    return MappingFile(
        columns=MappingProxyType(columns),
        ignore=frozenset(ignore),
        filename=filename,
        spans=MappingProxyType(spans),
    )


def _by_name(targets: Sequence[Target]) -> dict[str, list[str]]:
    """Each name a header may use (ids as written, other names case-folded) → the targets."""
    found: dict[str, list[str]] = {}
    for target in targets:
        for name in (target.id, *target.names):
            key = name.strip().casefold()
            ids = found.setdefault(key, [])
            if target.id not in ids:
                ids.append(target.id)
    return found


def map_columns(
    header: Sequence[str],
    targets: Sequence[Target],
    *,
    filename: str,
    mapping: MappingFile | None = None,
    positions: Sequence[int] = (),
) -> ColumnMap:
    """The target of each column: the mapping file's first, else the field id, else a label or
    alias (case does not matter). `positions` are the header cells' columns on line 1 (default:
    their numbers). Raises ImportMappingError listing every problem."""
    names = _by_name(targets)
    diagnostics: list[Diagnostic] = []
    filled: dict[str, int] = {}
    result: list[str | None] = []
    seen: dict[str, int] = {}
    every_name = sorted({n for t in targets for n in (t.id, *t.names)})
    unimportable = {t.id for t in targets if not t.importable}

    def at(index: int) -> Span:
        start = positions[index] if index < len(positions) else index + 1
        return Span(filename, 1, start, 1, start + max(len(header[index]), 1))

    for index, column in enumerate(header):
        if column in seen:
            diagnostics.append(
                error(
                    "duplicate-header",
                    text(
                        N_(
                            "column '%(column)s' is named twice in the header (columns %(first)d "
                            "and %(second)d)"
                        ),
                        column=column,
                        first=seen[column] + 1,
                        second=index + 1,
                    ),
                    at(index),
                )
            )
            result.append(None)
            continue
        seen[column] = index
        target: str | None = None
        if mapping is not None and column in mapping.columns:
            target = mapping.columns[column]
        elif mapping is not None and column in mapping.ignore:
            result.append(None)
            continue
        else:
            candidates = names.get(column.casefold(), [])
            if len(candidates) > 1:
                diagnostics.append(
                    error(
                        "ambiguous-column",
                        text(
                            N_(
                                "column '%(column)s' could fill %(fields)s; name the field in "
                                "a mapping file"
                            ),
                            column=column,
                            fields=", ".join(candidates),
                        ),
                        at(index),
                    )
                )
                result.append(None)
                continue
            if not candidates:
                diagnostics.append(
                    error(
                        "unknown-column",
                        text(
                            N_("column '%(column)s' is no field of the form%(hint)s"),
                            column=column,
                            hint=did_you_mean(column, every_name),
                        ),
                        at(index),
                        hint=text(N_("map it in a mapping file, or list it under 'ignore'")),
                    )
                )
                result.append(None)
                continue
            target = candidates[0]
        if target in unimportable:
            diagnostics.append(
                error(
                    "group-column",
                    text(
                        N_(
                            "column '%(column)s' fills the group '%(field)s', which cannot be "
                            "imported from a column"
                        ),
                        column=column,
                        field=target,
                    ),
                    at(index),
                    hint=text(
                        N_("list the column under 'ignore', and enter the group on its page")
                    ),
                )
            )
            result.append(None)
            continue
        if target in filled:
            diagnostics.append(
                error(
                    "duplicate-column",
                    text(
                        N_("columns '%(first)s' and '%(second)s' both fill field '%(field)s'"),
                        first=header[filled[target]],
                        second=column,
                        field=target,
                    ),
                    at(index),
                )
            )
            result.append(None)
            continue
        filled[target] = index
        result.append(target)
    if mapping is not None:
        for column, span in mapping.spans.items():
            if column not in seen:
                diagnostics.append(
                    error(
                        "missing-column",
                        text(
                            N_("the mapping names column '%(column)s', which the file lacks"),
                            column=column,
                        ),
                        span,
                    )
                )
    if has_errors(diagnostics):
        raise ImportMappingError(diagnostics)
    return ColumnMap(header=tuple(header), targets=tuple(result))
