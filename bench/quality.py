"""Data-quality benchmarks: profiling a 10M-row, 10-column table in one scan against one count(*) scan of it
and against one query per column (what a naive profiler does); 50 tests over the demo warehouse; the latency
of an alert from a failed test to a webhook receiver."""

from __future__ import annotations

import statistics
import time
import uuid

import psycopg
import yaml
from psycopg import sql

from bench.common import write
from services.activity import alert_rules, channels, notify
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.table_names import resolve_table
from services.identity.operator import current_operator
from services.quality import profile as profiling
from services.quality import runs, testing
from services.quality.checks import failing_rows_sql
from services.runtime.worker import BackgroundWorker
from services.sql import roles as query_roles

ROWS = 10_000_000
TABLE = "silver.bench_profile"


def _build() -> None:
    with db.connection() as conn:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchone()[0]
        if exists and conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0] == ROWS:
            return
        conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        conn.execute(
            f"CREATE TABLE {TABLE} AS SELECT g AS id, (g % 1000)::numeric(12,2) AS amount,"
            " CASE WHEN g % 50 = 0 THEN NULL ELSE 'vendor ' || (g % 997) END AS vendor, g % 7 AS bucket,"
            " (g * 0.37)::float8 AS score, DATE '2020-01-01' + (g % 2000) AS day, g % 2 = 0 AS flag,"
            " md5((g % 5000)::text) AS code, (g % 13)::smallint AS small, now() - make_interval(secs => g % 86400)"
            f" AS seen FROM generate_series(1, {ROWS}) g")
        conn.execute(f"ANALYZE {TABLE}")
    catalog_sync.sync(embed=False)


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run() -> None:
    """One-scan profile (full scan and sampled) against count(*) and against one query per column."""
    _build()
    with db.connection() as conn:
        ref = resolve_table(conn, TABLE)
        columns = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
            " ORDER BY attnum", (TABLE,)).fetchall()]
        count_s = min(_timed(lambda: conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()) for _ in range(2))
        full_limit = profiling.SAMPLE_ABOVE_ROWS
        profiling.SAMPLE_ABOVE_ROWS = ROWS * 10  # the figure: a full scan, no sample
        try:
            profile_s = min(_timed(lambda: profiling.profile_table(conn, ref)) for _ in range(2))
        finally:
            profiling.SAMPLE_ABOVE_ROWS = full_limit
        profiling.SAMPLE_ABOVE_ROWS = ROWS // 2  # what a table twice the threshold gets: a 5M-row sample
        try:
            sampled = profiling.profile_table(conn, ref)
        finally:
            profiling.SAMPLE_ABOVE_ROWS = full_limit

        def per_column() -> None:
            for name in columns:
                c = sql.Identifier(name)
                conn.execute(sql.SQL("SELECT count({}), min({}::text), max({}::text) FROM {}").format(
                    c, c, c, sql.SQL(TABLE))).fetchone()

        naive_s = _timed(per_column)
    write("quality_profile_vs_count", figure=profile_s, unit="s", baseline=count_s,
          baseline_label="one SELECT count(*) scan of the same 10M-row, 10-column table",
          goal="<= 1.5x the count(*) scan",
          details={"sampled_profile_seconds": sampled.seconds, "sample_percent": sampled.sample_percent,
                   "distinct_method": sampled.distinct_method, "rows": ROWS, "columns": len(columns)})
    write("quality_profile_vs_per_column", figure=profile_s, unit="s", baseline=naive_s,
          baseline_label="one query per column (count, min, max), as a naive profiler does",
          details={"columns": len(columns)})


def _fifty_tests() -> tuple[str, int]:
    """A tests file of 50 tests over the demo warehouse (the demo's own file plus not_null/unique per column)."""
    from services.demo.quality import DEMO_TESTS_FILE

    document = yaml.safe_load(DEMO_TESTS_FILE.read_text(encoding="utf-8"))
    count = len(testing.parse_yaml(DEMO_TESTS_FILE.read_text(encoding="utf-8")))
    with db.connection() as conn:
        columns = conn.execute(
            "SELECT t.schema_name || '.' || t.table_name, m.column_name FROM ip_workbench.tables t"
            " JOIN ip_workbench.table_metadata m ON m.table_id = t.id WHERE t.schema_name IN ('silver', 'gold',"
            " 'platinum') AND t.table_name NOT LIKE 'bench%%' ORDER BY 1, m.column_name").fetchall()
    models = {m["name"]: m for m in document["models"]}
    for table, column in columns:
        if count >= 50:
            break
        model = models.setdefault(table, {"name": table, "columns": []})
        entry = next((c for c in model.setdefault("columns", []) if c["name"] == column), None)
        if entry is None:
            entry = {"name": column, "tests": []}
            model["columns"].append(entry)
        if "not_null" not in entry["tests"]:
            entry["tests"].append("not_null")
            count += 1
    document["models"] = list(models.values())
    return yaml.safe_dump(document), count


