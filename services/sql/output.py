"""Render a result as an aligned table, CSV or JSON text (for the CLI)."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any


def _text(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    """A JSON-safe value that keeps its meaning: exact numerics as strings, ISO dates, NULL as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, default=str))
    return str(value)


def unique_names(columns: list[str]) -> list[str]:
    """Column names as JSON object keys: a repeated name gets a suffix (`a`, `a_2`, `a_3`, skipping any name
    the result already has), so no column is lost when rows become objects."""
    taken = set(columns)
    seen: set[str] = set()
    named = []
    for name in columns:
        if name in seen:
            number = 2
            while f"{name}_{number}" in taken:
                number += 1
            name = f"{name}_{number}"
            taken.add(name)
        seen.add(name)
        named.append(name)
    return named


def renamed_columns(columns: list[str]) -> list[tuple[str, str]]:
    """(original, key) for each column whose JSON key differs from its name, to say so."""
    return [(old, new) for old, new in zip(columns, unique_names(columns), strict=True) if old != new]


def json_records(columns: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows as objects keyed by column name (repeated names suffixed, see unique_names), JSON-safe values."""
    keys = unique_names(columns)
    return [{k: json_value(v) for k, v in zip(keys, row, strict=True)} for row in rows]


def render(fmt: str, columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """`fmt` is table, csv or json. NULL stays distinct from the empty string in every format; in JSON a
    repeated column name is suffixed (`a`, `a_2`) rather than lost."""
    if fmt == "json":
        return json.dumps(json_records(columns, rows), indent=2, default=str) + "\n"
    if fmt == "csv":
        return csv_line(columns) + "".join(csv_line(row) for row in rows)
    cells = [[_text(v) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def csv_field(value: Any) -> str:
    """One CSV field as Postgres's CSV format writes it: NULL is empty, an empty string is \"\"."""
    if value is None:
        return ""
    text = _text(value)
    if text == "" or any(ch in text for ch in ',"\n\r') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Any) -> str:
    """A CSV record with a newline."""
    return ",".join(csv_field(v) for v in values) + "\n"
