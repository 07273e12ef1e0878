"""The field types of forms: one entry per type in one table (`TYPES`) that every stage reads.

Pure data. The loader takes its type names and which keys apply to each type from here; the JSON
Schema its `type`, `format`, `enum` and `pattern`; validation its format check, the code of a
refused value and the words for "must be …"; the rules checker its value type; normalisation its
stored shape; the docs (docs/forms.md, docs/zh/forms.md) its descriptions, and the tests its
examples. tests/forms/test_field_types.py checks the table is complete for every `FieldType`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from dsl import ValueType
from dsl.texts import N_
from forms import formats, money

if TYPE_CHECKING:
    from forms.fields import Field


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    PERCENT = "percent"
    MONEY = "money"  # an amount: a number in the base currency, or {amount, currency}
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    EMAIL = "email"
    PHONE = "phone"
    URL = "url"
    COUNTRY = "country"
    CURRENCY = "currency"
    USCC = "uscc"
    REFERENCE = "reference"  # another customer, by its external_ref
    GROUP = "group"  # a nested object of sub-fields; `multiple: true`: a list of them

    @property
    def spec(self) -> TypeSpec:
        """This type's entry of `TYPES`."""
        return TYPES[self]

    @property
    def value_type(self) -> ValueType:
        """What the rules language reads (`TypeSpec.value_type`)."""
        return TYPES[self].value_type

    @property
    def is_numeric(self) -> bool:
        """A JSON number: integer, decimal, percent and money."""
        return TYPES[self].json_type in ("integer", "number")


# Keys of a field that apply only to some types (the others apply to every type).
RANGE_KEYS: Final = frozenset({"min", "max", "risk_direction"})
TEXT_KEYS: Final = frozenset({"max_length", "pattern"})
OPTION_KEYS: Final = frozenset({"options"})
GROUP_KEYS: Final = frozenset({"fields", "multiple", "max_items"})
# A list of groups holds at most `max_items` objects: 20 unless the form says, and never more
# than 100 (each item is validated, masked and sealed on every write).
GROUP_MAX_ITEMS_DEFAULT: Final = 20
GROUP_MAX_ITEMS_LIMIT: Final = 100

