"""The demo warehouse's data-quality tests (services/demo/quality/finance.yaml), applied and run once so the
Data Quality pages open on real scores: gold.finance_expenses has 2 % missing vendor ids and about 5 % of
expenses in categories outside the chart of accounts, as the demo generator made them."""

from __future__ import annotations

from pathlib import Path

from services.core import db
from services.core.table_names import find_table
from services.identity.users import User
from services.quality import runs, testing

DEMO_TESTS_FILE = Path(__file__).resolve().parent / "quality" / "finance.yaml"


def ensure_tests(admin: User | None) -> str | None:
    """Apply the demo tests when none exist yet and run them; returns a line to show (None: nothing done)."""
    if admin is None:
        return None
    specs = testing.parse_yaml(DEMO_TESTS_FILE.read_text(encoding="utf-8"))
    tables = sorted({s.table for s in specs})
    with db.connection() as conn:
        refs = [find_table(conn, t) for t in tables]
        if any(r is None for r in refs) or conn.execute(
                "SELECT 1 FROM ip_workbench.dq_tests WHERE table_id = ANY(%s) LIMIT 1",
                ([r.id for r in refs],)).fetchone():
            return None
    counts = testing.apply_yaml(admin, DEMO_TESTS_FILE.read_text(encoding="utf-8"))
    scores = [f"{r.table} {r.score:g}" for r in (runs.run_now(ref, "manual", requested_by=admin.id,
                                                              actor_label="demo") for ref in refs)]
    return f"data-quality tests: {counts['added']} added and run ({', '.join(scores)})"
