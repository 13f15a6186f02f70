"""Tests as code and test runs: apply a dbt-style YAML file (idempotent), run a table's tests as the
least-privileged reader, keep every result (failing count, rows checked, up to 20 sample rows, the SQL,
duration) and the table's score in `tables.dq_score`.

The YAML is dbt's `schema.yml` shape:

    version: 2
    models:
      - name: gold.finance_expenses
        tests: [{row_count: {min: 1}}]
        columns:
          - name: expense_id
            tests: [unique, not_null]
          - name: status
            tests: [{accepted_values: {values: [draft, submitted, approved, paid, refused], severity: warn}}]
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import yaml
from psycopg import sql
from psycopg.types.json import Jsonb

from services.core import db
from services.core.errors import Conflict, InvalidInput, NotFound, QueryFailed
from services.core.table_names import TableRef, resolve_table
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.quality import score as scoring
from services.quality.checks import TestSpec, failing_rows_sql, remediation
from services.quality.permissions import authorize_quality_run
from services.sql import roles as query_roles
from services.sql.output import json_records

SAMPLE_ROWS = 20
TEST_TIMEOUT = "5min"
MAX_YAML_BYTES = 1_000_000
_OPTION_KEYS = ("severity", "dimension", "name")


@dataclass
class TestResult:
    name: str
    type: str
    column: str | None
    passed: bool
    failing_rows: int
    rows_checked: int
    severity: str
    dimension: str
    sql: str
    duration_ms: float
    sample: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""
    remediation: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    status: str = ""  # pass, fail, warn or error


@dataclass
class TableRun:
    table: str
    score: float | None
    dimensions: dict[str, float]
    tests: list[TestResult]
    run_id: str = ""
    slo: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> list[TestResult]:
        """The tests that did not pass."""
        return [t for t in self.tests if not t.passed]


# ---- tests as code --------------------------------------------------------------------------------------

def _entry(table: str, column: str | None, raw: Any) -> TestSpec:
    if isinstance(raw, str):
        test_type, options = raw, {}
    elif isinstance(raw, dict) and len(raw) == 1:
        (test_type, options), = raw.items()
        options = dict(options or {})
    else:
        raise InvalidInput(f"{table}: a test is a name (e.g. not_null) or {{type: {{options}}}}, not {raw!r}.")
    if not isinstance(options, dict):
        raise InvalidInput(f"{table}: options of {test_type} must be a mapping.")
    config = {k: v for k, v in options.items() if k not in _OPTION_KEYS}
    if test_type == "relationships" and "to" in config:
        config["to"] = str(config["to"])
    name = options.get("name") or "_".join(filter(None, [test_type, column]))
    return TestSpec(table=table, name=str(name), type=str(test_type), column=column, config=config,
                    severity=str(options.get("severity", "error")), dimension=str(options.get("dimension", "")))


def parse_yaml(text: str) -> list[TestSpec]:
    """A schema.yml-like document → test specs; InvalidInput naming what is wrong (nothing is stored)."""
    if len(text.encode()) > MAX_YAML_BYTES:
        raise InvalidInput("The tests file is larger than 1 MB.")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInput(f"The tests file is not valid YAML{where}: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(document, dict) or document.get("version") != 2 or not isinstance(document.get("models"), list):
        raise InvalidInput("A tests file starts with `version: 2` and lists `models:` (each named schema.table).")
    specs: list[TestSpec] = []
    for model in document["models"]:
        if not isinstance(model, dict) or not isinstance(model.get("name"), str):
            raise InvalidInput("Each model has a name: schema.table.")
        table = model["name"]
        for raw in model.get("tests") or []:
            specs.append(_entry(table, None, raw))
        for column in model.get("columns") or []:
            if not isinstance(column, dict) or not isinstance(column.get("name"), str):
                raise InvalidInput(f"{table}: each column has a name.")
            for raw in column.get("tests") or []:
                specs.append(_entry(table, column["name"], raw))
    names = [(s.table, s.name) for s in specs]
    duplicates = sorted({f"{t}.{n}" for t, n in names if names.count((t, n)) > 1})
    if duplicates:
        raise InvalidInput(f"Test names repeat: {', '.join(duplicates)}; give one of each a name.")
    return specs


def _check_columns(conn: psycopg.Connection, ref: TableRef, spec: TestSpec) -> None:
    present = {r[0] for r in conn.execute(
        "SELECT column_name FROM ip_workbench.table_metadata WHERE table_id = %s", (ref.id,)).fetchall()}
    wanted = [spec.column] if spec.column else list(spec.config.get("columns") or [])
    missing = [c for c in wanted if c not in present]
    if missing:
        raise InvalidInput(f"{ref.qualified} has no column {', '.join(missing)} (test {spec.name}).")
    if spec.type == "relationships":
        parent = resolve_table(conn, spec.config["to"])
        fields = {r[0] for r in conn.execute(
            "SELECT column_name FROM ip_workbench.table_metadata WHERE table_id = %s", (parent.id,)).fetchall()}
        if spec.config["field"] not in fields:
            raise InvalidInput(f"{parent.qualified} has no column {spec.config['field']} (test {spec.name}).")


def apply_yaml(actor: Any, text: str, *, client_address: str | None = None) -> dict[str, int]:
    """Store the file's tests (engineers, admins, service): the models it names get exactly its tests from
    YAML (added, changed, removed); tests made on the page stay. All or nothing."""
    authorize_quality_run(actor, client_address=client_address)
    specs = parse_yaml(text)
    counts = {"added": 0, "updated": 0, "removed": 0, "unchanged": 0}
    with db.connection() as conn:
        refs = {table: resolve_table(conn, table) for table in {s.table for s in specs}}
        for spec in specs:
            _check_columns(conn, refs[spec.table], spec)
        for table, ref in refs.items():
            wanted = {s.name: s for s in specs if s.table == table}
            existing = {r[0]: r[1:] for r in conn.execute(
                "SELECT name, test_type, column_name, config, severity, dimension, source FROM ip_workbench.dq_tests"
                " WHERE table_id = %s", (ref.id,)).fetchall()}
            for name, spec in wanted.items():
                row = (spec.type, spec.column, spec.config, spec.severity, spec.dimension)
                if name in existing and existing[name][:5] == row:
                    counts["unchanged"] += 1
                    continue
                counts["updated" if name in existing else "added"] += 1
                conn.execute(
                    "INSERT INTO ip_workbench.dq_tests (table_id, name, test_type, column_name, config, severity,"
                    " dimension, source, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, 'yaml', %s)"
                    " ON CONFLICT (table_id, name) DO UPDATE SET test_type = excluded.test_type,"
                    " column_name = excluded.column_name, config = excluded.config, severity = excluded.severity,"
                    " dimension = excluded.dimension, source = 'yaml'",
                    (ref.id, name, spec.type, spec.column, Jsonb(spec.config), spec.severity, spec.dimension,
                     actor.id))
            gone = [n for n, row in existing.items() if row[5] == "yaml" and n not in wanted]
            if gone:
                conn.execute("DELETE FROM ip_workbench.dq_tests WHERE table_id = %s AND name = ANY(%s)",
                             (ref.id, gone))
                counts["removed"] += len(gone)
        audit.record(action="dq_tests_applied", actor=actor, target=",".join(sorted(refs)),
                     client_address=client_address, conn=conn, details=counts)
    return counts


def add_test(actor: Any, qualified: str, test_type: str, *, column: str | None = None, options: str = "",
             severity: str = "error", name: str | None = None, client_address: str | None = None) -> TestSpec:
    """Create one test from the page (engineers, admins, service): `options` is YAML for its settings, e.g.
    `values: [PHP, USD]` or `to: silver.vendors` + `field: vendor_id`. A name in use is a Conflict."""
    authorize_quality_run(actor, client_address=client_address)
    try:
        settings = yaml.safe_load(options or "") or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"The options are not valid YAML: {getattr(exc, 'problem', exc)}.") from None
    if not isinstance(settings, dict):
        raise InvalidInput("The options are `key: value` lines, e.g. `values: [PHP, USD]`.")
    settings = {**settings, "severity": severity, **({"name": name.strip()} if name and name.strip() else {})}
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        spec = _entry(ref.qualified, (column or "").strip() or None, {test_type: settings})
        _check_columns(conn, ref, spec)
        try:
            conn.execute(
                "INSERT INTO ip_workbench.dq_tests (table_id, name, test_type, column_name, config, severity,"
                " dimension, source, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, 'page', %s)",
                (ref.id, spec.name, spec.type, spec.column, Jsonb(spec.config), spec.severity, spec.dimension,
                 actor.id))
        except psycopg.errors.UniqueViolation:
            raise Conflict(f"{ref.qualified} has a test named {spec.name} already; give this one a name.") from None
        audit.record(action="dq_test_added", actor=actor, target=f"{ref.qualified}.{spec.name}",
                     client_address=client_address, conn=conn, details={"type": spec.type, "column": spec.column})
    return spec


def delete_test(actor: Any, qualified: str, name: str, *, client_address: str | None = None) -> None:
    """Remove one test and its results (engineers, admins, service)."""
    authorize_quality_run(actor, client_address=client_address)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        if not conn.execute("DELETE FROM ip_workbench.dq_tests WHERE table_id = %s AND name = %s RETURNING 1",
                            (ref.id, name)).fetchone():
            raise NotFound(f"{ref.qualified} has no test named {name}.")
        audit.record(action="dq_test_deleted", actor=actor, target=f"{ref.qualified}.{name}",
                     client_address=client_address, conn=conn)


def table_tests(conn: psycopg.Connection, ref: TableRef) -> list[tuple[str, TestSpec]]:
    """(test id, spec) of a table's tests, by name."""
    rows = conn.execute("SELECT id::text, name, test_type, column_name, config, severity, dimension"
                        " FROM ip_workbench.dq_tests WHERE table_id = %s ORDER BY name", (ref.id,)).fetchall()
    return [(r[0], TestSpec(table=ref.qualified, name=r[1], type=r[2], column=r[3], config=r[4] or {},
                            severity=r[5], dimension=r[6])) for r in rows]


