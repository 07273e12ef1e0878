"""Every field type: the registry is complete, each type takes its valid values and refuses its
invalid ones (validation and JSON Schema alike), and what the rules read of it."""

from __future__ import annotations

import random
import string
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import dsl
import forms
from forms.field_types import EXAMPLE_OPTIONS, EXAMPLE_SUB_FIELDS
from tests.forms.conftest import FILENAME, with_fields

DOCS = Path(__file__).parents[2] / "docs"


def form_of(field_type: forms.FieldType, extra: str = "") -> forms.Form:
    """A form `f` with one field `v` of `field_type` (with EXAMPLE_OPTIONS when it has options)."""
    options = (
        f", options: [{', '.join(EXAMPLE_OPTIONS)}]" if "options" in field_type.spec.keys else ""
    )
    if "fields" in field_type.spec.keys:
        options = f", fields: {EXAMPLE_SUB_FIELDS}"
    return forms.load_form(
        with_fields(f"{{id: v, type: {field_type}{options}{extra}}}"), filename=FILENAME
    )


def test_the_registry_has_one_complete_entry_for_every_field_type() -> None:
    assert set(forms.TYPES) == set(forms.FieldType)
    assert tuple(str(kind) for kind in forms.FieldType) == forms.TYPE_NAMES
    for kind, spec in forms.TYPES.items():
        assert spec.json_type in ("string", "integer", "number", "boolean", "array", "object"), kind
        assert isinstance(spec.value_type, dsl.ValueType), kind
        assert spec.expected and set(spec.doc) == set(forms.LANGUAGES), kind
        assert spec.valid and spec.invalid, kind
        assert (spec.format is None) == (spec.check is None), kind
        assert kind.value_type is spec.value_type


@pytest.mark.parametrize(("path", "language"), [("forms.md", "en"), ("zh/forms.md", "zh")])
def test_the_docs_describe_every_field_type_as_the_registry_does(path: str, language: str) -> None:
    page = (DOCS / path).read_text(encoding="utf-8")
    for kind, spec in forms.TYPES.items():
        assert f"| `{kind}` | {spec.doc[language]} |" in page, kind
        assert f"`{spec.refused}`" in page, spec.refused  # the code of a refused value


def test_the_loader_reads_every_type_of_the_registry() -> None:
    for kind in forms.FieldType:
        assert form_of(kind).fields[0].type is kind


CASES = [(kind, value, True) for kind, spec in forms.TYPES.items() for value in spec.valid] + [
    (kind, value, False) for kind, spec in forms.TYPES.items() for value in spec.invalid
]


@pytest.mark.parametrize(("kind", "value", "is_valid"), CASES, ids=repr)
def test_each_type_takes_its_valid_values_and_refuses_its_invalid_ones(
    kind: forms.FieldType, value: Any, is_valid: bool
) -> None:
    form = form_of(kind)
    errors = forms.validate(form, {"v": value})
    if is_valid:
        assert errors == ()
    else:
        (error,) = errors
        assert error.path[0] == "v"  # or a part of it: the currency of a money object
        assert error.code in (
            "wrong-type", kind.spec.refused, "duplicate-choice", "too-long", "bad-currency"
        )


@pytest.mark.parametrize(("kind", "value", "is_valid"), CASES, ids=repr)
def test_the_json_schema_accepts_and_refuses_what_validation_does(
    kind: forms.FieldType, value: Any, is_valid: bool
) -> None:
    schema = form_of(kind).json_schema()
    validator = Draft202012Validator(schema, format_checker=forms.FORMATS)
    assert validator.is_valid({"v": value}) is is_valid


