"""`workbench demo load`: generate the finance demo warehouse (bronze from events, the rest by SQL files)."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from services.activity import alerts
from services.activity import feed as activity
from services.catalog import search as catalog_search
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.config import PROJECT_ROOT
from services.core.errors import InvalidInput
from services.demo.generate import all_events, copy_text
from services.lineage import store as lineage_store
from services.sql import roles as query_roles

SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_SCALE = 100
DEMO_BUILD_KEY = "demo_build"
DEMO_TABLES = (
    "bronze.odoo_expense_events", "bronze.odoo_vendor_events", "silver.vendors", "silver.employees",
    "silver.expense_categories", "silver.expenses", "gold.finance_expenses", "gold.vendor_monthly_spend",
    "platinum.bir_withholding_summary",
)


@dataclass
class DemoLoadResult:
    scale: int
    seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        """Rows written across every demo table."""
        return sum(self.row_counts.values())


def build_files() -> list[Path]:
    """The SQL files that build the warehouse, in the order they run."""
    return sorted(SQL_DIR.glob("*.sql"))


def build_script() -> str:
    """The whole build, as one script (read for lineage)."""
    return "\n".join(path.read_text() for path in build_files())


def register_build_lineage(conn: psycopg.Connection) -> None:
    """Keep the build script as a lineage source (a refresh re-reads it) when the demo warehouse exists."""
    if conn.execute("SELECT to_regclass('gold.finance_expenses') IS NOT NULL").fetchone()[0]:
        lineage_store.register_script(conn, origin="demo_build", origin_key=DEMO_BUILD_KEY, sql=build_script())


def _copy_chunks(conn: psycopg.Connection, table: str, chunks: Iterable[str | bytes]) -> None:
    """Stream COPY text chunks into `table`."""
    with conn.cursor() as cur, cur.copy(f"COPY {table} (event_id, received_at, payload) FROM STDIN") as copy:
        for chunk in chunks:
            copy.write(chunk)


def _generated_expenses(scale: int) -> Iterator[bytes]:
    """Expense events from a generator process, read ahead by a thread so generating and loading overlap."""
    proc = subprocess.Popen([sys.executable, "-m", "services.demo.generate", str(scale)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT)
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=256)

    def read_ahead() -> None:
        while chunk := proc.stdout.read(1 << 20):
            chunks.put(chunk)
        chunks.put(None)

    reader = threading.Thread(target=read_ahead, name="demo-generator-reader", daemon=True)
    reader.start()
    try:
        while (chunk := chunks.get()) is not None:
            yield chunk
    finally:
        reader.join(timeout=60)
        proc.stdout.close()
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.wait() != 0:
            raise RuntimeError(f"the demo data generator failed: {stderr.strip()[-2000:]}")


def warehouse_is_empty() -> bool:
    """True when the demo's expense table does not exist or holds nothing."""
    with db.connection() as conn:
        exists = conn.execute("SELECT to_regclass('silver.expenses') IS NOT NULL").fetchone()[0]
        return not exists or conn.execute("SELECT NOT EXISTS (SELECT 1 FROM silver.expenses)").fetchone()[0]


def load(scale: int = 1, *, progress: Callable[[str], None] | None = None) -> DemoLoadResult:
    """Drop and rebuild the demo warehouse deterministically. A set-up command: whoever runs it owns the database."""
    if not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InvalidInput(f"--scale must be a whole number from 1 to {MAX_SCALE}.")
    say = progress or (lambda _message: None)
    result = DemoLoadResult(scale=scale)
    started = time.perf_counter()
    vendor_events, _ = all_events(scale)
    files = build_files()
    with db.connection() as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute("SET LOCAL work_mem = '256MB'")  # dedup sorts and joins stay in memory
        conn.execute(files[0].read_text())
        say("bronze: loading Odoo vendor and expense events")
        _copy_chunks(conn, "bronze.odoo_vendor_events", copy_text(vendor_events))
        _copy_chunks(conn, "bronze.odoo_expense_events", _generated_expenses(scale))
        for path in files[1:]:
            say(f"building {path.stem}")
            conn.execute(path.read_text())
        say("counting rows and registering the tables in the catalog")
        result.row_counts = _rows_written(conn)
        # Planner statistics now, so the catalog's estimates hold from the start (exact counts are
        # cleared by a later sync once the statistics collector reports the load's inserts); the build
        # files analyse the tables they write.
        for table in ("bronze.odoo_vendor_events", "bronze.odoo_expense_events"):
            conn.execute(f"ANALYZE {table}")
        catalog_sync.sync_catalog(conn)
        catalog_sync.record_exact_counts(conn, result.row_counts)
        catalog_search.refresh_index(conn)
        register_build_lineage(conn)
        lineage_store.refresh(conn)
        query_roles.grant_warehouse_access(conn)  # the new tables are readable by the query roles
        _report(conn, result)
    result.seconds = time.perf_counter() - started
    return result


def _rows_written(conn: psycopg.Connection) -> dict[str, int]:
    """Rows in each demo table, from this transaction's own counters: every table was created in it, so
    rows inserted minus rows deleted is its row count, without scanning a table again (counted where a
    server keeps no counters)."""
    if conn.execute("SELECT current_setting('track_counts')::boolean").fetchone()[0]:
        rows = conn.execute(
            "SELECT name, pg_stat_get_xact_tuples_inserted(name::regclass) - pg_stat_get_xact_tuples_deleted("
            "name::regclass) FROM unnest(%s::text[]) AS name", (list(DEMO_TABLES),)).fetchall()
        return {name: int(count) for name, count in rows}
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in DEMO_TABLES}


def _report(conn: psycopg.Connection, result: DemoLoadResult) -> None:
    """Activity entry and honest alerts about what the load found in the raw data."""
    expense_events = result.row_counts["bronze.odoo_expense_events"]
    expenses = result.row_counts["silver.expenses"]
    activity.record(conn, "demo", f"Demo warehouse loaded (scale {result.scale}): {expenses:,} expenses",
                    status="completed")
    dropped = expense_events - expenses
    if dropped:
        alerts.raise_alert(conn, "warning", "bronze.odoo_expense_events",
                         f"{dropped:,} of {expense_events:,} raw expense events were duplicates or malformed"
                         " and were left out of silver.expenses.")
    unknown = conn.execute(
        "SELECT count(*) FROM silver.expenses e WHERE NOT EXISTS"
        " (SELECT 1 FROM silver.expense_categories c WHERE c.code = e.category_code)").fetchone()[0]
    if unknown:
        alerts.raise_alert(conn, "warning", "silver.expenses",
                         f"{unknown:,} expenses use a category code missing from silver.expense_categories.")