Json = Any  # a value as JSON holds it: str, int, float, bool, list, None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """What one field type means to every stage.

    `expected` is the message id of a value in words ("a whole number": "X must be a whole
    number"); `format` names the JSON Schema format that `check` decides, `refused` the
    `DataError` code of a value of the right JSON type that the format or `enum` refuses;
    `normalise` gives the stored shape of a valid value; `alternative` the JSON Schema keywords
    of a second shape a value may take (its `type` names its JSON type: money's object of
    amount and currency, forms.money); `unique_key` the text two normalised values of a
    `unique` field are compared by (None: the type cannot be unique); `valid` and `invalid` are
    examples of values (for a field with options: of a field whose options are
    `EXAMPLE_OPTIONS`).
    """

    json_type: str
    value_type: ValueType
    expected: str
    doc: Mapping[str, str]  # what a value is, per language (the docs' "a value is" column)
    keys: frozenset[str] = frozenset()
    format: str | None = None
    check: Callable[[object], bool] | None = None
    refused: str = "wrong-type"
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    max_length: int | None = None  # the most characters any value has (bounds every check)
    allows_breaks: bool = False  # text that may hold tabs and line breaks
    is_text: bool = False  # free text, masked by its shape when sensitive (forms.masking)
    is_computable: bool = False  # may be `computed` (its rules value type is stored as it is)
    normalise: Callable[[Json], Json] | None = None
    alternative: Callable[[Field], Mapping[str, Any]] | None = None
    # the comparison key of a normalised value for `unique: true` (forms.unique); None: the type
    # cannot be unique (docs/forms.md, "Unique values")
    unique_key: Callable[[Json], str] | None = None
    valid: tuple[Json, ...] = ()
    invalid: tuple[Json, ...] = ()


EXAMPLE_OPTIONS: Final = ("iso9001", "iso14001", "ohsas18001")
REFERENCE_MAX_LENGTH: Final = 200  # as a customer's external_ref


def _phone(value: Json) -> Json:
    return formats.e164_phone(value) or value


def _as_is(value: Json) -> str:
    """The comparison key of a text value: the text as stored."""
    return str(value)


def _case_folded(value: Json) -> str:
    """The comparison key of an e-mail address: case-folded (`Li@Example.com` is
    `li@example.com`; no mail system of our users tells them apart)."""
    return str(value).casefold()


def _whole_number(value: Json) -> str:
    """The comparison key of a whole number: its digits (`3.0` is `3`)."""
    return str(int(value))


# USCC examples: GB 32100-2015's own example, and codes the tests build with the algorithm.
_USCC_EXAMPLE: Final = "91350100M000100Y43"

TYPES: Final[Mapping[FieldType, TypeSpec]] = MappingProxyType(
    {
        FieldType.TEXT: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("text"),
            doc={"en": "a string", "zh": "一段文字"},
            keys=TEXT_KEYS,
            allows_breaks=True,
            is_text=True,
            is_computable=True,
            unique_key=_as_is,
            valid=("Acme Ltd", "", "两行\n文字"),
            invalid=(3, True, ["a"]),
        ),
        FieldType.LONG_TEXT: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("text"),
            doc={
                "en": "a string of several lines (shown as a text area)",
                "zh": "多行文字（以多行文本框显示）",
            },
            keys=TEXT_KEYS,
            allows_breaks=True,
            is_text=True,
            is_computable=True,
            valid=("First line\nsecond line\tand a tab",),
            invalid=(3, 1.5, ["a"]),
        ),
        FieldType.INTEGER: TypeSpec(
            json_type="integer",
            value_type=ValueType.NUMBER,
            expected=N_("a whole number"),
            doc={"en": "a whole number (`3.0` counts as `3`)", "zh": "整数（`3.0` 视为 `3`）"},
            keys=RANGE_KEYS,
            unique_key=_whole_number,
            valid=(0, -5, 3.0),
            invalid=(1.5, "3", True),
        ),
        FieldType.DECIMAL: TypeSpec(
            json_type="number",
            value_type=ValueType.NUMBER,
            expected=N_("a number"),
            doc={"en": "a number", "zh": "数字"},
            keys=RANGE_KEYS,
            is_computable=True,
            valid=(0, 2.5, -1),
            invalid=("2.5", False),
        ),
        FieldType.PERCENT: TypeSpec(
            json_type="number",
            value_type=ValueType.NUMBER,
            expected=N_("a fraction (0.3 for 30%)"),
            doc={
                "en": "a fraction: `0.3` is 30% (as the credit term `prepayment_pct`)",
                "zh": "比例（小数）：`0.3` 即 30%（与信用条件 `prepayment_pct` 相同）",
            },
            keys=RANGE_KEYS,
            is_computable=True,
            valid=(0.3, 0, 1, 1.5),
            invalid=("30%", True),
        ),
        FieldType.MONEY: TypeSpec(
            json_type="number",
            value_type=ValueType.MONEY,
            expected=N_("an amount: a number, or an amount and a currency code"),
            doc={
                "en": "a number, in the workspace's base currency, or an amount in a currency: "
                '`{"amount": 1200.5, "currency": "USD"}` (ISO 4217); see [Money](#money)',
                "zh": "数字（以工作区的本位币计），或某一货币的金额："
                '`{"amount": 1200.5, "currency": "USD"}`（ISO 4217）；见[金额](#金额)',
            },
            keys=RANGE_KEYS,
            refused="bad-money",
            is_computable=True,
            normalise=money.normalised,
            alternative=money.object_schema,
            valid=(1_000_000, 12.5, {"amount": 1200.5, "currency": "USD"}),
            invalid=(
                "1,000",
                True,
                {"amount": 5},
                {"amount": "5", "currency": "USD"},
                {"amount": 5, "currency": "usd"},
                {"amount": 5, "currency": "USD", "rate": 7},
            ),
        ),
        FieldType.BOOLEAN: TypeSpec(
            json_type="boolean",
            value_type=ValueType.BOOLEAN,
            expected=N_("true or false"),
            doc={"en": "`true` or `false`", "zh": "`true` 或 `false`"},
            is_computable=True,
            valid=(True, False),
            invalid=("true", 1, 0),
        ),
        FieldType.DATE: TypeSpec(
            json_type="string",
            value_type=ValueType.DATE,
            expected=N_("a date written YYYY-MM-DD"),
            doc={
                "en": "a date written `YYYY-MM-DD`, and a real day (`2024-02-30` is refused)",
                "zh": "写作 `YYYY-MM-DD` 的真实日期（`2024-02-30` 不接受）",
            },
            format="date",
            check=formats.is_iso_date,
            refused="bad-date",
            is_computable=True,
            valid=("2024-02-29", "2010-06-30"),
            invalid=("2024-02-30", "30/06/2010", "2024-1-1", 20240101),
        ),
        FieldType.DATETIME: TypeSpec(
            json_type="string",
            value_type=ValueType.DATE,
            expected=N_("a date and time written YYYY-MM-DDTHH:MM:SS with an offset (Z or +08:00)"),
            doc={
                "en": "an instant in ISO 8601 (RFC 3339) with its offset: "
                "`2026-03-01T09:30:00+08:00`, `2026-03-01T01:30:00.5Z`",
                "zh": "ISO 8601（RFC 3339）时间，须带时区偏移："
                "`2026-03-01T09:30:00+08:00`、`2026-03-01T01:30:00.5Z`",
            },
            format="date-time",
            check=formats.is_iso_datetime,
            refused="bad-datetime",
            valid=("2026-03-01T09:30:00+08:00", "2026-03-01T01:30:00.123456Z"),
            invalid=("2026-03-01T09:30:00", "2026-03-01 09:30:00+08:00", "2026-03-01", 5),
        ),
        FieldType.CHOICE: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("one of its options"),
            doc={"en": "one of `options`", "zh": "`options` 中的一项"},
            keys=OPTION_KEYS,
            refused="not-an-option",
            valid=("iso9001",),
            invalid=("ISO9001", 1),
        ),
        FieldType.MULTI_CHOICE: TypeSpec(
            json_type="array",
            value_type=ValueType.RECORD,
            expected=N_("a list of its options"),
            doc={
                "en": "a list of distinct `options` (`[]` when none applies)",
                "zh": "`options` 中互不重复的若干项组成的列表（都不适用时为 `[]`）",
            },
            keys=OPTION_KEYS,
            refused="not-an-option",
            valid=([], ["iso9001"], ["iso14001", "iso9001"]),
            invalid=("iso9001", ["iso9001", "iso9001"], ["iso45001"], [1]),
        ),
        FieldType.EMAIL: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("an e-mail address such as name@example.com"),
            doc={
                "en": "an e-mail address `name@example.com`: ASCII, at most 254 characters, a "
                "domain of two or more labels; no quoted names, comments or IP addresses",
                "zh": "电子邮件地址 `name@example.com`：ASCII 字符，最多 254 个，域名至少两段；"
                "不接受带引号的名字、注释或 IP 地址",
            },
            format="email",
            check=formats.is_email,
            refused="bad-email",
            max_length=formats.EMAIL_MAX_LENGTH,
            is_text=True,
            unique_key=_case_folded,
            valid=("li.lei@example.com", "finance+ar@acme.com.cn"),
            invalid=("li.lei@", "li lei@example.com", "li@localhost", "李雷@example.com", 5),
        ),
        FieldType.PHONE: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("a mainland China mobile or landline number such as 138 1234 5678"),
            doc={
                "en": "a mainland China phone number, stored as E.164 (`+8613812345678`); "
                "see [Phone numbers](#phone-numbers)",
                "zh": "中国大陆电话号码，以 E.164 格式保存（`+8613812345678`）；"
                "见[电话号码](#电话号码)",
            },
            format="phone",
            check=formats.is_phone,
            refused="bad-phone",
            max_length=formats.PHONE_MAX_LENGTH,
            is_text=True,
            normalise=_phone,
            unique_key=_as_is,
            valid=(
                "13812345678",
                "+86 138 1234 5678",
                "0086-138-1234-5678",
                "010-12345678",
                "0755 1234 5678",
                "+86 10 1234 5678",
                "+8613812345678",
            ),
            invalid=("12812345678", "1381234567", "12345678", "+1 650 555 0100", "010--12345678"),
        ),
        FieldType.URL: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("a web address starting with http:// or https://"),
            doc={
                "en": "an absolute `http://` or `https://` address (in lower case) with a host "
                "name, no spaces and no user name, at most 2,000 characters",
                "zh": "以小写 `http://` 或 `https://` 开头、带主机名的完整网址，不含空格和用户名，"
                "最多 2,000 个字符",
            },
            format="http-url",
            check=formats.is_http_url,
            refused="bad-url",
            max_length=formats.URL_MAX_LENGTH,
            is_text=True,
            unique_key=_as_is,
            valid=("https://www.example.com", "http://example.com:8080/a?b=c#d"),
            invalid=("www.example.com", "ftp://example.com", "https://", "javascript:alert(1)"),
        ),
        FieldType.COUNTRY: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("a two-letter country code (ISO 3166-1) such as CN"),
            doc={
                "en": "an ISO 3166-1 alpha-2 country code in capitals (`CN`, `DE`): the 249 "
                "codes of Babel's CLDR territories",
                "zh": "ISO 3166-1 两位字母国家或地区代码，大写（`CN`、`DE`）：取自 Babel 的 "
                "CLDR 地区列表，共 249 个",
            },
            refused="bad-country",
            enum=formats.COUNTRY_CODES,
            valid=("CN", "HK", "DE"),
            invalid=("cn", "CHN", "EU", "XX"),
        ),
        FieldType.CURRENCY: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("a currency code (ISO 4217) such as CNY"),
            doc={
                "en": "an ISO 4217 code in capitals (`CNY`, `USD`) of a currency that CLDR "
                "(through Babel) lists as legal tender in force somewhere",
                "zh": "ISO 4217 货币代码，大写（`CNY`、`USD`），限 CLDR（经由 Babel）列为现行"
                "法定货币的代码",
            },
            refused="bad-currency",
            enum=formats.CURRENCY_CODES,
            valid=("CNY", "USD", "EUR"),
            invalid=("cny", "RMB", "DEM", "XAU"),
        ),
        FieldType.USCC: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_(
                "a unified social credit code (18 characters with a valid check character)"
            ),
            doc={
                "en": "a unified social credit code (统一社会信用代码): 18 characters of "
                "`0-9A-HJ-NPQRTUWXY`, in capitals, whose check character is right (GB "
                "32100-2015); see [Unified social credit codes](#unified-social-credit-codes)",
                "zh": "统一社会信用代码：18 位，字符取自 `0-9A-HJ-NPQRTUWXY`，大写，校验码正确"
                "（GB 32100-2015）；见[统一社会信用代码](#统一社会信用代码)",
            },
            format="uscc",
            check=formats.is_uscc,
            refused="bad-uscc",
            pattern=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
            max_length=18,
            is_text=True,
            unique_key=_as_is,
            valid=(_USCC_EXAMPLE,),
            invalid=("91350100M000100Y44", "91350100M000100Y4", "91350100m000100y43", 5),
        ),
        FieldType.REFERENCE: TypeSpec(
            json_type="string",
            value_type=ValueType.TEXT,
            expected=N_("the reference (external_ref) of another customer"),
            doc={
                "en": "the `external_ref` of another customer (a parent company, a group), at "
                "most 200 characters; the engine checks it exists when the customer is written "
                "(see [References](#references))",
                "zh": "另一个客户的 `external_ref`（母公司、集团），最多 200 个字符；"
                "写入客户时引擎检查该客户存在（见[引用](#引用)）",
            },
            refused="bad-reference",
            # as an external_ref: no control characters (JSON Schema says so too)
            pattern=r"^[^\x00-\x1F\x7F-\x9F]*$(?![\s\S])",
            max_length=REFERENCE_MAX_LENGTH,
            is_text=True,
            unique_key=_as_is,
            valid=("C-1001", "集团总部"),
            invalid=(5, True, ["C-1001"], "x" * 201, "C-1\n001"),
        ),
        # the examples are of a group whose sub-fields are `EXAMPLE_SUB_FIELDS`
        FieldType.GROUP: TypeSpec(
            json_type="object",
            value_type=ValueType.RECORD,
            expected=N_("an object of its sub-fields"),
            doc={
                "en": "an object of its sub-fields (`fields`); with `multiple: true` a list of "
                "them; see [Groups](#groups)",
                "zh": "由其子字段（`fields`）组成的对象；`multiple: true` 时为这种对象的列表；"
                "见[字段组](#字段组)",
            },
            keys=GROUP_KEYS,
            valid=({"name": "Li Lei"}, {}),
            invalid=("Li Lei", 5, ["Li Lei"]),
        ),
    }
)

# The sub-fields of the group the examples of `TYPES[FieldType.GROUP]` are values of.
EXAMPLE_SUB_FIELDS: Final = "[{id: name, type: text}]"

TYPE_NAMES: Final[tuple[str, ...]] = tuple(str(kind) for kind in FieldType)