@pytest.mark.parametrize("kind", list(forms.FieldType))
def test_every_forms_json_schema_is_valid_draft_2020_12(kind: forms.FieldType) -> None:
    Draft202012Validator.check_schema(form_of(kind).json_schema())
    Draft202012Validator.check_schema(form_of(kind, ", required: true").json_schema())


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    if isinstance(value, str):
        return st.builds(
            lambda at, char: value[:at] + char + value[at + 1 :],
            st.integers(0, max(len(value), 1)),
            st.sampled_from([*"0aZ-+ .@:/I\n", "中", ""]),
        )
    return st.just(value)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_schema_and_validation_agree_on_mutated_examples(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(list(forms.FieldType)))
    spec = kind.spec
    value = data.draw(st.sampled_from([*spec.valid, *spec.invalid]).flatmap(_mutations))
    form = form_of(kind)
    validator = Draft202012Validator(form.json_schema(), format_checker=forms.FORMATS)
    assert validator.is_valid({"v": value}) is (forms.validate(form, {"v": value}) == ())


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        (forms.FieldType.LONG_TEXT, "a\x00b", "control-character"),
        (forms.FieldType.INTEGER, 2**63, "out-of-range"),
        (forms.FieldType.PERCENT, 1e17, "out-of-range"),
    ],
)
def test_what_json_schema_cannot_say_only_validation_refuses(
    kind: forms.FieldType, value: Any, code: str
) -> None:
    form = form_of(kind)
    assert Draft202012Validator(form.json_schema(), format_checker=forms.FORMATS).is_valid(
        {"v": value}
    )
    assert [e.code for e in forms.validate(form, {"v": value})] == [code]


def test_a_refused_value_says_what_the_type_expects() -> None:
    (error,) = forms.validate(form_of(forms.FieldType.COUNTRY), {"v": "XX"})
    assert (error.code, error.message) == (
        "bad-country",
        "V must be a two-letter country code (ISO 3166-1) such as CN, found the text 'XX'",
    )
    (error,) = forms.validate(form_of(forms.FieldType.PERCENT), {"v": "30%"})
    assert error.message == "V must be a fraction (0.3 for 30%), found the text '30%'"


def test_every_error_of_the_data_is_reported_at_once_with_its_path() -> None:
    form = forms.load_form(
        with_fields(
            "{id: email, type: email}",
            "{id: phone, type: phone}",
            "{id: site, type: url}",
            "{id: certs, type: multi_choice, options: [iso9001, iso14001]}",
            "{id: at, type: datetime}",
        ),
        filename=FILENAME,
    )
    errors = forms.validate(
        form,
        {
            "email": "x@",
            "phone": "123",
            "site": "ftp://x",
            "certs": ["iso9001", "iso9002"],
            "at": "noon",
        },
    )
    assert [(e.path, e.code) for e in errors] == [
        (("email",), "bad-email"),
        (("phone",), "bad-phone"),
        (("site",), "bad-url"),
        (("certs",), "not-an-option"),
        (("at",), "bad-datetime"),
    ]
    assert errors[3].message == (
        "Certs must be one of iso9001, iso14001, found the text 'iso9002'; did you mean 'iso9001'?"
    )


def test_a_repeated_choice_is_refused_by_name() -> None:
    (error,) = forms.validate(form_of(forms.FieldType.MULTI_CHOICE), {"v": ["iso9001"] * 2})
    assert (error.code, error.message) == (
        "duplicate-choice",
        "V lists the text 'iso9001' more than once",
    )


def test_a_required_multi_choice_needs_one_option() -> None:
    (error,) = forms.validate(form_of(forms.FieldType.MULTI_CHOICE, ", required: true"), {"v": []})
    assert (error.code, error.message) == ("required", "required field 'v' is empty")


def test_long_text_and_formatted_text_refuse_what_cannot_be_stored() -> None:
    (error,) = forms.validate(form_of(forms.FieldType.LONG_TEXT), {"v": "a\x00b"})
    assert error.code == "control-character"
    (error,) = forms.validate(form_of(forms.FieldType.EMAIL), {"v": "a@example.com\n"})
    assert error.code == "bad-email"


