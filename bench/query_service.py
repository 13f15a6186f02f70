"""SQL execution service benchmarks: per-query overhead, first page over 1M/10M rows, CSV export via the API."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time

import httpx
import psycopg

from bench.common import summary, write
from devtools.app_server import free_port
from services.core import db
from services.identity import api_keys, users
from services.identity.operator import current_operator
from services.sql import execution as query_execution
from services.sql import roles as query_roles

TEN_ROW_SQL = "SELECT code, name, account_code FROM silver.expense_categories ORDER BY code LIMIT 10"


def _user(role: str):
    email = f"bench-{role}@example.com"
    user = users.find_by_email(email)
    if user is None:
        user = users.create_user(current_operator(), email, role, password="bench-password-1").user
    return user


def overhead(runs: int = 500) -> None:
    """execute() for a 10-row query against raw psycopg as the same role with the same settings."""
    viewer = _user("viewer")
    for _ in range(20):
        query_execution.execute(viewer, TEN_ROW_SQL)
    service_ms = []
    for _ in range(runs):
        started = time.perf_counter()
        query_execution.execute(viewer, TEN_ROW_SQL)
        service_ms.append((time.perf_counter() - started) * 1000)
    raw_ms = []
    with psycopg.connect(query_roles.conninfo_for("reader")) as conn:
        conn.read_only = True
        for i in range(runs + 20):
            started = time.perf_counter()
            with conn.transaction():
                conn.execute("SELECT set_config('statement_timeout', '30000ms', true)")
                rows = conn.execute(TEN_ROW_SQL).fetchall()
            if i >= 20:
                raw_ms.append((time.perf_counter() - started) * 1000)
            assert len(rows) == 10
    s, r = summary(service_ms), summary(raw_ms)
    write("sql_service_overhead_p50", figure=s["p50"] - r["p50"], unit="ms added", baseline=r["p50"],
          baseline_label="raw psycopg p50 (same role, same settings)", goal="<= 2 ms added at p50",
          details={"service": s, "raw": r})
    write("sql_service_overhead_p95", figure=s["p95"] - r["p95"], unit="ms added", baseline=r["p95"],
          baseline_label="raw psycopg p95", details={"service": s, "raw": r})


def _big_table(rows: int) -> str:
    table = f"gold.bench_rows_{rows}"
    with db.connection() as conn:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]
        if not exists:
            conn.execute(f"CREATE TABLE {table} AS SELECT g AS id, md5(g::text) AS label, g * 1.5 AS amount,"
                         f" DATE '2024-01-01' + (g % 700) AS day FROM generate_series(1, {rows}) g")
        query_roles.grant_warehouse_access(conn)
    return table


def first_page(sizes: tuple[int, ...] = (1_000_000, 10_000_000), repeats: int = 5) -> None:
    """Time to the first 1,000 rows of SELECT * through the service vs a raw named cursor."""
    viewer = _user("viewer")
    figures = {}
    for size in sizes:
        table = _big_table(size)
        service, raw = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            result = query_execution.execute(viewer, f"SELECT * FROM {table}")
            service.append((time.perf_counter() - started) * 1000)
            assert len(result.rows) == 1000
            query_execution.close_result(viewer, result.run_id)
            with psycopg.connect(query_roles.conninfo_for("reader")) as conn:
                conn.read_only = True
                started = time.perf_counter()
                with conn.transaction(), conn.cursor(name="bench") as cur:
                    cur.execute(f"SELECT * FROM {table}")
                    assert len(cur.fetchmany(1000)) == 1000
                    raw.append((time.perf_counter() - started) * 1000)
        figures[size] = (summary(service)["p50"], summary(raw)["p50"])
        write(f"sql_first_page_{size // 1_000_000}m", figure=figures[size][0], unit="ms",
              baseline=figures[size][1], baseline_label="raw psycopg named cursor fetchmany(1000)",
              goal="ratio <= 1.5", details={"service": summary(service), "raw": summary(raw)})
    if len(sizes) == 2:
        small, large = sizes
        write("sql_first_page_10m_vs_1m", figure=figures[large][0], unit="ms", baseline=figures[small][0],
              baseline_label="the same over 1M rows", goal="ratio <= 1.2")


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def csv_export(rows: int = 1_000_000) -> None:
    """CSV export of 1M rows through the API against COPY (...) TO STDOUT; peak memory of the API server."""
    table = _big_table(rows)
    engineer = _user("engineer")
    key = api_keys.create_key(current_operator(), engineer.email, "bench").key
    result = query_execution.execute(engineer, f"SELECT * FROM {table}")
    query_execution.close_result(engineer, result.run_id)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "workbench.api.app:api", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], env=os.environ.copy(), start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{url}/api/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        base_rss = _rss_mb(server.pid)
        peak = [base_rss]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mb(server.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        received = 0
        with httpx.stream("GET", f"{url}/api/export/{result.history_id}.csv", timeout=600,
                          headers={"Authorization": f"Bearer {key}"}) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += len(chunk)
        api_s = time.perf_counter() - started
        done.set()
        sampler.join()
    finally:
        server.terminate()
        server.wait(10)
    with psycopg.connect(db.database_url()) as conn, conn.cursor() as cur:
        started = time.perf_counter()
        copied = 0
        with cur.copy(f"COPY (SELECT * FROM {table}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                copied += len(chunk)
        copy_s = time.perf_counter() - started
    write("sql_csv_export_1m", figure=rows / api_s, unit="rows/s", baseline=rows / copy_s,
          baseline_label="COPY (...) TO STDOUT, CSV", goal="ratio >= 0.7",
          details={"api_seconds": round(api_s, 3), "copy_seconds": round(copy_s, 3), "api_bytes": received,
                   "copy_bytes": copied, "server_rss_base_mb": round(base_rss, 1),
                   "server_rss_peak_mb": round(peak[0], 1), "server_rss_added_mb": round(peak[0] - base_rss, 1),
                   "bench_process_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    write("sql_csv_export_1m_memory", figure=peak[0] - base_rss, unit="MB added", baseline=base_rss,
          baseline_label="API server RSS before the export", goal="< 300 MB added")


def run() -> None:
    """All three."""
    query_roles.prepare()
    overhead()
    first_page()
    csv_export()
