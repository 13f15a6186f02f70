"""What the Data Quality pages read: a scorecard per table (score, trend, failing tests; gold first), a table's
scorecard (dimensions, SLOs, owner, schedule, its tests with their latest results), and the test results
list with one result's detail. All of it is View Data Quality (every role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from services.core import db
from services.core.errors import NotFound
from services.core.table_names import resolve_table
from services.identity.rbac import Permission, authorize
from services.quality.checks import remediation

LAYER_ORDER = ("gold", "platinum", "silver", "bronze")
TREND_POINTS = 12


@dataclass(frozen=True)
class Scorecard:
    table: str
    layer: str
    score: float | None
    trend: list[float]
    tests_total: int
    tests_failed: int
    failing: list[str]
    last_run_at: datetime | None
    owner_email: str | None


@dataclass(frozen=True)
class ResultRow:
    id: str
    table: str
    test: str
    type: str
    column: str | None
    severity: str | None
    dimension: str | None
    passed: bool
    failing_rows: int | None
    rows_checked: int | None
    executed_at: datetime
    message: str
    status: str = ""  # pass, fail, warn, error or skipped
    source: str = ""  # where the test was written: yaml, page, suggested or dbt


@dataclass(frozen=True)
class ResultDetail(ResultRow):
    sql: str = ""
    sample: list[dict[str, Any]] = field(default_factory=list)
    remediation: str = ""
    duration_ms: float | None = None
    config: dict[str, Any] = field(default_factory=dict)
    dbt: dict[str, Any] = field(default_factory=dict)  # dbt's unique id, status, message, invocation of a dbt result


@dataclass(frozen=True)
class TableScorecard:
    table: str
    score: float | None
    dimensions: dict[str, float]
    owner_email: str | None
    slo_freshness_hours: int | None
    slo_completeness_pct: float | None
    slo: dict[str, Any]
    schedule: str | None
    schedule_timezone: str | None
    results: list[ResultRow]
    history: list[tuple[datetime, float]]


def _layer_rank(schema: str) -> int:
    return LAYER_ORDER.index(schema) if schema in LAYER_ORDER else len(LAYER_ORDER)


_STATUS = ("coalesce(r.status, CASE WHEN r.passed THEN 'pass' WHEN r.severity = 'warn' THEN 'warn'"
           " ELSE 'fail' END)")
# The latest result of each test (DISTINCT ON over the results of tests that still exist).
_LATEST = ("SELECT DISTINCT ON (r.test_id) r.id::text, t.schema_name || '.' || t.table_name, r.test_name,"
           " r.test_type, r.column_name, r.severity, r.dimension, r.passed, r.failing_rows, r.rows_checked,"
           " r.executed_at, coalesce(r.details ->> 'message', ''), " + _STATUS + " AS status, d.source"
           " FROM ip_workbench.dq_test_results r JOIN ip_workbench.dq_tests d ON d.id = r.test_id"
           " JOIN ip_workbench.tables t ON t.id = r.table_id")


def scorecards(actor: Any, *, layer: str | None = None) -> list[Scorecard]:
    """A card per table with tests or a score: gold first, then by score (lowest first) and name."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        tables = conn.execute(
            "SELECT t.id, t.schema_name, t.table_name, t.dq_score, u.email FROM ip_workbench.tables t"
            " LEFT JOIN ip_workbench.users u ON u.id = t.owner WHERE (t.dq_score IS NOT NULL"
            " OR EXISTS (SELECT 1 FROM ip_workbench.dq_tests d WHERE d.table_id = t.id))"
            " AND (%s::text IS NULL OR t.schema_name = %s)", (layer, layer)).fetchall()
        ids = [row[0] for row in tables]
        trends: dict[Any, list[tuple[datetime, float]]] = {}
        for table_id, at, value in conn.execute(
                "SELECT table_id, completed_at, score FROM (SELECT table_id, completed_at, score, row_number()"
                " OVER (PARTITION BY table_id ORDER BY completed_at DESC) AS n FROM ip_workbench.dq_runs"
                " WHERE table_id = ANY(%s) AND status = 'completed' AND score IS NOT NULL) s WHERE n <= %s",
                (ids, TREND_POINTS)).fetchall():
            trends.setdefault(table_id, []).append((at, float(value)))
        latest: dict[Any, list[tuple]] = {}
        for row in conn.execute(_LATEST.replace("SELECT DISTINCT ON (r.test_id) ",
                                                "SELECT DISTINCT ON (r.test_id) r.table_id, ", 1)
                                + " WHERE r.table_id = ANY(%s) ORDER BY r.test_id, r.executed_at DESC",
                                (ids,)).fetchall():
            latest.setdefault(row[0], []).append(row)
    cards = []
    for table_id, schema, name, value, owner in tables:
        results = latest.get(table_id, [])
        failing = sorted(r[3] for r in results if not r[8] and r[13] != "skipped")
        cards.append(Scorecard(
            table=f"{schema}.{name}", layer=schema, score=float(value) if value is not None else None,
            trend=[v for _at, v in sorted(trends.get(table_id, []))], tests_total=len(results),
            tests_failed=len(failing), failing=failing,
            last_run_at=max((r[11] for r in results), default=None), owner_email=owner))
    return sorted(cards, key=lambda c: (_layer_rank(c.layer), c.score if c.score is not None else 101, c.table))


