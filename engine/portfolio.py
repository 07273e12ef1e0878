"""A seeded, deterministic synthetic B2B portfolio for the demo and benchmarks. Pure: no I/O.

Records match the example template's customer form (examples/manufacturing_credit) plus the
initial credit terms and the customer's reference, name and department, as one flat dict, so a
record can be scored as is or split for an upsert (`upsert_parts`).

Record `i` of seed `s` is drawn from its own `random.Random(f"{s}:{i}")`, so the first k records
of an n-record portfolio equal the k-record portfolio and any record can be rebuilt alone. Only
`random()`, `randrange()` and integer arithmetic are used, so a seed gives the same records on
every platform.

A latent distress class (calm, watch, distressed) makes the signals co-occur as in a real book:
late payers also get sued, lose orders and are in the news. The probabilities are calibrated so
that the example ruleset gives about 74% low / 15% medium / 11% high (SCORECARD.md, "Input"; seed 7,
50,000 customers: 74.4% / 14.2% / 11.4%, 2.27 rules fired per customer), and
about 3% of each thresholded value sits exactly on its rule's threshold (90 days, 0.9 utilisation,
2.0 years, -40.0 %) so that `<` versus `<=` mistakes show up.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, Final, NamedTuple

import forms

Record = dict[str, Any]

INDUSTRIES: Final = (
    ("manufacturing", 30),
    ("retail", 18),
    ("internet", 10),
    ("construction", 16),
    ("trade", 16),
    ("energy", 10),
)
PAYMENT_TERMS: Final = ((30, 35), (45, 25), (60, 25), (90, 15))

# Domestic customers: city → the sales department that covers it.
CITIES: Final = (
    ("上海", "East"),
    ("杭州", "East"),
    ("苏州", "East"),
    ("宁波", "East"),
    ("南京", "East"),
    ("无锡", "East"),
    ("温州", "East"),
    ("北京", "North"),
    ("天津", "North"),
    ("青岛", "North"),
    ("济南", "North"),
    ("大连", "North"),
    ("沈阳", "North"),
    ("广州", "South"),
    ("深圳", "South"),
    ("东莞", "South"),
    ("佛山", "South"),
    ("厦门", "South"),
    ("成都", "West"),
    ("重庆", "West"),
    ("西安", "West"),
    ("武汉", "West"),
    ("长沙", "West"),
)
BRANDS: Final = (
    "恒达", "华盛", "金泰", "宏远", "鑫源", "永信", "中联", "瑞丰", "天成", "博雅",
    "新民", "海润", "泰和", "东方", "汇通", "锦程", "长荣", "隆基", "佳诚", "明辉",
    "正阳", "创新", "德胜", "安泰", "广宇", "凯达", "诚信", "富华", "万通", "盛世",
)  # fmt: skip
TRADES: Final = {
    "manufacturing": ("精密机械", "模具", "五金制品", "电子元件", "轴承", "汽车零部件"),
    "retail": ("商贸", "百货", "连锁超市", "家居用品"),
    "internet": ("网络科技", "信息技术", "数字科技"),
    "construction": ("建设工程", "建筑安装", "路桥工程", "装饰工程"),
    "trade": ("进出口贸易", "国际贸易", "供应链管理", "物资贸易"),
    "energy": ("新能源", "能源科技", "电力设备", "光伏科技"),
}
SUFFIXES: Final = (("有限公司", 8), ("股份有限公司", 2))

# Cross-border customers: country, usual settlement currency, name stems and legal forms.
FOREIGN: Final = (
    (
        "US",
        "USD",
        ("Lakeside", "Summit", "Redwood", "Granite", "Prairie", "Bayview", "Ironwood", "Keystone"),
        ("Inc.", "LLC"),
    ),
    (
        "DE",
        "EUR",
        ("Hanseatic", "Rheinland", "Nordwerk", "Alpen", "Elbtal", "Schwarzwald", "Main", "Isar"),
        ("GmbH", "AG"),
    ),
    (
        "HK",
        "HKD",
        ("Harbour Link", "Victoria Bay", "Kowloon", "Pearl River", "Lantau", "Tsim Sha Tsui"),
        ("Ltd.", "Holdings Ltd."),
    ),
    (
        "JP",
        "JPY",
        ("Kowa", "Nishida", "Sakura", "Yamato", "Fujimi", "Asahi", "Kanto", "Tokai"),
        ("K.K.", "Co., Ltd."),
    ),
    (
        "SG",
        "USD",
        ("Pacific Rim", "Straits", "Lion City", "Marina", "Jurong", "Temasek Bay"),
        ("Pte. Ltd.", "Holdings Pte. Ltd."),
    ),
)
FOREIGN_TRADES: Final = (
    "Components", "Industrial Supply", "Machinery", "Trading", "Precision", "Engineering",
    "Metals", "Tooling",
)  # fmt: skip
FOREIGN_DEPARTMENT: Final = "International"
CROSS_BORDER_RATE: Final = 0.28
CROSS_BORDER_IN_CNY: Final = 0.285
PREPAID_RATE: Final = 0.03
PREPAID_WITH_BALANCE: Final = 0.4

# Share of records sitting exactly on each thresholded field's threshold.
ON_THRESHOLD: Final = 0.03

# The latent distress classes: their share of the book, then each signal's chance in each class.
CLASS_SHARES: Final = (0.69, 0.19, 0.12)  # calm, watch, distressed
SIGNALS: Final[Mapping[str, tuple[float, float, float]]] = {
    # signal: (calm, watch, distressed); the rule's overall fire rate, seed 7, 50,000 customers
    "severe_overdue": (0.006, 0.19, 0.58),  # 10.9%
    "moderate_overdue": (0.07, 0.60, 0.45),  # of those not severely overdue: 16.3% of all
    "invoices": (0.055, 0.56, 0.80),  # 24.1%
    "late_payer": (0.025, 0.36, 0.47),  # 14.3%
    "lawsuits": (0.004, 0.10, 0.35),  # 6.4%
    "enforcement": (0.0, 0.012, 0.50),  # 6.2%; always high risk in the example ruleset
    "utilisation": (0.033, 0.09, 0.17),  # 6.0%
    "young": (0.16, 0.25, 0.30),  # 19.2%
    "order_drop": (0.018, 0.22, 0.38),  # 9.8%
    "contact_drop": (0.055, 0.20, 0.30),  # 11.1%
    "news": (0.02, 0.24, 0.43),  # 11.0%
    "equity": (0.13, 0.24, 0.30),  # 17.3%
    "guarantee": (0.20, 0.14, 0.10),  # 17.6%
    "large_capital": (0.13, 0.07, 0.05),  # 10.9%
}


class UpsertParts(NamedTuple):
    """A generated record split the way a customer upsert takes it."""

    ref: str
    name: str
    department: str
    data: dict[str, Any]
    terms: dict[str, Any]


TERMS_FIELDS: Final = ("credit_limit", "payment_terms_days")
MOBILE_PREFIXES: Final = ("130", "135", "138", "139", "150", "158", "176", "186", "189")
IDENTITY_FIELDS: Final = ("external_ref", "department")  # `name` is also a form field


def _weighted(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    pick = rng.randrange(sum(weight for _, weight in choices))
    for value, weight in choices:
        if pick < weight:
            return value
        pick -= weight
    raise AssertionError("unreachable")


def _tenths(rng: random.Random, low: int, high: int) -> float:
    """A one-decimal float in [low/10, high/10], exactly as `round(x, 1)` would write it."""
    return rng.randint(low, high) / 10


class _Draw:
    """The random source of one record: its distress class and the signals conditioned on it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        pick = rng.random()
        calm, watch, _ = CLASS_SHARES
        self.klass = 0 if pick < calm else 1 if pick < calm + watch else 2

    def fires(self, signal: str) -> bool:
        return self.rng.random() < SIGNALS[signal][self.klass]

    def on_threshold(self, share: float = ON_THRESHOLD) -> bool:
        return self.rng.random() < share


