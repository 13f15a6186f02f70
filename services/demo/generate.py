"""Deterministic raw Odoo events for the demo warehouse (fixed seed, no I/O)."""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

SEED = 20251208
EXPENSES_PER_SCALE = 100_000
VENDOR_COUNT = 500
EMPLOYEE_COUNT = 300
FIRST_DAY = date(2024, 1, 1)
LAST_DAY = date(2025, 12, 31)

CATEGORY_CODES = ("MEAL", "TRVL", "LODG", "TRNS", "OFFC", "COMM", "SOFT", "TRNG", "PROF", "RENT", "UTIL", "REPR")
UNKNOWN_CATEGORY_CODES = ("MISC", "OLD-TRV", "GIFT", "X-ENT")
DEPARTMENTS = ("Finance", "Sales", "Engineering", "Operations", "Human Resources", "Marketing", "IT", "Legal")
CITIES = (("Manila", "Philippines"), ("Makati", "Philippines"), ("Quezon City", "Philippines"),
          ("Pasig", "Philippines"), ("Taguig", "Philippines"), ("Cebu City", "Philippines"),
          ("Davao City", "Philippines"), ("Iloilo City", "Philippines"), ("Singapore", "Singapore"),
          ("Hong Kong", "Hong Kong"), ("San Francisco", "United States"))
COUNTRY_IDS = {"Philippines": 177, "Singapore": 197, "Hong Kong": 98, "United States": 233}
FIRST_NAMES = ("Maria", "Jose", "Ana", "Juan", "Andrea", "Mark", "Kristine", "Paolo", "Camille", "Miguel",
               "Patricia", "Carlo", "Bea", "Rafael", "Angelica", "Joshua", "Nicole", "Gabriel", "Isabel",
               "Daniel", "Katrina", "Enrique", "Sofia", "Ramon", "Liza", "Victor", "Grace", "Antonio")
LAST_NAMES = ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza", "Torres", "Flores", "Villanueva",
              "Ramos", "Castillo", "Aquino", "Navarro", "Dela Cruz", "Fernandez", "Lopez", "Gonzales",
              "Tan", "Lim", "Sy", "Chua", "Ocampo", "Pascual", "Salazar", "Domingo", "Rivera")
VENDOR_WORDS = ("Manila", "Pacific", "Luzon", "Visayas", "Metro", "Island", "Golden", "Summit", "Prime",
                "Evergreen", "Harbor", "Sunrise", "Bayanihan", "Mabuhay", "Archipelago", "Coral", "Northpoint",
                "Silverline", "Bluewave", "Highland", "Cityline", "Orient", "Vista", "Pinnacle", "Sampaguita")
VENDOR_TRADES = ("Office Supplies", "Travel Services", "Catering", "Logistics", "IT Solutions", "Printing",
                 "Consulting", "Telecom", "Hotels", "Transport", "Software", "Training Center", "Realty",
                 "Power Utilities", "Repairs & Maintenance", "Legal Services")
VENDOR_SUFFIXES = ("Inc.", "Corp.", "Co.", "Trading", "Enterprises", "Holdings Inc.", "Group")
DESCRIPTIONS = {
    "MEAL": ("Client lunch", "Team dinner", "Working breakfast"),
    "TRVL": ("Flight to Cebu", "Flight to Singapore", "Airport transfer"),
    "LODG": ("Hotel stay", "Conference hotel", "Site visit lodging"),
    "TRNS": ("Grab rides", "Fuel reimbursement", "Parking and tolls"),
    "OFFC": ("Printer paper", "Office chairs", "Stationery"),
    "COMM": ("Mobile load", "Internet subscription", "Courier"),
    "SOFT": ("SaaS subscription", "Software licence", "Cloud credits"),
    "TRNG": ("Workshop fee", "Certification exam", "Online course"),
    "PROF": ("Audit fee", "Legal retainer", "Consulting fee"),
    "RENT": ("Office rent", "Equipment rental", "Event venue"),
    "UTIL": ("Electricity bill", "Water bill", "Generator fuel"),
    "REPR": ("Aircon repair", "Laptop repair", "Vehicle maintenance"),
}
# Odoo hr.expense states, as the raw events carry them.
ODOO_STATES = (("draft", 8), ("reported", 12), ("approved", 25), ("done", 50), ("refused", 5))
CURRENCIES = (("PHP", 1, 85), ("USD", 2, 10), ("EUR", 3, 5))