def run_tests_over_demo() -> None:
    """50 tests over the demo warehouse through the runner (samples, results, scores kept) against the same
    50 failing-row counts run bare on one connection."""
    text, count = _fifty_tests()
    admin = current_operator()
    testing.apply_yaml(admin, text)
    specs = testing.parse_yaml(text)
    tables = sorted({s.table for s in specs})
    with db.connection() as conn:
        refs = [resolve_table(conn, t) for t in tables]
    started = time.perf_counter()
    outcomes = [runs.run_now(ref, "manual", actor_label="bench") for ref in refs]
    runner_s = time.perf_counter() - started
    with psycopg.connect(query_roles.conninfo_for("reader"), autocommit=True) as reader:
        started = time.perf_counter()
        for spec in specs:
            query = failing_rows_sql(spec, spec.table)
            if query is not None:
                reader.execute(sql.SQL("SELECT count(*) FROM (") + query + sql.SQL(") AS failing")).fetchone()
            else:
                reader.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(spec.table))).fetchone()
        bare_s = time.perf_counter() - started
    write("quality_50_tests_demo", figure=runner_s, unit="s", baseline=bare_s,
          baseline_label="the same tests' failing-row counts run bare on one reader connection",
          details={"tests": sum(len(o.tests) for o in outcomes), "tables": len(refs),
                   "failed": sum(len(o.failed) for o in outcomes),
                   "scores": {o.table: o.score for o in outcomes}})
    assert count == 50 and sum(len(o.tests) for o in outcomes) == 50, "the benchmark must run exactly 50 tests"


def alert_latency(rounds: int = 5) -> None:
    """From a failed test's run committing to the webhook receiver getting the alert, through the queue and a
    real worker, against one direct Apprise send to the same receiver."""
    from tests.receivers import http_receiver

    table = "silver.bench_alerts"
    with db.connection() as conn:
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} AS SELECT g AS id, NULLIF(g % 10, 0) AS v FROM generate_series(1, 1000) g")
    catalog_sync.sync(embed=False)
    admin = current_operator()
    testing.apply_yaml(admin, f"version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: v\n"
                              "        tests: [not_null]\n")
    suffix = uuid.uuid4().hex[:6]
    latencies, direct = [], []
    worker = BackgroundWorker(name=f"bench-{suffix}")
    worker.start()
    try:
        with http_receiver() as peer:
            channel = channels.add_channel(admin, f"bench-{suffix}", f"json://127.0.0.1:{peer.port}/alerts")
            alert_rules.add_rule(admin, f"bench-{suffix}", event="test_failed", channel=channel.name, table=table,
                                 cooldown_minutes=0)
            with db.connection() as conn:
                url = channels.url_of(conn, channel.id)
            for _ in range(rounds):
                started = time.perf_counter()
                assert notify.send(url, "bench", "direct") is None
                direct.append(time.perf_counter() - started)
            for _ in range(rounds):
                seen = len(peer.posts)
                with db.connection() as conn:
                    ref = resolve_table(conn, table)
                runs.run_now(ref, "manual", actor_label="bench")
                committed = time.perf_counter()
                while len(peer.posts) <= seen and time.perf_counter() - committed < 60:
                    time.sleep(0.005)
                latencies.append(time.perf_counter() - committed)
    finally:
        worker.stop()
    write("quality_alert_latency", figure=statistics.median(latencies), unit="s",
          baseline=statistics.median(direct), baseline_label="one direct Apprise send to the same receiver",
          details={"rounds": rounds, "latencies": [round(x, 4) for x in latencies],
                   "direct": [round(x, 4) for x in direct], "path": "test run commits → queue → worker → Apprise"})