def _company(rng: random.Random, industry: str) -> tuple[str, str]:
    """A domestic company's name and its department."""
    city, department = CITIES[rng.randrange(len(CITIES))]
    brand = BRANDS[rng.randrange(len(BRANDS))]
    trades = TRADES[industry]
    trade = trades[rng.randrange(len(trades))]
    return f"{city}{brand}{trade}{_weighted(rng, SUFFIXES)}", department


def customer(index: int, *, seed: int = 7) -> Record:
    """Customer number `index` of the portfolio of `seed`; a pure function of the two."""
    rng = random.Random(f"{seed}:{index}")
    draw = _Draw(rng)

    industry: str = _weighted(rng, INDUSTRIES)
    if rng.random() < CROSS_BORDER_RATE:
        country, currency, stems, forms = FOREIGN[rng.randrange(len(FOREIGN))]
        name = " ".join(
            (
                stems[rng.randrange(len(stems))],
                FOREIGN_TRADES[rng.randrange(len(FOREIGN_TRADES))],
                forms[rng.randrange(len(forms))],
            )
        )
        department = FOREIGN_DEPARTMENT
        if rng.random() < CROSS_BORDER_IN_CNY:
            currency = "CNY"
    else:
        country, currency = "CN", "CNY"
        name, department = _company(rng, industry)

    if draw.fires("large_capital"):
        capital = 50_000_000 if draw.on_threshold(0.2) else rng.randint(5_001, 200_000) * 10_000
    else:
        capital = rng.randint(10, 4_999) * 10_000

    if draw.fires("young"):
        years = _tenths(rng, 0, 19)
    else:
        years = 2.0 if draw.on_threshold() else _tenths(rng, 20, 400)

    # Overdue days: one field, three regions (above 90, 31 to 90, up to 30).
    if draw.fires("severe_overdue"):
        days = rng.randint(91, 365)
    elif draw.fires("moderate_overdue"):
        days = 90 if draw.on_threshold(0.1) else rng.randint(31, 89)
    elif draw.on_threshold(ON_THRESHOLD / 2):
        days = 30
    else:
        days = 0 if rng.random() < 0.6 else rng.randint(1, 29)

    if draw.fires("invoices"):
        invoices = 5 if draw.on_threshold(0.12) else rng.randint(6, 30)
    else:
        invoices = rng.randint(1, 4) if days > 0 else 0
    if invoices and not days:
        days = rng.randint(1, 15)  # an overdue invoice is overdue by at least a day

    terms_days: int = _weighted(rng, PAYMENT_TERMS)
    if draw.fires("late_payer"):
        late_tenths = rng.randint(301, 1200)
    elif draw.on_threshold():
        late_tenths = 300
    else:
        late_tenths = rng.randint(-100, 299)
    avg_days_to_pay = max(terms_days * 10 + late_tenths, 0) / 10

    if draw.fires("lawsuits"):
        lawsuits = 3 if draw.on_threshold(0.25) else rng.randint(4, 12)
    else:
        lawsuits = 0 if rng.random() < 0.8 else rng.randint(1, 2)

    enforcement = rng.randint(1, 6) if draw.fires("enforcement") else 0

    # Utilisation in integers, so that "exactly 0.9" is exact: outstanding = limit × 9 / 10.
    near_limit = draw.fires("utilisation")
    if rng.random() < PREPAID_RATE:
        limit = 0
        has_balance = rng.random() < PREPAID_WITH_BALANCE
        outstanding = rng.randint(1, 500) * 1_000 if has_balance else 0
    else:
        limit = rng.randint(5, 2_000) * 10_000
        if near_limit:
            outstanding = limit * rng.randint(901, 1_300) // 1_000
        elif draw.on_threshold():
            outstanding = limit * 9 // 10
        else:
            outstanding = limit * rng.randint(0, 899) // 1_000

    if draw.fires("order_drop"):
        order_change = _tenths(rng, -950, -401)
    elif draw.on_threshold():
        order_change = -40.0
    else:
        order_change = _tenths(rng, -399, 600)

    if draw.fires("contact_drop"):
        contact_change = -50.0 if draw.on_threshold(0.25) else _tenths(rng, -1000, -501)
    else:
        contact_change = _tenths(rng, -499, 800)

    if draw.fires("news"):
        news = 2 if draw.on_threshold(0.25) else rng.randint(3, 10)
    else:
        news = 0 if rng.random() < 0.85 else 1

    if draw.fires("equity"):
        equity = 2 if draw.on_threshold(0.25) else rng.randint(3, 6)
    else:
        equity = 0 if rng.random() < 0.7 else 1

    return {
        "external_ref": f"C{index:07d}",
        "name": name,
        "department": department,
        "industry": industry,
        "country": country,
        "is_cross_border": country != "CN",
        "settlement_currency": currency,
        "registered_capital": capital,
        "years_in_business": years,
        "outstanding_balance": outstanding,
        "max_overdue_days": days,
        "overdue_invoice_count": invoices,
        "avg_days_to_pay": avg_days_to_pay,
        "lawsuit_count_12m": lawsuits,
        "enforcement_records": enforcement,
        "negative_news_30d": news,
        "equity_changes_12m": equity,
        "order_volume_change_pct": order_change,
        "contact_frequency_change_pct": contact_change,
        "has_guarantee": draw.fires("guarantee"),
        "uscc": uscc(index, seed=seed),
        "website": f"https://c{index:07d}.example.com",
        "contact_email": f"finance@c{index:07d}.example.com",
        "contact_phone": contact_phone(index, seed=seed),
        "credit_notes": "Synthetic customer of the demo portfolio.",
        "credit_limit": limit,
        "payment_terms_days": terms_days,
    }


