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


def fingerprint(table: str) -> str:
    """A table's whole content in one comparable string (md5 of its ordered rows, and the row count)."""
    with db.connection() as conn:
        return conn.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) || ':' || count(*)"
                            f" FROM {table} t").fetchone()[0]


def swap_waiting(table: str) -> bool:
    """Whether a session waits for a lock on `table` (a pipeline's swap held up by a reader)."""
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_locks WHERE relation = to_regclass(%s) AND NOT granted",
                            (table,)).fetchone()[0] > 0
