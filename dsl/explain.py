"""Explanations of results as short text, in English or Chinese. Pure: no I/O, no clock.

Everything here reads the JSON-native form of a result (`Result.to_dict()`, what the engine
stores), so an assessment stored long ago can still be explained: `explain` says why a result is
what it is (each fired rule and table row with its points, each `let`, each missing field, the tier
row that decided and the `tier at least` that raised it), and `explain_change` says what changed
between two results of the same customer and how much each change added to the score.

Values are written as rules-language §2 writes them in alert messages: integers as is, other
numbers with at most 2 decimals, dates as YYYY-MM-DD, booleans true/false (是/否 in Chinese),
a missing value as `—`. Rules and tables are named by their labels (their ids when they have
none); fields, lets and tiers by `names` when the caller gives them (for instance the form's
Chinese labels), else as written — except the tiers low, medium and high, which Chinese shows as
低, 中 and 高.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dsl.runtime import format_value, format_value_zh

LANGUAGES = ("en", "zh")

_ZH_TIERS: Mapping[str, str] = {"low": "低", "medium": "中", "high": "高"}


def tier_title(tier: str, language: str) -> str:
    """How tier `tier` is named in `language`: the usual three (low, medium, high) in Chinese
    words, any other tier by its own name."""
    return _ZH_TIERS.get(tier, tier) if language == "zh" else tier
_COMPARISON = re.compile(r"^score\s*(>=|<=|==|!=|>|<|=)\s*(-?[0-9][0-9_,.]*%?)$")
_SYMBOLS = {">=": "≥", "<=": "≤", "==": "=", "=": "=", "!=": "≠", ">": ">", "<": "<"}

# The words around the values, per language.
_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "colon": ": ",
        "comma": ", ",
        "summary_sep": ", ",
        "missing": "not scored: {name} is missing",
        "missing_rate": "no exchange rate for {currency}: amounts in {currency} count as missing",
        "tier": "tier {tier}: ",
        "score": "score {score} {op} {bound}",
        "score_cond": "score {score}, when {condition}",
        "score_otherwise": "score {score}, no row above held",
        "row": " (row {row})",
        "floor": "raised to {tier} by {label}",
        "floor_removed": "no longer raised to {tier} by {label}",
        "stopped": "{label} no longer applies",
        "was": "was {inputs}",
        "points_changed": "{label} ({old} → {new} points)",
        "since": " since {since}",
        "summary": "{from_tier} → {to_tier}{since}: {items}",
        "first": "first assessment, tier {to_tier}: {items}",
        "nothing": "no rule changed (score {old} → {new})",
    },
    "zh": {
        "colon": "：",
        "comma": "，",
        "summary_sep": "；",
        "missing": "未计分：{name} 缺失",
        "missing_rate": "缺少 {currency} 汇率：以 {currency} 计的金额按缺失处理",
        "tier": "等级 {tier}：",
        "score": "得分 {score} {op} {bound}",
        "score_cond": "得分 {score}，条件 {condition} 成立",
        "score_otherwise": "得分 {score}，以上各行均不成立",
        "row": " (第 {row} 行)",
        "floor": "由 {label} 提升至 {tier}",
        "floor_removed": "不再由 {label} 提升至 {tier}",
        "stopped": "{label} 不再适用",
        "was": "原为 {inputs}",
        "points_changed": "{label} ({old} → {new} 分)",
        "since": "，自 {since} 起",
        "summary": "等级 {from_tier} → {to_tier}{since}：{items}",
        "first": "首次评估，等级 {to_tier}：{items}",
        "nothing": "规则结果无变化 (得分 {old} → {new})",
    },
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an explanation.

    `kind` is `rule`, `table`, `let`, `missing` (a field read but missing), `missing_rate` (an
    exchange rate that was needed and not known), `tier` (the tier row that decided) or `floor`
    (the `tier at least` that raised the tier). `id` is the rule, table or let id, the field path,
    the currency, the tier (None when a floor raised it) or the raising rule's id; `points` is
    set for rules and tables only.
    """

    kind: str
    id: str | None
    points: int | float | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "points": self.points, "text": self.text}


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a result is what it is, one line per reason, in `language`."""

    lines: tuple[Line, ...]
    language: str = "en"

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_dict(self) -> list[dict[str, Any]]:
        return [line.to_dict() for line in self.lines]


@dataclass(frozen=True, slots=True)
class ChangeItem:
    """One difference between two results and what it added to the score (`points`, negative
    when it took points away; None for a floor).

    `kind` is `started` (a rule or table fired that did not before), `stopped`, `points` (it
    fired both times with other points), `row` (another row of a table matched: `from_row` →
    `to_row`, 0-based), `floor` (a `tier at least` now raises the tier) or `floor_removed`.
    """

    kind: str
    id: str
    points: int | float | None
    text: str
    from_row: int | None = None
    to_row: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "points": self.points,
            "text": self.text,
            "from_row": self.from_row,
            "to_row": self.to_row,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """What changed from a previous result to the current one.

    `from_tier` is None when there was no previous result; `since` is the previous result's
    evaluation date. `items` come largest contribution first (among equals: the current result's
    rules and tables in source order, then those that stopped firing), floors last; `summary` is
    one line naming the tiers and every item that moved the score or the tier.
    """

    from_tier: str | None
    to_tier: str
    from_score: int | float | None
    to_score: int | float
    since: date | None
    items: tuple[ChangeItem, ...]
    summary: str
    language: str = "en"

    def to_dict(self) -> dict[str, Any]:
        """JSON-native: `since` as ISO text."""
        return {
            "from_tier": self.from_tier,
            "to_tier": self.to_tier,
            "from_score": self.from_score,
            "to_score": self.to_score,
            "since": self.since.isoformat() if self.since else None,
            "items": [item.to_dict() for item in self.items],
            "summary": self.summary,
            "language": self.language,
        }


# --- explaining one result ---------------------------------------------------------------------


def explain(
    result: Mapping[str, Any],
    *,
    language: str = "en",
    names: Mapping[str, str] | None = None,
) -> Explanation:
    """The explanation of `result` (a `Result.to_dict()`) in `language` ("en" or "zh").

    Lines come in this order: fired rules and tables (source order), lets (by name), missing
    fields, missing exchange rates, the tier row, the floor; a rule's inputs are listed by name.
    `names` maps field, let and tier names to how they are shown. Raises ValueError for another
    language.
    """
    words = _words(language)
    show = _Shower(language, names)
    lines: list[Line] = []
    for fired in result.get("fired") or ():
        lines.append(
            Line(fired.get("kind") or "rule", fired["id"], fired["points"], show.fired(fired))
        )
    for name, value in sorted((result.get("values") or {}).items()):
        lines.append(Line("let", name, None, f"{show.name(name)} = {show.value(value)}"))
    for path in result.get("missing") or ():
        lines.append(Line("missing", path, None, words["missing"].format(name=show.name(path))))
    for currency in result.get("missing_rates") or ():
        lines.append(
            Line("missing_rate", currency, None, words["missing_rate"].format(currency=currency))
        )
    lines.extend(_tier_lines(result, show))
    return Explanation(tuple(lines), language)


def _tier_lines(result: Mapping[str, Any], show: _Shower) -> list[Line]:
    words = show.words
    row = result.get("tier_row")
    floor = result.get("tier_floor")
    tier = result.get("tier")
    lines: list[Line] = []
    if row is not None:
        score = show.value(result.get("score"))
        condition = str(row.get("condition", ""))
        match = _COMPARISON.match(condition.strip())
        if condition == "otherwise":
            decided = words["score_otherwise"].format(score=score)
        elif match:
            decided = words["score"].format(score=score, op=_SYMBOLS[match[1]], bound=match[2])
        else:
            decided = words["score_cond"].format(score=score, condition=condition)
        head = "" if floor else words["tier"].format(tier=show.tier(tier))
        text = head + decided + words["row"].format(row=int(row.get("index", 0)) + 1)
        lines.append(Line("tier", None if floor else tier, None, text))
    if floor:
        label = show.label_of(result, floor["rule"])
        text = words["floor"].format(tier=show.tier(floor["tier"]), label=label)
        lines.append(Line("floor", floor["rule"], None, text))
    return lines


# --- explaining a change -----------------------------------------------------------------------


def explain_change(
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    *,
    since: date | None,
    language: str = "en",
    names: Mapping[str, str] | None = None,
) -> Change:
    """What changed from `previous` to `current` (both `Result.to_dict()`; `previous` None: the
    first assessment, every fired rule counts as started), in `language`.

    `since` is the date of the previous result. Raises ValueError for another language.
    """
    words = _words(language)
    show = _Shower(language, names)
    before = {f["id"]: f for f in (previous or {}).get("fired") or ()}
    after = {f["id"]: f for f in current.get("fired") or ()}
    items: list[ChangeItem] = []
    for item_id, now in after.items():
        was = before.get(item_id)
        if was is None:
            items.append(ChangeItem("started", item_id, now["points"], show.fired(now)))
            continue
        delta = _minus(now["points"], was["points"])
        was_row, now_row = _row_index(was), _row_index(now)
        if was_row != now_row:
            text = (
                f"{_signed(delta, show)} {show.label(now)}{words['colon']}"
                f"{show.subject(was)} → {show.subject(now)}"
            )
            items.append(ChangeItem("row", item_id, delta, text, was_row, now_row))
        elif delta != 0:
            text = f"{_signed(delta, show)} " + words["points_changed"].format(
                label=show.label(now),
                old=_signed(was["points"], show),
                new=_signed(now["points"], show),
            )
            items.append(ChangeItem("points", item_id, delta, text))
    for item_id, was in before.items():
        if item_id in after:
            continue
        delta = _minus(0, was["points"])
        text = f"{_signed(delta, show)} " + words["stopped"].format(label=show.label(was))
        if was.get("inputs"):
            text += " (" + words["was"].format(inputs=show.inputs(was["inputs"])) + ")"
        items.append(ChangeItem("stopped", item_id, delta, text))
    items.sort(key=lambda item: -abs(item.points or 0))
    items.extend(_floor_items(previous, current, show))
    summary = _summary(previous, current, since, items, show)
    return Change(
        from_tier=previous.get("tier") if previous else None,
        to_tier=current["tier"],
        from_score=previous.get("score") if previous else None,
        to_score=current["score"],
        since=since,
        items=tuple(items),
        summary=summary,
        language=language,
    )


def _floor_items(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any], show: _Shower
) -> list[ChangeItem]:
    was = (previous or {}).get("tier_floor")
    now = current.get("tier_floor")
    if was == now:
        return []
    items = []
    if was:
        label = show.label_of(previous or {}, was["rule"])
        text = show.words["floor_removed"].format(tier=show.tier(was["tier"]), label=label)
        items.append(ChangeItem("floor_removed", was["rule"], None, text))
    if now:
        label = show.label_of(current, now["rule"])
        text = show.words["floor"].format(tier=show.tier(now["tier"]), label=label)
        items.append(ChangeItem("floor", now["rule"], None, text))
    return items


def _summary(
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    since: date | None,
    items: Sequence[ChangeItem],
    show: _Shower,
) -> str:
    words = show.words
    told = [item.text for item in items if item.points is None or item.points != 0]
    if told:
        listed = words["summary_sep"].join(told)
    else:
        old = show.value(previous.get("score") if previous else None)
        listed = words["nothing"].format(old=old, new=show.value(current.get("score")))
    to_tier = show.tier(current.get("tier"))
    if previous is None:
        return words["first"].format(to_tier=to_tier, items=listed)
    return words["summary"].format(
        from_tier=show.tier(previous.get("tier")),
        to_tier=to_tier,
        since=words["since"].format(since=since.isoformat()) if since else "",
        items=listed,
    )


# --- writing values ----------------------------------------------------------------------------


def _words(language: str) -> Mapping[str, str]:
    if language not in _WORDS:
        raise ValueError(f"no explanations in language '{language}'; use one of {LANGUAGES}")
    return _WORDS[language]


class _Shower:
    """How names, values and points are written in one language."""

    def __init__(self, language: str, names: Mapping[str, str] | None) -> None:
        self.language = language
        self.words = _words(language)
        self.names = names or {}
        self._format = format_value_zh if language == "zh" else format_value

    def value(self, value: Any) -> str:
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        if isinstance(value, Mapping) and set(value) != {"amount", "currency"}:
            inner = ", ".join(f"{k} = {self.value(v)}" for k, v in sorted(value.items()))
            return "{" + inner + "}"
        return self._format(value)

    def name(self, name: str) -> str:
        return self.names.get(name, name)

    def tier(self, tier: Any) -> str:
        if tier is None:
            return "—"
        if tier in self.names:
            return self.names[tier]
        return tier_title(str(tier), self.language)

    def label(self, fired: Mapping[str, Any]) -> str:
        return str(fired.get("label") or fired["id"])

    def label_of(self, result: Mapping[str, Any], item_id: str) -> str:
        for fired in result.get("fired") or ():
            if fired["id"] == item_id:
                return self.label(fired)
        return item_id

    def inputs(self, inputs: Mapping[str, Any]) -> str:
        # in name order: PostgreSQL's JSONB does not keep the order of stored keys
        return ", ".join(f"{self.name(k)} = {self.value(v)}" for k, v in sorted(inputs.items()))

    def subject(self, fired: Mapping[str, Any]) -> str:
        """A table's subject: its one value, its values by name, or else its row as written."""
        inputs = fired.get("inputs") or {}
        if len(inputs) == 1:
            return self.value(next(iter(inputs.values())))
        if inputs:
            return self.inputs(inputs)
        row = fired.get("row") or {}
        return str(row.get("pattern", "—"))

    def fired(self, fired: Mapping[str, Any]) -> str:
        points = _signed(fired["points"], self)
        if fired.get("kind") == "table":
            return f"{points} {self.label(fired)}{self.words['colon']}{self.subject(fired)}"
        inputs = fired.get("inputs") or {}
        suffix = f" ({self.inputs(inputs)})" if inputs else ""
        return f"{points} {self.label(fired)}{suffix}"


def _signed(points: Any, show: _Shower) -> str:
    if points is None:
        return "+0"
    if points < 0:
        return "-" + show.value(-points)
    return "+" + show.value(points)


def _minus(a: int | float, b: int | float) -> int | float:
    difference = a - b
    if isinstance(difference, float):
        difference = round(difference, 10)
        if difference.is_integer():
            return int(difference)
    return difference


def _row_index(fired: Mapping[str, Any]) -> int | None:
    row = fired.get("row")
    return int(row["index"]) if row else None