# The administrative divisions (GB/T 2260) of a few cities, for unified social credit codes.
DIVISIONS: Final = ("110108", "310115", "440300", "330106", "320506", "510107", "420106")


def uscc(index: int, *, seed: int = 7) -> str:
    """The unified social credit code of customer `index`: a company (91), a city's division, a
    random organisation code and its check character (GB 32100-2015), from its own random
    source so that adding it changed no other value of the portfolio."""
    rng = random.Random(f"{seed}:{index}:uscc")
    characters = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    head = "91" + DIVISIONS[rng.randrange(len(DIVISIONS))]
    head += "".join(characters[rng.randrange(len(characters))] for _ in range(9))
    return head + forms.uscc_check_character(head)


def contact_phone(index: int, *, seed: int = 7) -> str:
    """The mobile number of customer `index` (a sensitive field of the example form), drawn from
    its own random source so that adding it changed no other value of the portfolio."""
    rng = random.Random(f"{seed}:{index}:phone")
    prefix = MOBILE_PREFIXES[rng.randrange(len(MOBILE_PREFIXES))]
    return f"{prefix}{rng.randrange(100_000_000):08d}"


def generate_customers(n: int, *, seed: int = 7) -> Iterator[Record]:
    """The first `n` customers of the portfolio of `seed`, in order, as flat records.

    Each record holds `external_ref`, `name`, `department`, every field of the example customer
    form and the initial terms `credit_limit` and `payment_terms_days`. The first k records of
    any n-portfolio are the k-portfolio.
    """
    for index in range(n):
        yield customer(index, seed=seed)


