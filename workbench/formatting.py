"""How numbers, sizes and moments read on a page."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from datetime import datetime
from typing import Any

NULL = "\u2400NULL"  # how a NULL cell travels to the browser, unlike any string a query can return


def when(moment: datetime | None) -> str:
    """2026-11-26 09:30, or empty."""
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def size(num_bytes: int | None) -> str:
    """1.2 MB; '—' when unknown (views have no size)."""
    if num_bytes is None:
        return "—"
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def rows(count: int | None, exact: bool) -> str:
    """12,345 when counted, ~12,345 when estimated, '—' when the planner has no estimate yet."""
    if count is None:
        return "—"
    return f"{count:,}" if exact else f"~{count:,}"


def score(value: float | None) -> str:
    """A DQ score as a percentage, or '—' before any check ran."""
    return "—" if value is None else f"{float(value):.0f}%"


GRID_CELL_CHARS = 2_000  # longer cells are cut in the results grid (exports keep them whole)


def grid_cell(value: Any) -> str:
    """A value as the results grid shows it: like `cell`, long text cut with a note of what was left out."""
    text = cell(value)
    if len(text) <= GRID_CELL_CHARS:
        return text
    return f"{text[:GRID_CELL_CHARS]}… ({len(text) - GRID_CELL_CHARS:,} more characters; export for the whole value)"


def cell(value: Any) -> str:
    """One result value as the browser shows it (NULL kept apart from the empty string)."""
    if value is None:
        return NULL
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dict | list):  # json and jsonb: as JSON, not as Python would print it
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
