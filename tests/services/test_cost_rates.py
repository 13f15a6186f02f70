"""Costs that are not model calls: the admin-set rates, a pipeline run's compute cost per run-minute, each
table's storage per GB-month accrued once a day, and both in the cost report."""

from __future__ import annotations

import calendar
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.activity import costs, rates
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.pipelines import runner, runs, store
from services.pipelines.definition import parse_spec
from tests.warehouse import source_table


@pytest.fixture
def admin(make_user):
    found = make_user("admin")[0]
    yield found
    for name in rates.RATES:  # rates are global: leave them as the other tests expect (zero)
        rates.set_rate(found, name, 0)


def _stored() -> dict[str, Decimal]:
    with db.connection() as conn:
        return {n: Decimal(u) for n, u in conn.execute("SELECT name, usd FROM ip_workbench.cost_rates")}


def test_admins_set_rates_and_bad_values_change_nothing(admin, make_user):
    set_to = rates.set_rate(admin, "pipeline_run_minute", "0.25")
    assert (set_to.name, set_to.usd) == ("pipeline_run_minute", Decimal("0.25"))
    before = _stored()
    for name, value, message in (("pipeline_run_minute", "-1", "between 0"), ("storage_gb_month", "lots", "number"),
                                 ("gpu_hours", "1", "Unknown rate"), ("storage_gb_month", "NaN", "between 0")):
        with pytest.raises(InvalidInput, match=message):
            rates.set_rate(admin, name, value)
    for role in ("engineer", "viewer"):
        with pytest.raises(PermissionDenied):
            rates.set_rate(make_user(role)[0], "pipeline_run_minute", "9")
        with pytest.raises(PermissionDenied):
            rates.list_rates(make_user(role)[0])
    assert _stored() == before
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.audit_log WHERE action = 'cost_rate_set'"
                            " AND actor_id = %s", (admin.id,)).fetchone()[0] == 1


def test_a_pipeline_run_records_its_compute_cost(admin, make_user, demo_warehouse):
    engineer = make_user("engineer")[0]
    source = source_table("id int", "SELECT g FROM generate_series(1, 100) g", prefix="cost")
    suffix = uuid.uuid4().hex[:8]
    spec = {"name": f"costed_{suffix}", "domain": "test", "definition": {"edges": [], "nodes": [
        {"id": "slow", "type": "silver", "position": {"x": 0, "y": 0},
         "data": {"label": "Slow", "target": f"silver.costed_{suffix}",
                  "sql": f"SELECT id, pg_sleep(0.5) IS NULL AS slept FROM {source} WHERE id = 1"}}]}}
    store.apply(engineer, parse_spec(spec))
    rates.set_rate(admin, "pipeline_run_minute", "0.6")  # a cent a second
    started = runs.start(engineer, spec["name"])
    runner.execute(started.id, "test")
    with db.connection() as conn:
        cost, seconds = conn.execute(
            "SELECT c.cost_usd, extract(epoch FROM r.completed_at - r.started_at) FROM ip_workbench.cost_tracker c"
            " JOIN ip_workbench.job_runs r ON r.id::text = c.reference WHERE c.service = 'pipeline'"
            " AND c.reference = %s", (started.id,)).fetchone()
    assert Decimal(seconds) >= Decimal("0.5")
    assert abs(Decimal(cost) - Decimal(seconds) / 60 * Decimal("0.6")) < Decimal("0.000001")
    report = costs.report(admin, date.today())
    mine = next(p for p in report.by_pipeline if p["pipeline"] == spec["name"])
    assert (mine["runs"], mine["cost_usd"]) == (1, Decimal(cost))
    assert report.by_service["pipeline"] >= Decimal(cost)


def test_a_free_rate_records_nothing(admin, make_user, demo_warehouse):
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM ip_workbench.cost_tracker WHERE service IN ('pipeline',"
                              " 'storage')").fetchone()[0]
    assert rates.accrue_storage() == 0
    with db.connection() as conn:
        assert rates.record_pipeline_run(conn, str(uuid.uuid4()), str(uuid.uuid4())) == Decimal(0)
        after = conn.execute("SELECT count(*) FROM ip_workbench.cost_tracker WHERE service IN ('pipeline',"
                             " 'storage')").fetchone()[0]
    assert after == before


def test_storage_accrues_once_a_day_per_table(admin, demo_warehouse):
    rates.set_rate(admin, "storage_gb_month", "23")
    day = date(2026, 2, 11)  # 28 days: 23 / 28 per GB-day
    with db.connection() as conn:
        tables = conn.execute("SELECT count(*) FROM ip_workbench.tables t WHERE to_regclass(quote_ident(t.schema_name)"
                              " || '.' || quote_ident(t.table_name)) IS NOT NULL").fetchone()[0]
        conn.execute("DELETE FROM ip_workbench.cost_tracker WHERE service = 'storage' AND day = %s", (day,))
    added = rates.accrue_storage(day)
    assert added >= 5 and added <= tables
    assert rates.accrue_storage(day) == 0  # the same day again adds nothing
    with db.connection() as conn:
        size = conn.execute("SELECT pg_total_relation_size('gold.finance_expenses')").fetchone()[0]
        cost, recorded = conn.execute("SELECT cost_usd, recorded_at FROM ip_workbench.cost_tracker WHERE"
                                      " service = 'storage' AND day = %s AND reference = 'gold.finance_expenses'",
                                      (day,)).fetchone()
    expected = Decimal(size) / Decimal(10**9) * Decimal(23) / calendar.monthrange(2026, 2)[1]
    assert abs(Decimal(cost) - expected) < Decimal("0.00000001")
    assert recorded.astimezone(UTC).date() == day
    assert costs.report(admin, day).by_service["storage"] >= Decimal(cost)
    assert datetime.now(UTC).date() > day