# -- stored shape ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138 1234 5678", "+8613812345678"),
        ("0086-138-1234-5678", "+8613812345678"),
        ("010-12345678", "+861012345678"),
        ("021 6123 4567", "+862161234567"),
        ("0755-1234567", "+867551234567"),
        ("0755 1234 5678", "+8675512345678"),
        ("+86 10 1234 5678", "+861012345678"),
    ],
)
def test_a_phone_number_is_stored_as_e164(written: str, stored: str) -> None:
    form = form_of(forms.FieldType.PHONE)
    assert forms.validate(form, {"v": written}) == ()
    assert forms.normalise(form, {"v": written}) == {"v": stored}
    assert forms.e164_phone(stored) == stored  # stored values validate again as they are


@pytest.mark.parametrize(
    "written",
    ["12012345678", "1381234567", "138123456789", "01012345", "(010) 12345678", "+85291234567"],
)
def test_a_phone_number_that_is_not_mainland_is_refused(written: str) -> None:
    (error,) = forms.validate(form_of(forms.FieldType.PHONE), {"v": written})
    assert error.code == "bad-phone"


def test_a_multi_choice_is_stored_in_the_order_of_its_options() -> None:
    form = form_of(forms.FieldType.MULTI_CHOICE)
    assert forms.normalise(form, {"v": ["ohsas18001", "iso9001"]}) == {
        "v": ["iso9001", "ohsas18001"]
    }


# -- unified social credit codes (GB 32100-2015) -------------------------------------------------

# The standard's character set and weights, written out here rather than taken from forms.
CHARACTERS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def generated_uscc(rng: random.Random) -> str:
    """A code built by GB 32100-2015's algorithm: 17 characters, then C18 = 31 − Σ mod 31."""
    head = (
        rng.choice("159ANY")
        + rng.choice("123459")
        + "".join(rng.choice(string.digits) for _ in range(6))
        + "".join(rng.choice(CHARACTERS) for _ in range(9))
    )
    total = sum(CHARACTERS.index(char) * weight for char, weight in zip(head, WEIGHTS, strict=True))
    return head + CHARACTERS[(31 - total % 31) % 31]


def test_codes_generated_by_the_algorithm_are_valid_and_any_other_check_character_is_not() -> None:
    rng = random.Random(32100)
    form = form_of(forms.FieldType.USCC)
    for _ in range(200):
        code = generated_uscc(rng)
        assert forms.validate(form, {"v": code}) == (), code
        assert forms.uscc_check_character(code[:17]) == code[17]
        wrong = rng.choice([c for c in CHARACTERS if c != code[17]])
        (error,) = forms.validate(form, {"v": code[:17] + wrong})
        assert error.code == "bad-uscc"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y43",  # the example of GB 32100-2015 itself
        "91440300708461136T",  # codes published on business licences
        "91110108551385082Q",
    ],
)
def test_published_codes_are_valid(code: str) -> None:
    assert forms.validate(form_of(forms.FieldType.USCC), {"v": code}) == ()


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "91350100M000100Y44",  # the check character is 3
        "91350100m000100y43",  # lower case
        "9135010OM000100Y43",  # O in the administrative division (digits only)
        "91350100M0001I0Y43",  # I is not in the character set
        "91350100M000100S43",  # nor S
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    (error,) = forms.validate(form_of(forms.FieldType.USCC), {"v": code})
    assert (error.code, error.path) == ("bad-uscc", ("v",))


# -- countries and currencies come from Babel --------------------------------------------------


def test_country_codes_are_iso_3166_alpha_2_from_babel() -> None:
    codes = forms.TYPES[forms.FieldType.COUNTRY].enum
    assert codes is not None and len(codes) == 249
    assert {"CN", "HK", "MO", "TW", "US", "DE"} <= set(codes)
    assert not {"EU", "UN", "XK", "ZZ", "001"} & set(codes)


def test_currency_codes_are_iso_4217_in_use() -> None:
    codes = forms.TYPES[forms.FieldType.CURRENCY].enum
    assert codes is not None
    assert {"CNY", "USD", "EUR", "HKD", "JPY"} <= set(codes)
    assert not {"DEM", "CNH", "XAU", "XXX"} & set(codes)


