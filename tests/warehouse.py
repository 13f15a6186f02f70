"""A small warehouse table of a test's own, so tests never depend on each other's tables."""

from __future__ import annotations

import uuid

from services.core import db


def source_table(columns: str, rows: str, *, prefix: str = "src") -> str:
    """silver.<prefix>_<hex> with `columns` (e.g. "id int, amount numeric"), filled by the SELECT `rows`."""
    name = f"silver.{prefix}_{uuid.uuid4().hex[:8]}"
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE {name} ({columns})")
        conn.execute(f"INSERT INTO {name} {rows}")
    return name