@dataclass(frozen=True)
class Vendor:
    vendor_id: int
    name: str
    tin: str
    city: str
    country: str


@dataclass(frozen=True)
class Employee:
    employee_id: int
    full_name: str
    department_id: int
    hired_on: date


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def vendors(rng: random.Random) -> list[Vendor]:
    """500 vendors with unique names and TINs."""
    names: set[str] = set()
    result = []
    for vendor_id in range(1, VENDOR_COUNT + 1):
        while True:
            name = f"{rng.choice(VENDOR_WORDS)} {rng.choice(VENDOR_TRADES)} {rng.choice(VENDOR_SUFFIXES)}"
            if name not in names:
                names.add(name)
                break
        city, country = rng.choice(CITIES) if rng.random() < 0.3 else rng.choice(CITIES[:8])
        tin = f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.choice(('000', '001'))}"
        result.append(Vendor(vendor_id, name, tin, city, country))
    return result


def employees(rng: random.Random) -> list[Employee]:
    """300 employees across eight departments."""
    result = []
    for employee_id in range(1, EMPLOYEE_COUNT + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        hired = date(2014, 1, 1) + timedelta(days=rng.randint(0, 365 * 11))
        result.append(Employee(employee_id, name, rng.randint(1, len(DEPARTMENTS)), hired))
    return result


def vendor_events(rng: random.Random, vendor_list: list[Vendor]) -> Iterator[tuple[int, str, str]]:
    """(event_id, received_at, payload) for every vendor, plus later updates for about one in five."""
    event_id = 0
    base = datetime(2023, 12, 1, 8, 0, tzinfo=UTC)
    for vendor in vendor_list:
        written = base + timedelta(minutes=vendor.vendor_id * 7)
        record = {"id": vendor.vendor_id, "name": vendor.name, "vat": vendor.tin, "city": vendor.city,
                  "country_id": [COUNTRY_IDS[vendor.country], vendor.country], "active": True,
                  "supplier_rank": 1, "write_date": _stamp(written)}
        event_id += 1
        yield event_id, written.isoformat(), json.dumps(record)
        if rng.random() < 0.2:
            updated = dict(record)
            updated["write_date"] = _stamp(written + timedelta(days=rng.randint(30, 600)))
            if rng.random() < 0.4:
                updated["active"] = False
            else:
                city, country = rng.choice(CITIES[:8])
                updated["city"], updated["country_id"] = city, [COUNTRY_IDS[country], country]
            event_id += 1
            yield event_id, updated["write_date"].replace(" ", "T") + "+00:00", json.dumps(updated)


def _picker(rng: random.Random, options: tuple, weights: list[float]):
    """A fast weighted choice (rng.choices rebuilds its tables on every call)."""
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]

    def pick():
        return options[bisect.bisect_right(cumulative, rng.random() * total)]

    return pick


def _malformed(rng: random.Random, record: dict) -> dict:
    """One of the ways real feeds break: missing or unparseable required fields."""
    broken = dict(record)
    kind = rng.randrange(4)
    if kind == 0:
        del broken["total_amount"]
    elif kind == 1:
        broken["total_amount"] = rng.choice(("N/A", "1,250.00", ""))
    elif kind == 2:
        broken["date"] = rng.choice(("31/02/2025", "2025-13", "yesterday"))
    else:
        del broken["id"]
    return broken


def _record(expense_id: int, name: str, day: str, employee_json: str, hired_on: str, vendor_json: str,
            code: str, amount: float, currency_json: str, state: str, written: str) -> str:
    """The hr.expense payload as JSON text, assembled from pre-encoded parts (the generator's hot path)."""
    return (f'{{"id": {expense_id}, "name": "{name}", "date": "{day}", {employee_json}, '
            f'"employee_first_contract_date": "{hired_on}", "partner_id": {vendor_json}, '
            f'"x_category_code": "{code}", "total_amount": {amount!r}, "currency_id": {currency_json}, '
            f'"state": "{state}", "write_date": "{written}"}}')


