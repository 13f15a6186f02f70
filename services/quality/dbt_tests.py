"""dbt's data tests as Workbench data-quality tests (source 'dbt'): each one a test of the table it tests,
typed by its generic test's name (singular for a singular test), carrying dbt's compiled SQL so that
`workbench dq run` runs it with the table's other tests; and run_results.json's outcomes as their results,
dbt's message on each. Writes only what changed, so a second import of the same artifacts writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db
from services.quality import score as scoring
from services.quality.checks import DBT_DIMENSION


@dataclass(frozen=True)
class DbtTest:
    """One dbt test, attached to a catalogued table."""

    unique_id: str
    table_id: str
    name: str
    test_type: str
    column: str | None
    severity: str
    sql: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def dimension(self) -> str:
        """not_null → completeness, unique → uniqueness, accepted_values and relationships → consistency,
        anything else → validity."""
        return DBT_DIMENSION.get(self.test_type, "validity")

    @property
    def config(self) -> dict[str, Any]:
        return {"dbt_unique_id": self.unique_id, "sql": self.sql, "kwargs": self.kwargs}


@dataclass(frozen=True)
class DbtResult:
    """One outcome of run_results.json for a test imported above."""

    unique_id: str
    status: str  # pass, fail, warn, error, skipped
    failures: int | None
    message: str
    execution_time: float | None
    log: list[str] = field(default_factory=list)  # dbt's log lines about this test, when a run gave them


def apply_tests(conn: psycopg.Connection, project: str, tests: list[DbtTest]) -> int:
    """Make the project's dbt tests exactly `tests`; returns the rows written. A Workbench test holding the
    same name on the same table keeps it (the dbt one is left out)."""
    existing = {row[0]: row[1:] for row in conn.execute(
        "SELECT dbt_unique_id, table_id::text, name, test_type, column_name, config, severity, dimension"
        " FROM ip_workbench.dq_tests WHERE dbt_project = %s", (project,)).fetchall()}
    taken = {(row[0], row[1]) for row in conn.execute(
        "SELECT table_id::text, name FROM ip_workbench.dq_tests WHERE source <> 'dbt' AND table_id = ANY(%s::uuid[])",
        ([t.table_id for t in tests],)).fetchall()}
    changed = [t for t in tests if (t.table_id, t.name) not in taken and existing.get(t.unique_id) != (
        t.table_id, t.name, t.test_type, t.column, t.config, t.severity, t.dimension)]
    if changed:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO ip_workbench.dq_tests (table_id, name, test_type, column_name, config, severity,"
                " dimension, source, dbt_project, dbt_unique_id) VALUES (%s, %s, %s, %s, %s, %s, %s, 'dbt', %s, %s)"
                " ON CONFLICT (dbt_project, dbt_unique_id) WHERE dbt_unique_id IS NOT NULL DO UPDATE SET"
                " table_id = excluded.table_id, name = excluded.name, test_type = excluded.test_type,"
                " column_name = excluded.column_name, config = excluded.config, severity = excluded.severity,"
                " dimension = excluded.dimension",
                [(t.table_id, t.name, t.test_type, t.column, Jsonb(t.config), t.severity, t.dimension, project,
                  t.unique_id) for t in changed])
    written = len(changed)
    gone = sorted(set(existing) - {t.unique_id for t in tests})
    if gone:
        written += conn.execute("DELETE FROM ip_workbench.dq_tests WHERE dbt_project = %s AND dbt_unique_id = ANY(%s)",
                                (project, gone)).rowcount
    return written


def record_results(conn: psycopg.Connection, project: str, invocation_id: str, results: list[DbtResult],
                   *, label: str) -> tuple[int, int]:
    """Store one dbt invocation's test outcomes (once: a result already stored is skipped) and rescore the
    tables they touch. Returns (results of imported tests, rows written)."""
    tests = {row[0]: row[1:] for row in conn.execute(
        "SELECT d.dbt_unique_id, d.id::text, d.table_id::text, d.name, d.test_type, d.column_name, d.severity,"
        " d.dimension, coalesce(d.config ->> 'sql', ''), coalesce(t.exact_row_count, t.row_count)"
        " FROM ip_workbench.dq_tests d JOIN ip_workbench.tables t ON t.id = d.table_id"
        " WHERE d.dbt_project = %s", (project,)).fetchall()}
    known = [r for r in results if r.unique_id in tests]
    stored = {row[0] for row in conn.execute(
        "SELECT test_id::text FROM ip_workbench.dq_test_results WHERE run_id = %s::uuid AND status IS NOT NULL",
        (invocation_id,)).fetchall()}
    rows = []
    for result in known:
        test_id, table_id, name, test_type, column, severity, dimension, compiled, table_rows = tests[result.unique_id]
        if test_id in stored:
            continue
        failing = result.failures or 0
        rows.append((table_id, test_id, name, test_type, column, severity, dimension, result.status == "pass",
                     failing, max(int(table_rows or 0), failing), Jsonb([]), compiled,
                     round(result.execution_time * 1000, 2) if result.execution_time is not None else None,
                     invocation_id, Jsonb({"message": result.message or _default_message(result), "by": label,
                                           "dbt": {"unique_id": result.unique_id, "status": result.status,
                                                   "failures": result.failures, "message": result.message,
                                                   "invocation_id": invocation_id, "log": result.log}}),
                     result.status))
    if rows:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO ip_workbench.dq_test_results (table_id, test_id, test_name, test_type, column_name,"
                " severity, dimension, passed, failing_rows, rows_checked, sample_rows, sql, duration_ms, run_id,"
                " details, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", rows)
        rescore(conn, sorted({r[0] for r in rows}))
    return len(known), len(rows)


def _default_message(result: DbtResult) -> str:
    if result.status == "pass":
        return "dbt: pass"
    if result.status == "skipped":
        return "dbt skipped this test (an upstream node failed or was not selected)."
    return f"dbt: {result.status}" + (f", {result.failures:,} failing rows" if result.failures else "")


def rescore(conn: psycopg.Connection, table_ids: list[str]) -> None:
    """Each table's score from the latest result of every test it has (skipped results left out)."""
    outcomes: dict[str, list[scoring.Outcome]] = {table_id: [] for table_id in table_ids}
    for table_id, *row in conn.execute(
            "SELECT DISTINCT ON (r.test_id) r.table_id::text, r.test_type, r.severity, r.dimension, r.passed,"
            " r.failing_rows, r.rows_checked FROM ip_workbench.dq_test_results r"
            " JOIN ip_workbench.dq_tests d ON d.id = r.test_id WHERE r.table_id = ANY(%s::uuid[])"
            " AND coalesce(r.status, '') <> 'skipped' ORDER BY r.test_id, r.executed_at DESC",
            (table_ids,)).fetchall():
        outcomes[table_id].append(scoring.Outcome(*row))
    scores = [(table_id, scoring.score(found)) for table_id, found in outcomes.items()]
    conn.execute("UPDATE ip_workbench.tables t SET dq_score = v.score FROM unnest(%s::uuid[], %s::numeric[])"
                 " AS v(id, score) WHERE t.id = v.id", db.as_arrays(scores, 2))