def upsert_parts(record: Mapping[str, Any]) -> UpsertParts:
    """Split a generated record into reference, name, department, form data and terms."""
    data = {
        key: value
        for key, value in record.items()
        if key not in IDENTITY_FIELDS and key not in TERMS_FIELDS
    }
    terms = {key: record[key] for key in TERMS_FIELDS if key in record}
    return UpsertParts(
        ref=str(record["external_ref"]),
        name=str(record["name"]),
        department=str(record["department"]),
        data=data,
        terms=terms,
    )


# --- a year of history ----------------------------------------------------------------------------

HISTORY_MONTHS: Final = 12
RECOVERED_RATE: Final = 0.25  # of the customers calm now, those that went through a bad spell
SUDDEN_RATE: Final = 0.3  # of those in distress now, those calm until the last month


def past_states(customer: Mapping[str, Any], *, seed: int) -> list[tuple[int, Record]]:
    """How a generated `customer` stood in each of the past HISTORY_MONTHS months, oldest first:
    `(months_ago, the form data then)`, for the demo to replay as monthly updates, so its
    customers have a year of assessments and their tiers move as a real book's do.

    A customer in distress now (overdue past 90 days, court enforcement or lawsuits) got there
    over the year: calm a year ago, worsening month by month (three in ten all at once, at the
    last month's update). A quarter of the calm ones went through a bad spell (half a year ago:
    overdue for four months, a court enforcement order for two) and recovered. The others drift
    a little (days to pay, order volume), so every month is assessed. A pure function of the
    customer's reference and `seed`.
    """
    rng = random.Random(f"{seed}:history:{customer['external_ref']}")
    final = upsert_parts(customer).data
    days = int(final.get("max_overdue_days") or 0)
    distressed = days > 90 or final.get("enforcement_records") or final.get("lawsuit_count_12m")
    recovered = not distressed and rng.random() < RECOVERED_RATE
    sudden = bool(distressed) and rng.random() < SUDDEN_RATE
    states = []
    for months_ago in range(HISTORY_MONTHS, 0, -1):
        state = dict(final)
        drift = rng.randint(-4, 4)
        state["avg_days_to_pay"] = max(0.0, float(final.get("avg_days_to_pay") or 0) + drift)
        change = float(final.get("order_volume_change_pct") or 0) + rng.randint(-5, 5)
        state["order_volume_change_pct"] = max(-100.0, change)
        if sudden:  # calm until the last month's update, in distress since
            if months_ago > 1:
                state.update(
                    max_overdue_days=min(days, 20), overdue_invoice_count=0, lawsuit_count_12m=0,
                    enforcement_records=0, negative_news_30d=0,
                )  # fmt: skip
        elif distressed:
            share = (HISTORY_MONTHS - months_ago) / HISTORY_MONTHS  # 0 a year ago, nearly 1 now
            state["max_overdue_days"] = round(days * share * share)
            state["overdue_invoice_count"] = round(
                int(final.get("overdue_invoice_count") or 0) * share
            )
            state["lawsuit_count_12m"] = round(int(final.get("lawsuit_count_12m") or 0) * share)
            if months_ago > 2:
                state["enforcement_records"] = 0
            if months_ago > 1:
                state["negative_news_30d"] = 0
        elif recovered and 4 <= months_ago <= 7:
            state["max_overdue_days"] = 95 + rng.randint(0, 60)
            state["overdue_invoice_count"] = max(int(final.get("overdue_invoice_count") or 0), 2)
            if months_ago in (5, 6):  # an enforcement order, lifted once the debt was paid
                state["enforcement_records"] = 1
        states.append((months_ago, state))
    return states