def expense_events(rng: random.Random, scale: int, vendor_list: list[Vendor],
                   employee_list: list[Employee]) -> Iterator[tuple[int, str, str]]:
    """Raw hr.expense events: scale × 100,000 expenses, ~1% exact duplicates, ~0.5% malformed."""
    days = (LAST_DAY - FIRST_DAY).days + 1
    day_strings = [(FIRST_DAY + timedelta(days=d)).isoformat() for d in range(days + 21)]
    employees_json = [
        (json.dumps({"employee_id": [e.employee_id, e.full_name],
                     "department_id": [e.department_id, DEPARTMENTS[e.department_id - 1]]})[1:-1],
         e.hired_on.isoformat())
        for e in employee_list
    ]
    vendors_json = [json.dumps([v.vendor_id, v.name]) for v in vendor_list]
    currencies = [(code, json.dumps([currency_id, code])) for code, currency_id, _ in CURRENCIES]
    pick_currency = _picker(rng, tuple(currencies), [w for _, _, w in CURRENCIES])
    pick_state = _picker(rng, tuple(s for s, _ in ODOO_STATES), [w for _, w in ODOO_STATES])
    event_id = 0
    for expense_id in range(1, EXPENSES_PER_SCALE * scale + 1):
        day = rng.randrange(days)
        employee_json, hired_on = employees_json[rng.randrange(len(employees_json))]
        vendor_json = "false" if rng.random() < 0.02 else vendors_json[rng.randrange(len(vendors_json))]
        code = rng.choice(UNKNOWN_CATEGORY_CODES) if rng.random() < 0.05 else rng.choice(CATEGORY_CODES)
        currency, currency_json = pick_currency()
        base_amount = rng.lognormvariate(7.6, 1.0) if currency == "PHP" else rng.lognormvariate(4.2, 0.9)
        amount = round(min(base_amount, 999_999.0), 2)
        state = pick_state()
        minutes = rng.randrange(60 * 24 * 20)
        written_day = day_strings[day + minutes // 1440]
        clock = f"{(minutes % 1440) // 60:02d}:{minutes % 60:02d}:00"
        written = f"{written_day} {clock}"
        name = rng.choice(DESCRIPTIONS.get(code, ("Miscellaneous expense",)))
        payload = _record(expense_id, name, day_strings[day], employee_json, hired_on, vendor_json, code,
                          amount, currency_json, state, written)
        received = f"{written_day}T{clock}+00:00"
        event_id += 1
        yield event_id, received, payload
        if rng.random() < 0.01:
            event_id += 1
            yield event_id, received, payload
        if rng.random() < 0.005:
            event_id += 1
            yield event_id, received, json.dumps(_malformed(rng, json.loads(payload)))


def all_events(scale: int) -> tuple[Iterator[tuple[int, str, str]], Iterator[tuple[int, str, str]]]:
    """Vendor and expense event streams for `scale`, identical on every call."""
    rng = random.Random(SEED)
    vendor_list = vendors(rng)
    employee_list = employees(rng)
    vendor_rows = list(vendor_events(rng, vendor_list))
    return iter(vendor_rows), expense_events(rng, scale, vendor_list, employee_list)


def copy_text(rows: Iterator[tuple[int, str, str]]) -> Iterator[str]:
    """Rows in COPY's text format, in batches (JSON text has no raw tabs or newlines; backslashes doubled)."""
    batch: list[str] = []
    for event_id, received_at, payload in rows:
        batch.append(f"{event_id}\t{received_at}\t{payload.replace(chr(92), chr(92) * 2)}\n")
        if len(batch) >= 5000:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def main() -> None:
    """`python -m services.demo.generate SCALE`: expense events as COPY text on stdout.

    The loader runs this in a second process so generation and Postgres's parsing use both cores."""
    import sys

    scale = int(sys.argv[1])
    _, expenses = all_events(scale)
    out = sys.stdout
    for chunk in copy_text(expenses):
        out.write(chunk)
    out.flush()


if __name__ == "__main__":
    main()
