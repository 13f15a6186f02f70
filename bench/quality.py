"""Data-quality benchmarks: profiling a 10M-row, 10-column table in one scan against one count(*) scan of it
and against one query per column (what a naive profiler does)."""

from __future__ import annotations

import time

from psycopg import sql

from bench.common import write
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.table_names import resolve_table
from services.quality import profile as profiling

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
        sampled = profiling.profile_table(conn, ref)

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