# -- what the rules read -------------------------------------------------------------------------

RULES = """\
ruleset r
form f
rule certified "ISO 9001 certified" when certs.iso9001 then subtract 5
rule recent "Registered this year" when registered_at >= 2026-01-01 then add 1
rule high_share "High share" when share > 50% then add 2
rule mailed "Has an address" when contact_email is present then add 3
tiers
  high when score >= 10
  low otherwise
"""


def _rules_form() -> forms.Form:
    return forms.load_form(
        with_fields(
            "{id: certs, type: multi_choice, options: [iso9001, iso14001, '45001']}",
            "{id: registered_at, type: datetime}",
            "{id: share, type: percent, min: 0, max: 1}",
            "{id: contact_email, type: email}",
        ),
        filename=FILENAME,
    )


def test_rules_read_a_multi_choice_as_true_or_false_per_option() -> None:
    schema = _rules_form().dsl_schema()
    assert schema["certs"].type is dsl.ValueType.RECORD
    assert schema["certs"].fields is not None
    assert set(schema["certs"].fields) == {"iso9001", "iso14001"}  # '45001' is no name
    program = dsl.compile_ruleset(RULES, filename="r.rules", schema=schema)
    as_of = date(2026, 6, 1)

    def fired(record: dict[str, Any]) -> list[str]:
        return [item.id for item in program.evaluate(record, as_of=as_of).fired]

    assert fired({"certs": ["iso9001"]}) == ["certified"]
    assert fired({"certs": ["iso14001"]}) == []
    assert fired({}) == []  # missing: false (rules-language §4)
    assert fired({"registered_at": "2026-03-01T09:30:00+08:00", "share": 0.6}) == [
        "recent",
        "high_share",
    ]
    assert fired({"contact_email": "a@example.com"}) == ["mailed"]


def test_a_rule_reading_an_option_a_multi_choice_lacks_is_told_where() -> None:
    source = RULES.replace("certs.iso9001", "certs.iso9002")
    with pytest.raises(dsl.RulesError) as raised:
        dsl.compile_ruleset(source, filename="r.rules", schema=_rules_form().dsl_schema())
    (diagnostic,) = raised.value.diagnostics
    assert dsl.render(diagnostic, source) == (
        "r.rules:3:48: error: unknown field 'certs.iso9002'; did you mean 'certs.iso9001'?\n"
        '    3 | rule certified "ISO 9001 certified" when certs.iso9002 then subtract 5\n'
        "      |                                                ^^^^^^^"
    )


def test_the_messages_of_the_new_types_are_said_in_chinese() -> None:
    from web.i18n import translator

    form = forms.load_form(
        with_fields(
            "{id: share, type: percent, label: {en: Share, zh: 占比}}",
            "{id: c, type: country, label: {en: Country, zh: 国家}}",
            "{id: m, type: multi_choice, options: [a, b], label: {en: M, zh: 多选}}",
        ),
        filename=FILENAME,
    )
    errors = forms.validate(form, {"share": "30%", "c": "XX", "m": ["a", "a"]})
    assert [e.message_in("zh", translator("zh").gettext) for e in errors] == [
        "占比应为比例小数（0.3 表示 30%），实际为文本 '30%'",
        "国家应为两位字母国家或地区代码（ISO 3166-1），如 CN，实际为文本 'XX'",
        "多选中文本 'a'重复出现",
    ]


def test_the_example_forms_and_the_terms_have_valid_draft_2020_12_schemas() -> None:
    folder = Path(__file__).parents[2] / "examples"
    paths = sorted(folder.glob("*/forms/*.yaml"))
    assert paths
    for path in paths:
        form = forms.load_form(path.read_text(encoding="utf-8"), filename=path.name)
        Draft202012Validator.check_schema(form.json_schema())
    Draft202012Validator.check_schema(forms.terms_json_schema())
