"""Home's KPI trends (over 7 days) and Recent Activity (recorded events, your queries, agent runs by role)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from services.activity import feed, kpis
from services.core import db
from services.sql import execution as query_execution


def test_the_tables_trend_compares_with_the_sync_before_seven_days(demo_warehouse, make_user):
    user, _ = make_user("viewer")
    with db.connection() as conn:
        total = conn.execute("SELECT count(*) FROM ip_workbench.tables").fetchone()[0]
        run_id = conn.execute(
            "INSERT INTO ip_workbench.catalog_sync_runs (trigger, started_at, finished_at, status, tables_total)"
            " VALUES ('cli', now() - interval '9 days', now() - interval '8 days', 'completed', %s) RETURNING id",
            (total - 2,)).fetchone()[0]
    try:
        assert kpis.kpis(user).tables_change == 2
    finally:
        with db.connection() as conn:
            conn.execute("DELETE FROM ip_workbench.catalog_sync_runs WHERE id = %s", (run_id,))


def test_the_score_trend_compares_with_each_tables_score_back_then(demo_warehouse, make_user):
    user, _ = make_user("viewer")
    with db.connection() as conn:
        table_id, before = conn.execute("SELECT id, dq_score FROM ip_workbench.tables ORDER BY schema_name, table_name"
                                        " LIMIT 1").fetchone()
        conn.execute("UPDATE ip_workbench.tables SET dq_score = 80 WHERE id = %s", (table_id,))
        run_id = conn.execute(
            "INSERT INTO ip_workbench.dq_runs (table_id, trigger, status, score, created_at, completed_at)"
            " VALUES (%s, 'manual', 'completed', 50, now() - interval '8 days', now() - interval '8 days')"
            " RETURNING id", (table_id,)).fetchone()[0]
        older = conn.execute("SELECT count(*) FROM ip_workbench.dq_runs WHERE completed_at <= now() - interval"
                             " '7 days' AND id <> %s", (run_id,)).fetchone()[0]
    try:
        assert older == 0  # only this run is old enough: the average back then is 50
        now = kpis.kpis(user)
        assert now.avg_dq_score is not None and now.dq_change == now.avg_dq_score - Decimal(50)
    finally:
        with db.connection() as conn:
            conn.execute("DELETE FROM ip_workbench.dq_runs WHERE id = %s", (run_id,))
            conn.execute("UPDATE ip_workbench.tables SET dq_score = %s WHERE id = %s", (before, table_id))


def test_recent_activity_shows_your_queries_and_only_yours(demo_warehouse, make_user):
    mine, _ = make_user("viewer")
    other, _ = make_user("viewer")
    admin, _ = make_user("admin")
    marker = uuid.uuid4().hex[:8]
    query_execution.execute_all(mine, f"SELECT '{marker}'  AS   spaced", source="editor")
    items = feed.recent(mine, 10)
    query = next(i for i in items if marker in i.title)
    assert query.kind == "query" and query.status == "completed"
    assert query.title == f"SELECT '{marker}' AS spaced" and query.link.startswith("/sql?sql=SELECT")
    assert all(marker not in i.title for i in feed.recent(other, 50))
    assert any(marker in i.title for i in feed.recent(admin, 10))


def test_agent_runs_are_left_out_for_viewers(demo_warehouse, make_user):
    viewer, _ = make_user("viewer")
    engineer, _ = make_user("engineer")
    with db.connection() as conn:
        agent_id = conn.execute("INSERT INTO ip_workbench.agents (name, model) VALUES (%s, 'local') RETURNING id",
                                (f"feed_{uuid.uuid4().hex[:6]}",)).fetchone()[0]
        conn.execute("INSERT INTO ip_workbench.agent_runs (agent_id, status, input_prompt) VALUES (%s, 'completed',"
                     " 'count the vendors')", (agent_id,))
    try:
        assert any(i.kind == "agent_run" and "count the vendors" in i.title and i.link.startswith("/agents/runs/")
                   for i in feed.recent(engineer, 10))
        assert all(i.kind != "agent_run" for i in feed.recent(viewer, 50))
    finally:
        with db.connection() as conn:
            conn.execute("DELETE FROM ip_workbench.agents WHERE id = %s", (agent_id,))
