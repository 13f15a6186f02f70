"""SQL execution service benchmarks: per-query overhead, first page over 1M/10M rows, CSV export via the API."""

from __future__ import annotations

import time

import psycopg

from bench.common import summary, write
from services.identity import users
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
                conn.execute("SET LOCAL statement_timeout = 30000")
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
    safety = sandbox_cost(runs)
    write("sql_sandbox_cost_p50", figure=safety["parse"]["p50"] + safety["reset"]["p50"], unit="ms",
          baseline=s["p50"] - r["p50"], baseline_label="the whole service overhead at p50 in this run",
          goal="overhead still <= 2 ms at p50", details={"parse (pglast policy)": safety["parse"],
                                                         "reset (DISCARD ALL + check)": safety["reset"]})


def sandbox_cost(runs: int) -> dict[str, dict[str, float]]:
    """What the SQL sandbox adds per statement: the policy's parse, and the pooled connection's reset."""
    from services.sql import policy

    parse_ms = []
    for _ in range(runs):
        started = time.perf_counter()
        policy.classify(TEN_ROW_SQL, may_write=False)
        parse_ms.append((time.perf_counter() - started) * 1000)
    pool = query_execution._pool("reader")
    expected = query_execution.expected_session("reader")
    reset_ms = []
    for _ in range(runs):
        conn = pool.getconn()
        conn.execute("SELECT 1").fetchone()
        conn.rollback()
        started = time.perf_counter()
        query_execution.reset_session(conn, expected)
        reset_ms.append((time.perf_counter() - started) * 1000)
        pool.putconn(conn)
    return {"parse": summary(parse_ms), "reset": summary(reset_ms)}
