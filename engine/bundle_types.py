"""What a checked template bundle is made of: the `Bundle`, its `Definitions` and test `Case`s.

Frozen values, built by engine.bundle_reader once every file of the bundle has been checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, KeysView, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar

from dsl import CompiledRuleset, Diagnostic, Span
from engine.bundle_files import TEMPLATE_FILE
from engine.ruleset_schema import CUSTOMER_FORM

if TYPE_CHECKING:
    from engine.credit_policy import CreditPolicy
    from forms import Form
    from workflows import Calendar, Workflow

# Columns of sample data besides the customer form's fields and the credit terms.
IDENTITY_COLUMNS: Final = ("external_ref", "name", "department")


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Definition(Generic[T]):
    """One definition of a bundle: its key, the loaded value, its source text and file name."""

    key: str
    value: T
    source: str
    filename: str


class Definitions(Generic[T]):
    """The definitions of one kind, in the order template.yaml lists them.

    Iterating gives the `Definition`s; indexing, `get`, `in` and `keys()` go by key.
    """

    __slots__ = ("_by_key",)

    def __init__(self, items: Iterable[Definition[T]] = ()) -> None:
        self._by_key: Mapping[str, Definition[T]] = MappingProxyType({d.key: d for d in items})

    def __iter__(self) -> Iterator[Definition[T]]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)

    def __getitem__(self, key: str) -> Definition[T]:
        return self._by_key[key]

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def get(self, key: str) -> Definition[T] | None:
        return self._by_key.get(key)

    def keys(self) -> KeysView[str]:
        return self._by_key.keys()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Definitions) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self._by_key))

    def __repr__(self) -> str:
        return f"Definitions({list(self._by_key)})"


@dataclass(frozen=True, slots=True)
class Case:
    """A test case of the bundle: a record in, the expected score, tier and fired rules out."""

    name: str
    record: Mapping[str, Any]
    events: tuple[Mapping[str, Any], ...]  # {kind, occurred_at (ISO text), payload}, as given
    score: int | float
    tier: str
    fired: tuple[str, ...]
    flags: tuple[str, ...] | None  # None: not checked
    as_of: date
    ruleset: str | None  # None: the customer form's ruleset
    filename: str
    span: Span


@dataclass(frozen=True, slots=True)
class ScheduleDef:
    """A cron schedule of the bundle (`schedules:` in template.yaml), checked."""

    id: str
    cron: str  # five crontab fields (engine.cron)
    action: str  # a name of engine.schedule_actions.ACTIONS
    timezone: str | None  # None: the workspace's time zone
    span: Span


@dataclass(frozen=True, slots=True)
class Bundle:
    """A checked template bundle. Everything in it was valid when it was loaded."""

    key: str
    version: str  # the template's own version, "1.0.0"
    name: Mapping[str, str]  # language → text
    description: Mapping[str, str]
    base_currency: str
    roles: tuple[str, ...]
    permissions: Mapping[str, tuple[str, ...]]  # role → permissions, as template.yaml maps them
    forms: Definitions[Form]
    rulesets: Definitions[CompiledRuleset]  # by ruleset id
    workflows: Definitions[Workflow]
    sample_data: Mapping[str, str]  # file name → text
    cases: tuple[Case, ...]
    source: str  # the text of template.yaml
    sources: Mapping[str, str]  # file name → text, for every file read
    warnings: tuple[Diagnostic, ...]
    checksum: str  # sha256 over every file read
    filename: str = TEMPLATE_FILE
    schedules: tuple[ScheduleDef, ...] = ()
    # governance: publishing a draft needs someone else's approval (engine.spec_changes)
    publish_requires_approval: bool = False
    calendars: Definitions[Calendar] = field(default_factory=Definitions)  # by name
    default_calendar: str | None = None  # a name of `calendars`; None: Monday to Friday
    # the `credit_check` section (engine.credit_policy); None: the template declares none
    credit_policy: CreditPolicy | None = None

    @property
    def customer_form(self) -> Form:
        return self.forms[CUSTOMER_FORM].value

    def ruleset_for(self, form: str = CUSTOMER_FORM) -> CompiledRuleset | None:
        """The first ruleset written for `form`, in template.yaml's order."""
        return next((d.value for d in self.rulesets if d.value.form == form), None)
