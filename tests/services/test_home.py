"""Home: KPIs from kpi_summary, recent activity, alerts dismissible per user."""

from __future__ import annotations

import pytest

from services import activity, db, home
from services.errors import InvalidInput, NotAuthenticated, NotFound


def test_kpis_match_the_tables(make_user):
    user, _ = make_user("viewer")
    k = home.kpis(user)
    with db.connection() as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM ip_workbench.tables),"
                              " (SELECT count(*) FROM ip_workbench.pipelines),"
                              " (SELECT count(*) FROM ip_workbench.agents)").fetchone()
    assert (k.total_tables, k.total_pipelines, k.total_agents) == counts
    assert k.avg_dq_score is None or 0 <= k.avg_dq_score <= 100


def test_anonymous_gets_nothing(migrated):
    with pytest.raises(NotAuthenticated):
        home.kpis(None)


def test_alert_dismissal_is_per_user(make_user):
    alice, _ = make_user("engineer")
    bob, _ = make_user("viewer")
    with db.connection() as conn:
        home.raise_alert(conn, "error", "test", "Job X failed for the test")
        home.raise_alert(conn, "error", "test", "Job X failed for the test")  # no duplicate
    mine = [a for a in home.open_alerts(alice) if a.message == "Job X failed for the test"]
    assert len(mine) == 1
    home.dismiss_alert(alice, mine[0].id)
    assert all(a.id != mine[0].id for a in home.open_alerts(alice))
    assert any(a.id == mine[0].id for a in home.open_alerts(bob))
    with pytest.raises(InvalidInput):
        home.dismiss_alert(alice, "not-a-uuid")
    with pytest.raises(NotFound):
        home.dismiss_alert(alice, "00000000-0000-0000-0000-000000000000")


def test_recent_activity_is_newest_first_and_capped(make_user):
    user, _ = make_user("viewer")
    with db.connection() as conn:
        for i in range(12):
            activity.record(conn, "query", f"query number {i}", status="completed")
    items = activity.recent(user, 10)
    assert len(items) == 10 and items[0].title == "query number 11"
