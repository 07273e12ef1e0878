"""What a customer list asks for (filters, sort), read from request parameters, and the SQL
conditions it stands for. Builds statements only: nothing here runs one.

The flags of a customer's latest assessment are rows of `customer_flags` (engine.customer_flags,
written beside the score and tier), so a flag filter is a semi-join on that table's (flag,
customer) key, never a read of assessment JSON. The tier sort orders by `Customer.tier_rank`,
the tier's severity (`tier_rank`), not its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select, table
from sqlmodel import col

import dsl
import forms
from engine.errors import N_, InvalidRequestError
from engine.models import Alert, AlertStatus, Case, CaseStatus, Customer, CustomerFlag

# sort key → the customer column it orders by (ties broken by id); "id" is creation order; a
# tier sorts by its rank, riskiest first when descending (ties by id, not score: the key and the
# cursor stay two columns, one index range)
SORT_COLUMNS: Final[Mapping[str, Any]] = {
    "id": Customer.id,
    "name": Customer.name,
    "ref": Customer.external_ref,
    "score": Customer.score,
    "tier": Customer.tier_rank,
    "updated_at": Customer.updated_at,
}
# the sort keys whose column may hold no value: those rows come last, whatever the direction
NULLABLE_SORTS: Final = frozenset({"score", "tier"})
DIRECTIONS: Final = ("asc", "desc")
# `alert`: any active alert, none, or an active alert of this severity
ALERT_CHOICES: Final = ("any", "none", *dsl.ALERT_SEVERITIES)
YES_NO: Final[Mapping[str, bool]] = {"yes": True, "no": False, "true": True, "false": False}
MAX_TEXT = 200
# every parameter a customer list reads (a saved view keeps these and nothing else)
PARAMETERS: Final = (
    "search",
    "tier",
    "department",
    "owner",
    "industry",
    "flag",
    "open_case",
    "alert",
    "sort",
    "direction",
)
_ACTIVE = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)  # engine.alerts.ACTIVE
# SQLite's search index (migration 0015): an FTS5 trigram table, external content on customers
_SEARCH_TABLE: Final = table("customer_search")
# the shortest search a trigram index serves
SEARCH_TRIGRAM: Final = 3


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """One customer list's filters and sort. A filter left None does not filter; `search` is a
    part of the name or reference (any case)."""

    search: str | None = None
    tier: str | None = None
    department: str | None = None
    owner: str | None = None
    industry: str | None = None
    flag: str | None = None
    has_open_case: bool | None = None
    alert: str | None = None
    sort: str = "id"
    direction: str = "asc"

    @property
    def is_descending(self) -> bool:
        return self.direction == "desc"

    def params(self) -> dict[str, str]:
        """The request parameters that ask for this query (defaults left out), in PARAMETERS
        order: what a page address and a saved view hold."""
        values = asdict(self)
        shown: dict[str, str] = {}
        for name in PARAMETERS:
            value = _param_value(name, values)
            if value is not None:
                shown[name] = value
        return shown


def _param_value(name: str, values: Mapping[str, Any]) -> str | None:
    if name == "open_case":
        case = values["has_open_case"]
        return None if case is None else ("yes" if case else "no")
    if name == "sort":
        return None if values["sort"] == "id" else str(values["sort"])
    if name == "direction":
        return None if values["direction"] == "asc" else str(values["direction"])
    value = values[name]
    return None if value is None else str(value)


def customer_query(params: Mapping[str, str | None]) -> CustomerQuery:
    """The query that request parameters `params` ask for (empty values: not given; unknown
    names are ignored, as the page's other parameters pass through).

    Raises InvalidRequestError naming the parameter for a text too long or holding control
    characters, an unknown sort key or direction, an `open_case` other than yes/no, an `alert`
    other than any/none/a severity.
    """
    given = {name: _given(params, name) for name in PARAMETERS}
    sort = given["sort"] or "id"
    if sort not in SORT_COLUMNS:
        raise _choice_error("sort", sort, SORT_COLUMNS)
    direction = given["direction"] or "asc"
    if direction not in DIRECTIONS:
        raise _choice_error("direction", direction, DIRECTIONS)
    open_case = given["open_case"]
    if open_case is not None and open_case not in YES_NO:
        raise _choice_error("open_case", open_case, ("yes", "no"))
    alert = given["alert"]
    if alert is not None and alert not in ALERT_CHOICES:
        raise _choice_error("alert", alert, ALERT_CHOICES)
    return CustomerQuery(
        search=given["search"],
        tier=given["tier"],
        department=given["department"],
        owner=given["owner"],
        industry=given["industry"],
        flag=given["flag"],
        has_open_case=None if open_case is None else YES_NO[open_case],
        alert=alert,
        sort=sort,
        direction=direction,
    )


def _given(params: Mapping[str, str | None], name: str) -> str | None:
    """Parameter `name` stripped (None when missing or empty). Raises InvalidRequestError."""
    value = params.get(name)
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_TEXT:
        raise InvalidRequestError(
            N_("%(name)s is longer than %(max)s characters"), name=name, max=MAX_TEXT
        )
    problem = forms.text_problem_of(value)
    if problem is not None:
        raise InvalidRequestError(N_("%(name)s %(problem)s"), name=name, problem=problem)
    return value


def _choice_error(name: str, value: str, known: Iterable[str]) -> InvalidRequestError:
    return InvalidRequestError(
        N_("unknown %(name)s '%(value)s'; expected one of %(known)s"),
        name=name,
        value=value,
        known=", ".join(known),
    )


def industry_of(dialect: str) -> ColumnElement[Any]:
    """The customer data's `industry` as text, written as the expression index of migration
    0013 is (a bound JSON path would not match the index on SQLite)."""
    if dialect == "postgresql":
        return col(Customer.data).op("->>")(literal_column("'industry'"))
    return func.json_extract(col(Customer.data), literal_column("'$.industry'"))


def tier_rank(tiers: Sequence[str], tier: str | None) -> int | None:
    """The rank `Customer.tier_rank` holds for `tier` given the `tiers` of the ruleset that gave
    it, in the order its tiers block declares them, riskiest first (as the dashboard reads
    them): the last declared ranks 1, each above it one more, so a riskier tier ranks higher.
    0 for a tier the ruleset does not declare (below every declared one); None for no tier."""
    if tier is None:
        return None
    if tier not in tiers:
        return 0
    return len(tiers) - list(tiers).index(tier)


def conditions(query: CustomerQuery, *, dialect: str) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `query`'s filters on the customers table."""
    found: list[ColumnElement[bool]] = []
    if query.tier is not None:
        found.append(col(Customer.tier) == query.tier)
    if query.department is not None:
        found.append(col(Customer.department) == query.department)
    if query.owner is not None:
        found.append(col(Customer.owner) == query.owner)
    if query.industry is not None:
        found.append(industry_of(dialect) == query.industry)
    if query.flag is not None:
        flagged = select(col(CustomerFlag.customer_id)).where(col(CustomerFlag.flag) == query.flag)
        found.append(_among(flagged, is_among=True))
    if query.search:
        found.append(search_condition(query.search, dialect=dialect))
    if query.has_open_case is not None:
        open_cases = select(col(Case.customer_id)).where(
            col(Case.status) == CaseStatus.OPEN, col(Case.customer_id).isnot(None)
        )
        found.append(_among(open_cases, is_among=query.has_open_case))
    if query.alert is not None:
        found.append(_alert_condition(query.alert))
    return found


def search_condition(search: str, *, dialect: str) -> ColumnElement[bool]:
    """The customers whose name or reference holds `search`, in any case (`%`, `_` and quotes
    are plain characters).

    On PostgreSQL, `lower(column) LIKE '%…%'`, which migration 0015's trigram indexes on those
    expressions serve. On SQLite a search of SEARCH_TRIGRAM characters or more is a phrase of the
    FTS5 trigram table `customer_search` (migration 0015), which finds the same customers from its
    index; a shorter one cannot use a trigram index and stays the LIKE, which reads every row.
    The two differ only for letters outside A–Z: FTS5 folds their case (É finds é), SQLite's
    `lower()` and LIKE do not (docs/customer-list.md).
    """
    if dialect == "sqlite" and len(search) >= SEARCH_TRIGRAM:
        return col(Customer.id).in_(
            select(literal_column("rowid"))
            .select_from(_SEARCH_TABLE)
            .where(literal_column(_SEARCH_TABLE.name).op("MATCH")(fts5_phrase(search)))
        )
    return substring_condition(search)


def substring_condition(search: str) -> ColumnElement[bool]:
    """`lower(name) LIKE '%search%' OR lower(external_ref) LIKE ...`, wildcards escaped: what
    PostgreSQL's trigram indexes serve, and what SQLite reads every row for."""
    pattern = search.lower()
    return or_(
        func.lower(col(Customer.name)).contains(pattern, autoescape=True),
        func.lower(col(Customer.external_ref)).contains(pattern, autoescape=True),
    )


def fts5_phrase(text: str) -> str:
    """`text` as one FTS5 string, matched as written: in double quotes, each `"` doubled (the
    query syntax's operators, column filters and `*` are then plain characters)."""
    return '"' + text.replace('"', '""') + '"'


def _among(customer_ids: Select[Any], *, is_among: bool) -> ColumnElement[bool]:
    """The customer's id is (or is not) one of `customer_ids`: a semi-join that both backends
    read from the subquery's index, so counting the matches does not probe it once per customer
    (a correlated EXISTS did: 240 ms at 1,000,000 customers, docs/performance.md)."""
    member = col(Customer.id).in_(customer_ids)
    return member if is_among else ~member


def _alert_condition(alert: str) -> ColumnElement[bool]:
    active: list[ColumnElement[bool]] = [col(Alert.status).in_(_ACTIVE)]
    if alert in dsl.ALERT_SEVERITIES:
        active.append(col(Alert.severity) == alert)
    return _among(select(col(Alert.customer_id)).where(*active), is_among=alert != "none")
