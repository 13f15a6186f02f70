"""`demo load --scale N` rows/s against COPY of the same rows from CSV files written beforehand."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import write
from services.core import db
from services.demo import load as demo


def _export_csv(folder: Path) -> dict[str, Path]:
    files = {}
    with db.connection() as conn, conn.cursor() as cur:
        for table in demo.DEMO_TABLES:
            path = folder / f"{table}.csv"
            with open(path, "wb") as out, cur.copy(f"COPY {table} TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    out.write(chunk)
            files[table] = path
    return files


def _copy_in(files: dict[str, Path]) -> tuple[float, int]:
    """COPY every CSV into empty look-alike tables; return (seconds, rows)."""
    with db.connection() as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy")
        for table in files:
            conn.execute(f"CREATE TABLE bench_copy.{table.replace('.', '__')} (LIKE {table} INCLUDING ALL)")
    rows = 0
    started = time.perf_counter()
    with db.connection() as conn, conn.cursor() as cur:
        conn.execute("SET LOCAL synchronous_commit = off")
        for table, path in files.items():
            with cur.copy(f"COPY bench_copy.{table.replace('.', '__')} FROM STDIN WITH (FORMAT csv)") as copy, \
                    open(path, "rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            rows += cur.rowcount
    seconds = time.perf_counter() - started
    with db.connection() as conn:
        conn.execute("DROP SCHEMA bench_copy CASCADE")
    return seconds, rows


def run(scale: int) -> None:
    """Load once to write the CSVs, then time a fresh load and the COPY baseline."""
    demo.load(scale)
    with tempfile.TemporaryDirectory(prefix="wbbench-csv-") as folder:
        files = _export_csv(Path(folder))
        result = demo.load(scale)
        copy_seconds, copy_rows = _copy_in(files)
    assert copy_rows == result.total_rows, (copy_rows, result.total_rows)
    load_rate = result.total_rows / result.seconds
    copy_rate = copy_rows / copy_seconds
    write(f"demo_load_scale_{scale}", figure=load_rate, unit="rows/s", baseline=copy_rate,
          baseline_label="COPY of the same rows from CSV", goal="ratio >= 0.5",
          details={"rows": result.total_rows, "load_seconds": round(result.seconds, 3),
                   "copy_seconds": round(copy_seconds, 3), "row_counts": result.row_counts})
