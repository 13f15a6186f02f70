"""Home: KPIs from kpi_summary, recent activity, alerts dismissible per user."""

from __future__ import annotations

import pytest

from services.activity import alerts, kpis
from services.activity import feed as activity
from services.core import db
from services.core.errors import InvalidInput, NotAuthenticated, NotFound


def test_kpis_match_the_tables(make_user):
    user, _ = make_user("viewer")
    k = kpis.kpis(user)
    with db.connection() as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM ip_workbench.tables),"
                              " (SELECT count(*) FROM ip_workbench.pipelines),"
                              " (SELECT count(*) FROM ip_workbench.agents)").fetchone()
    assert (k.total_tables, k.total_pipelines, k.total_agents) == counts
    assert k.avg_dq_score is None or 0 <= k.avg_dq_score <= 100


def test_anonymous_gets_nothing(migrated):
    with pytest.raises(NotAuthenticated):
        kpis.kpis(None)


def test_alert_dismissal_is_per_user(make_user):
    alice, _ = make_user("engineer")
    bob, _ = make_user("viewer")
    with db.connection() as conn:
        alerts.raise_alert(conn, "error", "test", "Job X failed for the test")
        alerts.raise_alert(conn, "error", "test", "Job X failed for the test")  # no duplicate
    mine = [a for a in alerts.open_alerts(alice) if a.message == "Job X failed for the test"]
    assert len(mine) == 1
    alerts.dismiss_alert(alice, mine[0].id)
    assert all(a.id != mine[0].id for a in alerts.open_alerts(alice))
    assert any(a.id == mine[0].id for a in alerts.open_alerts(bob))
    with pytest.raises(InvalidInput):
        alerts.dismiss_alert(alice, "not-a-uuid")
    with pytest.raises(NotFound):
        alerts.dismiss_alert(alice, "00000000-0000-0000-0000-000000000000")


def test_recent_activity_is_newest_first_and_capped(make_user):
    user, _ = make_user("viewer")
    with db.connection() as conn:
        for i in range(12):
            activity.record(conn, "query", f"query number {i}", status="completed")
    items = activity.recent(user, 10)
    assert len(items) == 10 and items[0].title == "query number 11"