# ---- running --------------------------------------------------------------------------------------------

def _sample(reader: psycopg.Connection, query: sql.Composable, *, grouped: bool = False
            ) -> tuple[int, list[dict[str, Any]]]:
    """(failing rows, up to SAMPLE_ROWS of them); for a grouped query (unique) the rows behind the groups."""
    measure = sql.SQL("coalesce(sum(occurrences), 0)" if grouped else "count(*)")
    count = reader.execute(sql.SQL("SELECT {} FROM (").format(measure) + query
                           + sql.SQL(") AS failing")).fetchone()[0]
    if not count:
        return 0, []
    cursor = reader.execute(sql.SQL("SELECT * FROM (") + query + sql.SQL(") AS failing LIMIT {}").format(
        sql.Literal(SAMPLE_ROWS)))
    return int(count), json_records([d.name for d in cursor.description], cursor.fetchall())


def _previous(conn: psycopg.Connection, test_id: str) -> tuple[int | None, dict]:
    row = conn.execute("SELECT rows_checked, details FROM ip_workbench.dq_test_results WHERE test_id = %s"
                       " ORDER BY executed_at DESC LIMIT 1", (test_id,)).fetchone()
    return (row[0], row[1] or {}) if row else (None, {})


def _table_level(conn: psycopg.Connection, reader: psycopg.Connection, ref: TableRef, spec: TestSpec,
                 rows: int, test_id: str) -> tuple[bool, str, str, dict]:
    """(passed, message, sql, details) for freshness, row_count and schema_change."""
    table = sql.SQL("{}.{}").format(sql.Identifier(ref.schema_name), sql.Identifier(ref.table_name))
    c = spec.config
    if spec.type == "freshness":
        hours = c.get("hours") or conn.execute("SELECT slo_freshness_hours FROM ip_workbench.tables WHERE id = %s",
                                               (ref.id,)).fetchone()[0] or 24
        query = sql.SQL("SELECT max({}) FROM {}").format(sql.Identifier(spec.column), table)
        newest = reader.execute(query).fetchone()[0]
        if newest is not None and not hasattr(newest, "tzinfo"):
            newest = datetime(newest.year, newest.month, newest.day, tzinfo=UTC)
        elif newest is not None and newest.tzinfo is None:
            newest = newest.replace(tzinfo=UTC)
        fresh = newest is not None and newest >= datetime.now(UTC) - timedelta(hours=float(hours))
        return fresh, f"newest {spec.column} is {newest} (limit {hours} h)", query.as_string(reader), \
            {"newest": str(newest), "hours": hours}
    if spec.type == "row_count":
        previous, _ = _previous(conn, test_id)
        problems = []
        if c.get("min") is not None and rows < float(c["min"]):
            problems.append(f"{rows:,} rows is below {c['min']}")
        if c.get("max") is not None and rows > float(c["max"]):
            problems.append(f"{rows:,} rows is above {c['max']}")
        if c.get("change_pct") is not None and previous:
            change = abs(rows - previous) / previous * 100
            if change > float(c["change_pct"]):
                problems.append(f"{change:.1f} % change since the last run ({previous:,} → {rows:,})")
        return not problems, "; ".join(problems) or f"{rows:,} rows", \
            sql.SQL("SELECT count(*) FROM {}").format(table).as_string(reader), {"previous": previous}
    columns = [list(r) for r in conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = %s::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", (table.as_string(conn),)).fetchall()]
    _rows, before = _previous(conn, test_id)
    known = before.get("columns")
    if known is None:
        return True, "first run: the current columns are the baseline", "", {"columns": columns}
    old, new = dict(map(tuple, known)), dict(map(tuple, columns))
    changes = ([f"added {n}" for n in new if n not in old] + [f"removed {n}" for n in old if n not in new]
               + [f"{n}: {old[n]} → {new[n]}" for n in new if n in old and old[n] != new[n]])
    return not changes, "; ".join(changes) or "no change", "", {"columns": columns}


def run_tests(ref: TableRef, tests: list[tuple[str, TestSpec]], *, actor_label: str | None = None,
              run_id: str | None = None) -> TableRun:
    """Run the given tests of one table as the reader role; store results (under `run_id`) and the score."""
    run_id = run_id or str(uuid.uuid4())
    results: list[TestResult] = []
    table = sql.SQL("{}.{}").format(sql.Identifier(ref.schema_name), sql.Identifier(ref.table_name))
    with psycopg.connect(query_roles.conninfo_for("reader"), autocommit=True) as reader, \
            db.connection() as conn:
        reader.execute(f"SET statement_timeout = '{TEST_TIMEOUT}'")
        rows = reader.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
        for test_id, spec in tests:
            started = time.perf_counter()
            try:
                query = failing_rows_sql(spec, ref.qualified)
            except InvalidInput as exc:  # a dbt test imported uncompiled: an error result, the others still run
                results.append(_store(conn, ref, test_id, run_id, actor_label, TestResult(
                    name=spec.name, type=spec.type, column=spec.column, passed=False, failing_rows=0,
                    rows_checked=rows, severity=spec.severity, dimension=spec.dimension, sql="", duration_ms=0.0,
                    message=str(exc), remediation=remediation(spec.type, dbt=True), status="error")))
                continue
            try:
                if query is not None:
                    failing, sample = _sample(reader, query, grouped=spec.type == "unique" and not spec.is_dbt)
                    passed, message = failing == 0, f"{failing:,} failing rows of {rows:,}"
                    text, details, checked = query.as_string(reader), {}, rows
                else:
                    passed, message, text, details = _table_level(conn, reader, ref, spec, rows, test_id)
                    sample = []
                    failing, checked = (0 if passed else 1), rows
            except psycopg.Error as exc:
                raise QueryFailed(f"Test {spec.name} on {ref.qualified} could not run: "
                                  f"{(exc.diag.message_primary or str(exc)).strip()}", sqlstate=exc.sqlstate) from exc
            result = TestResult(name=spec.name, type=spec.type, column=spec.column, passed=passed,
                                failing_rows=failing, rows_checked=checked, severity=spec.severity,
                                dimension=spec.dimension, sql=text,
                                duration_ms=round((time.perf_counter() - started) * 1000, 2), sample=sample,
                                message=message, remediation="" if passed else remediation(spec.type, dbt=spec.is_dbt),
                                details=details,
                                status="pass" if passed else "warn" if spec.severity == "warn" else "fail")
            results.append(_store(conn, ref, test_id, run_id, actor_label, result))
        outcomes = [scoring.Outcome(r.type, r.severity, r.dimension, r.passed, r.failing_rows, r.rows_checked)
                    for r in results]
        table_score = scoring.score(outcomes)
        conn.execute("UPDATE ip_workbench.tables SET dq_score = %s WHERE id = %s", (table_score, ref.id))
    return TableRun(table=ref.qualified, score=table_score, dimensions=scoring.by_dimension(outcomes), tests=results,
                    run_id=run_id)


def _store(conn: psycopg.Connection, ref: TableRef, test_id: str, run_id: str, actor_label: str | None,
           result: TestResult) -> TestResult:
    conn.execute(
        "INSERT INTO ip_workbench.dq_test_results (table_id, test_id, test_name, test_type, column_name,"
        " severity, dimension, passed, failing_rows, rows_checked, sample_rows, sql, duration_ms, run_id,"
        " details, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (ref.id, test_id, result.name, result.type, result.column, result.severity, result.dimension, result.passed,
         result.failing_rows, result.rows_checked, Jsonb(result.sample), result.sql, result.duration_ms, run_id,
         Jsonb({**result.details, "message": result.message, "by": actor_label}), result.status))
    return result


def latest_score(actor: Any, qualified: str) -> float | None:
    """The table's current score (View Data Quality)."""
    authorize(actor, Permission.VIEW_DATA_QUALITY)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        value = conn.execute("SELECT dq_score FROM ip_workbench.tables WHERE id = %s", (ref.id,)).fetchone()[0]
    return float(value) if value is not None else None
