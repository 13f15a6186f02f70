"""`workbench demo load`: generate the finance demo warehouse (bronze from events, the rest by SQL files)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from services import activity, catalog_registry, db, home
from services.demo.generate import all_events
from services.errors import InvalidInput

SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_SCALE = 100
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


def _copy_events(conn: psycopg.Connection, table: str, rows: Iterable[tuple[int, str, str]]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} (event_id, received_at, payload) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


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
    vendor_events, expense_events = all_events(scale)
    files = build_files()
    with db.connection() as conn:
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute(files[0].read_text())
        say("bronze: loading Odoo vendor and expense events")
        _copy_events(conn, "bronze.odoo_vendor_events", vendor_events)
        _copy_events(conn, "bronze.odoo_expense_events", expense_events)
        for path in files[1:]:
            say(f"building {path.stem}")
            conn.execute(path.read_text())
        for table in DEMO_TABLES:
            result.row_counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    with db.connection() as conn:
        conn.autocommit = True
        for table in DEMO_TABLES:
            conn.execute(f"ANALYZE {table}")
    with db.connection() as conn:
        catalog_registry.register_schemas(conn)
        _report(conn, result)
    result.seconds = time.perf_counter() - started
    return result


def _report(conn: psycopg.Connection, result: DemoLoadResult) -> None:
    """Activity entry and honest alerts about what the load found in the raw data."""
    expense_events = result.row_counts["bronze.odoo_expense_events"]
    expenses = result.row_counts["silver.expenses"]
    activity.record(conn, "demo", f"Demo warehouse loaded (scale {result.scale}): {expenses:,} expenses",
                    status="completed")
    dropped = expense_events - expenses
    if dropped:
        home.raise_alert(conn, "warning", "bronze.odoo_expense_events",
                         f"{dropped:,} of {expense_events:,} raw expense events were duplicates or malformed"
                         " and were left out of silver.expenses.")
    unknown = conn.execute(
        "SELECT count(*) FROM silver.expenses e WHERE NOT EXISTS"
        " (SELECT 1 FROM silver.expense_categories c WHERE c.code = e.category_code)").fetchone()[0]
    if unknown:
        home.raise_alert(conn, "warning", "silver.expenses",
                         f"{unknown:,} expenses use a category code missing from silver.expense_categories.")
