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


def render(fmt: str, columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """`fmt` is table, csv or json. NULL stays distinct from the empty string in every format."""
    if fmt == "json":
        return json.dumps([{c: json_value(v) for c, v in zip(columns, row, strict=True)} for row in rows],
                          indent=2, default=str) + "\n"
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
