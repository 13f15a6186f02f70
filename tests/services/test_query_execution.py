"""The execution service: roles, read-only viewers, paging, scripts, errors with positions, timeout, cancel."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from services.core import db
from services.core.errors import InvalidInput, PermissionDenied, QueryCancelled, QueryFailed
from services.sql import execution as query_execution


def _history(run_sql: str):
    with db.connection() as conn:
        return conn.execute("SELECT status, rows_returned, error_message, sqlstate FROM ip_workbench.query_history"
                            " WHERE sql = %s ORDER BY executed_at DESC LIMIT 1", (run_sql,)).fetchone()


def test_select_returns_typed_columns_and_is_recorded(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    sql = "SELECT vendor, SUM(amount) AS total FROM gold.finance_expenses GROUP BY vendor ORDER BY 2 DESC LIMIT 5"
    result = query_execution.execute(viewer, sql)
    assert [(c.name, c.type_name) for c in result.columns] == [("vendor", "text"), ("total", "numeric")]
    with db.connection() as conn:
        expected = conn.execute(sql).fetchall()
    assert result.rows == expected and not result.has_more
    assert _history(sql)[:2] == ("completed", 5)


def test_pages_come_from_a_server_side_cursor(migrated, make_user):
    viewer, _ = make_user("viewer")
    first = query_execution.execute(viewer, "SELECT n FROM generate_series(1, 2500) AS n")
    assert len(first.rows) == 1000 and first.has_more
    second = query_execution.fetch_more(viewer, first.run_id)
    third = query_execution.fetch_more(viewer, first.run_id)
    assert [r[0] for r in second.rows][:2] == [1001, 1002]
    assert len(third.rows) == 500 and not third.has_more and third.rows_fetched == 2500


def test_other_users_cannot_read_my_open_result(migrated, make_user):
    mine, _ = make_user("viewer")
    theirs, _ = make_user("admin")
    first = query_execution.execute(mine, "SELECT generate_series(1, 5000)")
    with pytest.raises(Exception, match="results expired"):
        query_execution.fetch_more(theirs, first.run_id)
    query_execution.close_result(mine, first.run_id)


def test_scripts_run_in_order_and_writers_commit(demo_warehouse, make_user):
    engineer, _ = make_user("engineer")
    table = f"gold.t_{uuid.uuid4().hex[:8]}"
    result = query_execution.execute(
        engineer, f"CREATE TABLE {table} AS SELECT 1 AS a; INSERT INTO {table} VALUES (2);"
                  f" SELECT a FROM {table} ORDER BY a")
    assert result.rows == [(1,), (2,)] and result.statements == 3
    with db.connection() as conn:
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 2
    viewer, _ = make_user("viewer")
    assert query_execution.execute(viewer, f"SELECT count(*) FROM {table}").rows == [(2,)]
    query_execution.execute(engineer, f"DROP TABLE {table}")


def test_a_viewers_delete_is_refused_read_only(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0]
    with pytest.raises(QueryFailed, match="read-only") as failure:
        query_execution.execute(viewer, "DELETE FROM silver.vendors")
    assert failure.value.sqlstate == "25006"
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM silver.vendors").fetchone()[0] == before


def test_errors_carry_sqlstate_and_position_in_the_script(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    script = "SELECT 1;\nSELECT nope FROM gold.finance_expenses"
    with pytest.raises(QueryFailed) as failure:
        query_execution.execute(viewer, script)
    assert failure.value.sqlstate == "42703" and "nope" in str(failure.value)
    assert script[failure.value.position:].startswith("nope")
    assert failure.value.statement_index == 1
    assert _history(script)[0] == "failed" and _history(script)[3] == "42703"
    with pytest.raises(QueryFailed) as syntax:
        query_execution.execute(viewer, "SELEC 1")
    assert syntax.value.sqlstate == "42601" and syntax.value.position == 0


def test_statement_timeout(migrated, make_user):
    viewer, _ = make_user("viewer")
    with pytest.raises(QueryFailed, match="1 s statement timeout") as failure:
        query_execution.execute(viewer, "SELECT pg_sleep(5)", timeout_s=1)
    assert failure.value.sqlstate == "57014"


def test_cancel_ends_the_statement_in_the_database(migrated, make_user):
    engineer, _ = make_user("engineer")
    run_id = uuid.uuid4().hex
    sql = f"SELECT pg_sleep(60) /* {run_id} */"
    outcome: dict = {}

    def run():
        try:
            query_execution.execute(engineer, sql, run_id=run_id)
        except QueryFailed as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while not _active(run_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _active(run_id)
    clicked = time.monotonic()
    assert query_execution.cancel(engineer, run_id) is True
    while _active(run_id) and time.monotonic() - clicked < 5:
        time.sleep(0.05)
    gone_after = time.monotonic() - clicked
    worker.join(10)
    assert not _active(run_id) and gone_after < 2
    assert isinstance(outcome["error"], QueryCancelled)
    assert _history(sql)[0] == "cancelled"


def _active(run_id: str) -> bool:
    """A backend still running the statement (its DECLARE, or the FETCH that executes it, names the run)."""
    marker = run_id[:16]
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s AND state = 'active'"
                            " AND pid <> pg_backend_pid()", (f"%{marker}%",)).fetchone()[0] > 0


@pytest.mark.parametrize(("sql", "error"), [
    ("", InvalidInput), ("   -- nothing\n", InvalidInput), ("x" * 1_000_001, InvalidInput),
])
def test_bad_input(migrated, make_user, sql, error):
    viewer, _ = make_user("viewer")
    with pytest.raises(error):
        query_execution.execute(viewer, sql)


def test_anonymous_cannot_run_sql(migrated):
    with pytest.raises(PermissionDenied):
        query_execution.execute(None, "SELECT 1")