# --- events ------------------------------------------------------------------------------------

COURTS: Final = ("人民法院", "中级人民法院")
LAWSUIT_STATUSES: Final = ("filed", "in_trial", "judged")
MAX_INVOICE_EVENTS: Final = 5  # "a few": the demo records each event in its own transaction


def _moment(rng: random.Random, day: date) -> str:
    """An ISO time on `day` during office hours, without offset (read in the workspace zone)."""
    at = datetime.combine(day, time(9, 0)) + timedelta(minutes=rng.randrange(9 * 60))
    return at.isoformat()


def _spread(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive whole amounts (in hundreds) adding up to about `total`."""
    if parts <= 0:
        return []
    hundreds = max(total // 100, parts)
    cuts = sorted(rng.sample(range(1, hundreds), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, hundreds]
    return [(bounds[i + 1] - bounds[i]) * 100 for i in range(parts)]


def generate_events(customer: Mapping[str, Any], *, seed: int, as_of: date) -> list[Record]:
    """A few events consistent with a generated `customer`, oldest first, none after `as_of`.

    `{kind, occurred_at, payload}` each: one `lawsuit` per lawsuit of the last 12 months (within
    365 days of `as_of`); one `overdue_invoice` per overdue invoice, up to five (the first overdue
    by exactly `max_overdue_days`, their amounts adding up to about the outstanding balance); and
    one to three recent `payment`s, late by about the customer's average. `occurred_at` is an ISO
    time without offset. Each payload is valid for the example template's form of its kind
    (forms/lawsuit.yaml, forms/overdue_invoice.yaml, forms/payment.yaml), amounts being numbers in
    CNY. A pure function of the customer's reference, `seed` and `as_of`.
    """
    ref = str(customer["external_ref"])
    rng = random.Random(f"{seed}:{ref}:events")
    events: list[Record] = []

    for _ in range(int(customer.get("lawsuit_count_12m") or 0)):
        day = as_of - timedelta(days=rng.randrange(365))
        events.append(
            {
                "kind": "lawsuit",
                "occurred_at": _moment(rng, day),
                "payload": {
                    "case_no": f"({day.year})民初{rng.randint(1_000, 99_999)}号",
                    "court": COURTS[rng.randrange(len(COURTS))],
                    "filed_on": day.isoformat(),
                    "role": "defendant",
                    "amount": rng.randint(5, 500) * 10_000,
                    "status": LAWSUIT_STATUSES[rng.randrange(len(LAWSUIT_STATUSES))],
                },
            }
        )

    invoices = min(int(customer.get("overdue_invoice_count") or 0), MAX_INVOICE_EVENTS)
    worst = int(customer.get("max_overdue_days") or 0)
    balance = int(customer.get("outstanding_balance") or 0)
    amounts = _spread(rng, balance, invoices) if balance else [0] * invoices
    for number, amount in enumerate(amounts):
        overdue = worst if number == 0 else rng.randint(1, max(worst, 1))
        day = as_of - timedelta(days=overdue)
        events.append(
            {
                "kind": "overdue_invoice",
                "occurred_at": _moment(rng, day),
                "payload": {
                    "invoice_no": f"INV-{ref}-{number + 1:03d}",
                    "amount": amount,
                    "due_date": day.isoformat(),
                    "days_overdue": overdue,
                },
            }
        )

    terms_days = int(customer.get("payment_terms_days") or 30)
    average = float(customer.get("avg_days_to_pay") or terms_days)
    for number in range(1 + rng.randrange(3)):
        late = max(round(average - terms_days) + rng.randint(-5, 5), 0)
        day = as_of - timedelta(days=rng.randint(1, 90))
        events.append(
            {
                "kind": "payment",
                "occurred_at": _moment(rng, day),
                "payload": {
                    "invoice_no": f"INV-{ref}-P{number + 1:02d}",
                    "amount": rng.randint(1, 200) * 1_000,
                    "paid_on": day.isoformat(),
                    "days_late": late,
                },
            }
        )

    events.sort(key=lambda event: (event["occurred_at"], event["kind"]))
    return events


__all__ = [
    "Record",
    "UpsertParts",
    "customer",
    "generate_customers",
    "generate_events",
    "upsert_parts",
]