def _row(row: tuple) -> ResultRow:
    return ResultRow(*row[:14])


def table_scorecard(actor: Any, qualified: str) -> TableScorecard:
    """One table's scorecard."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        score, owner, hours, pct = conn.execute(
            "SELECT t.dq_score, u.email, t.slo_freshness_hours, t.slo_completeness_pct FROM ip_workbench.tables t"
            " LEFT JOIN ip_workbench.users u ON u.id = t.owner WHERE t.id = %s", (ref.id,)).fetchone()
        last = conn.execute("SELECT dimensions, slo FROM ip_workbench.dq_runs WHERE table_id = %s AND status ="
                            " 'completed' ORDER BY completed_at DESC LIMIT 1", (ref.id,)).fetchone()
        history = conn.execute("SELECT completed_at, score FROM (SELECT completed_at, score FROM ip_workbench.dq_runs"
                               " WHERE table_id = %s AND status = 'completed' AND score IS NOT NULL"
                               " ORDER BY completed_at DESC LIMIT 60) s ORDER BY completed_at",
                               (ref.id,)).fetchall()
        schedule = conn.execute("SELECT cron, timezone FROM ip_workbench.dq_schedules WHERE table_id = %s",
                                (ref.id,)).fetchone()
        results = [_row(r) for r in conn.execute(
            _LATEST + " WHERE r.table_id = %s ORDER BY r.test_id, r.executed_at DESC", (ref.id,)).fetchall()]
    return TableScorecard(
        table=ref.qualified, score=float(score) if score is not None else None,
        dimensions=(last[0] if last else None) or {}, owner_email=owner, slo_freshness_hours=hours,
        slo_completeness_pct=float(pct) if pct is not None else None, slo=(last[1] if last else None) or {},
        schedule=schedule[0] if schedule else None, schedule_timezone=schedule[1] if schedule else None,
        results=sorted(results, key=lambda r: (r.passed, r.test)),
        history=[(at, float(v)) for at, v in history])


def results(actor: Any, *, table: str | None = None, status: str | None = None, dimension: str | None = None,
            severity: str | None = None, limit: int = 500) -> list[ResultRow]:
    """The latest result of every test, filtered; failures first."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        table_id = resolve_table(conn, table).id if table else None
        rows = conn.execute(
            f"SELECT * FROM ({_LATEST} WHERE (%(table)s::uuid IS NULL OR r.table_id = %(table)s::uuid)"
            " ORDER BY r.test_id, r.executed_at DESC) latest"
            " WHERE (%(st)s::text IS NULL OR (%(st)s = 'passed' AND passed)"
            " OR (%(st)s = 'failed' AND NOT passed AND status <> 'skipped') OR status = %(st)s)"
            " AND (%(dim)s::text IS NULL OR dimension = %(dim)s) AND (%(sev)s::text IS NULL OR severity = %(sev)s)"
            " ORDER BY passed, executed_at DESC LIMIT %(limit)s",
            {"table": table_id, "st": status, "dim": dimension, "sev": severity,
             "limit": max(1, min(limit, 2000))}).fetchall()
    return [_row(r) for r in rows]


def result_detail(actor: Any, result_id: str) -> ResultDetail:
    """One result with its SQL, sample failing rows and remediation (the Test Detail modal)."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        try:
            row = conn.execute(
                "SELECT r.id::text, t.schema_name || '.' || t.table_name, r.test_name, r.test_type, r.column_name,"
                " r.severity, r.dimension, r.passed, r.failing_rows, r.rows_checked, r.executed_at,"
                " coalesce(r.details ->> 'message', ''), " + _STATUS + ", coalesce(d.source, ''),"
                " coalesce(r.sql, ''), coalesce(r.sample_rows, '[]'),"
                " r.duration_ms, coalesce(d.config, '{}'), coalesce(r.details, '{}')"
                " FROM ip_workbench.dq_test_results r"
                " JOIN ip_workbench.tables t ON t.id = r.table_id LEFT JOIN ip_workbench.dq_tests d ON d.id = r.test_id"
                " WHERE r.id = %s::uuid", (result_id,)).fetchone()
        except psycopg.errors.InvalidTextRepresentation:
            row = None
    if row is None:
        raise NotFound("That test result no longer exists.")
    dbt = row[13] == "dbt"
    return ResultDetail(*row[:14], sql=row[14], sample=row[15],
                        remediation="" if row[7] else remediation(row[3], dbt=dbt),
                        duration_ms=float(row[16]) if row[16] is not None else None, config=row[17],
                        dbt=row[18].get("dbt") or {} if dbt else {})
