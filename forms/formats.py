"""The checks of formatted text values: dates, date-times, e-mail addresses, phone numbers, URLs,
country and currency codes, unified social credit codes. Pure: no I/O, no clock.

Each `is_*` function takes any value and answers whether it is a well-formed value of its kind;
`forms.field_types` names them as the JSON Schema formats of its field types. The country and
currency lists come from Babel's CLDR data (docs/forms.md, "Field types").
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final
from urllib.parse import urlsplit

from babel import Locale
from babel.core import get_global

# -- dates -------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
# RFC 3339 (the JSON Schema `date-time` format): seconds required, a fraction of up to 6 digits,
# and an offset (`Z` or ±HH:MM), so that the instant is never a guess.
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})", re.ASCII
)


def is_iso_date(value: object) -> bool:
    """`YYYY-MM-DD` exactly, and a real day (`2024-02-30` is not)."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_iso_datetime(value: object) -> bool:
    """`YYYY-MM-DDTHH:MM:SS[.ffffff]` then `Z` or `±HH:MM`, and a real instant."""
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


# -- e-mail and URLs ---------------------------------------------------------------------------

EMAIL_MAX_LENGTH: Final = 254  # RFC 5321's limit on a forward path
URL_MAX_LENGTH: Final = 2000
# A mailbox as people write one: a dot-atom local part, '@', a domain of at least two labels of
# letters, digits and inner hyphens. No quoted local parts, comments or IP literals.
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?",
    re.ASCII,
)


def is_email(value: object) -> bool:
    """An e-mail address `local@example.com` of at most 254 characters (ASCII only)."""
    return (
        isinstance(value, str)
        and len(value) <= EMAIL_MAX_LENGTH
        and len(value.partition("@")[0]) <= 64
        and _EMAIL.fullmatch(value) is not None
    )


def is_http_url(value: object) -> bool:
    """An absolute `http://` or `https://` URL with a host name, no spaces, ≤ 2000 characters."""
    if not isinstance(value, str) or len(value) > URL_MAX_LENGTH:
        return False
    if any(char.isspace() or ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # a port that is no number raises
    except ValueError:
        return False
    del port
    host = parts.hostname
    return (
        parts.scheme in ("http", "https")
        and value.split(":", 1)[0] in ("http", "https")  # lower case, as written
        and host is not None
        and _HOST.fullmatch(host) is not None
        and "@" not in parts.netloc  # no user:password@ in a link a team shares
    )


# -- phone numbers (mainland China) --------------------------------------------------------------

PHONE_MAX_LENGTH: Final = 32
# After removing spaces and hyphens: an optional +86 or 0086, then a mobile number
# 1[3-9]XXXXXXXXX, or a landline with its area code: 10 or 2X and 8 digits, or a 3-digit area
# code 3XX-9XX and 7 or 8 digits; without a country code a landline keeps its trunk 0.
_PHONE = re.compile(
    r"(?:(?:\+86|0086)(?P<intl>1[3-9]\d{9}|(?:10|2\d)\d{8}|[3-9]\d{9,10})"
    r"|(?P<mobile>1[3-9]\d{9})|0(?P<landline>(?:10|2\d)\d{8}|[3-9]\d{9,10}))",
    re.ASCII,
)
_PHONE_SEPARATORS = re.compile(r"(?<=\d)[ -](?=\d)", re.ASCII)


def e164_phone(value: object) -> str | None:
    """The phone number as E.164 (`+8613812345678`, `+861012345678`), or None when `value` is
    not a mainland mobile or landline number as docs/forms.md describes."""
    if not isinstance(value, str) or len(value) > PHONE_MAX_LENGTH:
        return None
    digits = _PHONE_SEPARATORS.sub("", value)  # "+86 138-1234-5678" → "+8613812345678"
    match = _PHONE.fullmatch(digits)
    if match is None:
        return None
    national = match["intl"] or match["mobile"] or match["landline"]
    return "+86" + national


def is_phone(value: object) -> bool:
    """A mainland mobile or landline number (`e164_phone` reads it)."""
    return e164_phone(value) is not None


# -- country and currency codes (Babel's CLDR data) ----------------------------------------------

# CLDR's two-letter territories that ISO 3166-1 does not assign: regions and groupings (EU, EZ,
# UN, QO), the exceptionally reserved codes CLDR lists as their own territories (AC, CP, CQ, DG,
# EA, IC, TA), the pseudo-locales (XA, XB), Kosovo's user-assigned XK and the unknown ZZ.
_NOT_ISO_3166: Final = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)

COUNTRY_CODES: Final[tuple[str, ...]] = tuple(
    sorted(
        code
        for code in map(str, Locale("en").territories)
        if len(code) == 2 and code.isalpha() and code not in _NOT_ISO_3166
    )
)


def _current_currencies() -> tuple[str, ...]:
    """ISO 4217 codes that CLDR knows as legal tender in force in some territory today."""
    found: set[str] = set()
    for periods in get_global("territory_currencies").values():
        for code, _start, end, is_tender in periods:
            if end is None and is_tender:
                found.add(code)
    return tuple(sorted(found))


CURRENCY_CODES: Final[tuple[str, ...]] = _current_currencies()
_COUNTRIES: Final = frozenset(COUNTRY_CODES)
_CURRENCIES: Final = frozenset(CURRENCY_CODES)


def is_country(value: object) -> bool:
    """An ISO 3166-1 alpha-2 country code in capitals: `CN`, `DE`."""
    return isinstance(value, str) and value in _COUNTRIES


def is_currency(value: object) -> bool:
    """An ISO 4217 code of a currency in use, in capitals: `CNY`, `USD`."""
    return isinstance(value, str) and value in _CURRENCIES


# -- unified social credit codes (GB 32100-2015) -------------------------------------------------

# GB 32100-2015 §4: the 31 characters of a code, each worth its index; I, O, Z, S and V are not
# used (too easily read as 1, 0, 2, 5 and U).
USCC_CHARACTERS: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE: Final = {char: index for index, char in enumerate(USCC_CHARACTERS)}
# GB 32100-2015 §5: the weight of position i (1-based) is 3^(i-1) mod 31.
USCC_WEIGHTS: Final = tuple(pow(3, index, 31) for index in range(17))
_USCC = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", re.ASCII)


def uscc_check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 are `first17` (GB 32100-2015 §5):
    C18 = 31 − (Σ Ci·Wi mod 31), where 31 is written 0. Raises ValueError unless `first17` is
    17 characters of the code's set."""
    if len(first17) != 17 or any(char not in _USCC_VALUE for char in first17):
        raise ValueError(
            f"not the first 17 characters of a unified social credit code: {first17!r}"
        )
    total = sum(
        _USCC_VALUE[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARACTERS[(31 - total % 31) % 31]


def is_uscc(value: object) -> bool:
    """18 characters of the code's set (upper case; positions 3-8, the administrative division,
    digits) whose last is the check character of the first 17."""
    return (
        isinstance(value, str)
        and _USCC.fullmatch(value) is not None
        and uscc_check_character(value[:17]) == value[17]
    )
