"""When tests run: queued by hand and done by a worker's task body, on a table's schedule, after a pipeline
run writes a table, and as a pipeline's quality gate (an error-severity failure stops the dependants).
SLOs are checked on every run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from services.catalog import sync as catalog_sync
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.pipelines import runner, store
from services.pipelines import runs as pipeline_runs
from services.pipelines.definition import parse_spec
from services.quality import runs, schedules, slo, testing
from services.runtime import recovery
from tests.polling import wait_until
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def table(demo_warehouse) -> str:
    name = source_table("id int, vendor_id int, loaded_at timestamptz",
                        "SELECT g, CASE WHEN g % 50 = 0 THEN NULL ELSE g END, now() - interval '30 hours'"
                        " FROM generate_series(1, 100) g", prefix="dqr")
    catalog_sync.sync(embed=False)
    return name


@pytest.fixture
def engineer(make_user):
    return make_user("engineer")[0]


def _yaml(table: str, severity: str = "error") -> str:
    return (f"version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: vendor_id\n"
            f"        tests: [{{not_null: {{severity: {severity}}}}}]\n")


def _queued_jobs(run_id: str) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = %s"
                            " AND status = 'todo' AND args ->> 'dq_run_id' = %s", (runs.RUN_TASK, run_id)).fetchone()[0]


def test_a_run_by_hand_is_queued_and_done_by_a_worker(table, engineer, make_user):
    testing.apply_yaml(engineer, _yaml(table))
    run_id = runs.request_run(engineer, table)
    assert _queued_jobs(run_id) == 1 and runs.get_run(engineer, run_id).status == "queued"
    assert runs.execute(run_id) == "completed"
    assert runs.execute(run_id) == "skipped"  # a job delivered twice does the work once
    done = runs.get_run(make_user("viewer")[0], run_id)
    assert (done.status, done.trigger, done.tests_total, done.tests_failed, done.score) == \
        ("completed", "manual", 1, 1, 98.0)
    assert runs.history(engineer, table)[-1].id == run_id
    with pytest.raises(PermissionDenied):
        runs.request_run(make_user("viewer")[0], table)


def test_slos_are_checked_on_every_run(table, engineer, make_user):
    testing.apply_yaml(engineer, _yaml(table))
    slo.set_slo(engineer, table, freshness_hours=24, completeness_pct=99)
    checked = runs.run_table(engineer, table)
    assert checked.slo["completeness"] == {"target": 99.0, "actual": 98.0, "met": False}
    assert checked.slo["freshness"]["met"] is not None
    with db.connection() as conn:
        stored = conn.execute("SELECT slo FROM ip_workbench.dq_runs WHERE id = %s", (checked.run_id,)).fetchone()[0]
        breach = conn.execute("SELECT message FROM ip_workbench.alerts WHERE source = %s AND message LIKE 'SLO%%'"
                              " AND resolved_at IS NULL", (table,)).fetchall()
    assert stored["completeness"]["met"] is False and breach and "completeness 98.0 %" in breach[0][0]
    slo.set_slo(engineer, table, freshness_hours=None, completeness_pct=95)
    assert runs.run_table(engineer, table).slo == {"completeness": {"target": 95.0, "actual": 98.0, "met": True}}
    for hours, pct in [(0, None), (None, 0), (None, 120)]:
        with pytest.raises(InvalidInput):
            slo.set_slo(engineer, table, freshness_hours=hours, completeness_pct=pct)
    with pytest.raises(PermissionDenied):
        slo.set_slo(make_user("viewer")[0], table, freshness_hours=1, completeness_pct=None)


def test_freshness_slo_uses_the_freshness_test(table, engineer):
    testing.apply_yaml(engineer, f"version: 2\nmodels:\n  - name: {table}\n    columns:\n"
                                 "      - name: loaded_at\n        tests: [{freshness: {hours: 48}}]\n")
    slo.set_slo(engineer, table, freshness_hours=24, completeness_pct=None)
    checked = runs.run_table(engineer, table)
    assert checked.slo["freshness"]["met"] is False and 29.9 < checked.slo["freshness"]["actual"] < 31


def test_schedules_queue_due_runs_and_bad_cron_changes_nothing(table, engineer):
    testing.apply_yaml(engineer, _yaml(table))
    with pytest.raises(InvalidInput, match="minute"):
        schedules.set_schedule(engineer, table, "99 * * * *")
    assert all(s.table != table for s in schedules.list_schedules(engineer))
    saved = schedules.set_schedule(engineer, table, "0 6 * * *", "Asia/Manila")
    assert saved.description.startswith("At 06:00") and saved.next_run_at > datetime.now(UTC)
    queued = schedules.enqueue_due(now=saved.next_run_at + timedelta(seconds=1))
    assert len(queued) == 1 and _queued_jobs(queued[0]) == 1
    assert schedules.enqueue_due(now=saved.next_run_at + timedelta(seconds=2)) == []  # moved on a day
    assert schedules.set_schedule(engineer, table, "") is None
    assert all(s.table != table for s in schedules.list_schedules(engineer))


def _gated_pipeline(engineer, source: str, target: str, *, gate: bool) -> str:
    suffix = uuid.uuid4().hex[:8]
    spec = {"name": f"gate_{suffix}", "domain": "test", "definition": {"nodes": [
        {"id": "clean", "type": "silver", "position": {"x": 0, "y": 0},
         "data": {"target": target, "sql": f"SELECT id, vendor_id FROM {source}", "quality_gate": gate}},
        {"id": "mart", "type": "gold", "position": {"x": 200, "y": 0},
         "data": {"target": f"gold.gated_{suffix}", "sql": f"SELECT count(*) AS n FROM {target}"}}],
        "edges": [{"id": "e", "source": "clean", "target": "mart"}]}}
    store.apply(engineer, parse_spec(spec))
    return spec["name"]


def test_a_failing_error_test_on_a_gate_stops_its_dependants(table, engineer, monkeypatch):
    monkeypatch.setenv("WORKBENCH_PIPELINE_RETRY_DELAY_S", "0")
    target = source_table("id int, vendor_id int", "SELECT 1, 1", prefix="gate")
    catalog_sync.sync(embed=False)
    testing.apply_yaml(engineer, _yaml(target))
    name = _gated_pipeline(engineer, table, target, gate=True)
    started = pipeline_runs.start(engineer, name)
    runner.execute(started.id, "test")
    run = pipeline_runs.get(engineer, started.id)
    nodes = {n.id: n for n in run.nodes}
    assert (run.status, nodes["clean"].status, nodes["mart"].status) == ("failed", "failed", "skipped")
    assert "Quality gate" in nodes["clean"].error and "not_null_vendor_id" in nodes["clean"].error
    with db.connection() as conn:
        gate_runs = conn.execute("SELECT trigger, tests_failed FROM ip_workbench.dq_runs WHERE job_run_id = %s",
                                 (started.id,)).fetchall()
    assert gate_runs == [("gate", 1)]
    testing.apply_yaml(engineer, _yaml(target, severity="warn"))  # a warning does not stop the run
    again = pipeline_runs.start(engineer, name)
    runner.execute(again.id, "test")
    assert pipeline_runs.get(engineer, again.id).status == "completed"


def test_tables_a_run_writes_get_their_tests_queued(table, engineer):
    target = source_table("id int, vendor_id int", "SELECT 1, 1", prefix="after")
    catalog_sync.sync(embed=False)
    testing.apply_yaml(engineer, _yaml(target))
    name = _gated_pipeline(engineer, table, target, gate=False)
    started = pipeline_runs.start(engineer, name)
    runner.execute(started.id, "test")
    assert pipeline_runs.get(engineer, started.id).status == "completed"
    with db.connection() as conn:
        queued = conn.execute("SELECT id::text, trigger, status FROM ip_workbench.dq_runs WHERE job_run_id = %s",
                              (started.id,)).fetchall()
    assert [(t, s) for _i, t, s in queued] == [("pipeline", "queued")]
    assert runs.execute(queued[0][0]) == "completed"
    assert runs.get_run(engineer, queued[0][0]).tests_failed == 1


def test_in_app_alerts_close_when_the_tests_pass_again(engineer):
    table = source_table("id int, v int", "SELECT g, NULLIF(g % 5, 0) FROM generate_series(1, 20) g", prefix="heal")
    catalog_sync.sync(embed=False)
    testing.apply_yaml(engineer, f"version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: v\n"
                                 "        tests: [not_null]\n")

    def open_alerts() -> list[str]:
        with db.connection() as conn:
            return [r[0] for r in conn.execute("SELECT message FROM ip_workbench.alerts WHERE source = %s"
                                               " AND resolved_at IS NULL", (table,)).fetchall()]

    runs.run_table(engineer, table)
    assert len(open_alerts()) == 1 and "failed on" in open_alerts()[0]
    with db.connection() as conn:
        conn.execute(f"UPDATE {table} SET v = 0 WHERE v IS NULL")
    assert runs.run_table(engineer, table).failed == []
    assert open_alerts() == []


def _job_status(run_id: str) -> str:
    with db.connection() as conn:
        return conn.execute("SELECT status::text FROM procrastinate.procrastinate_jobs WHERE task_name = %s"
                            " AND args ->> 'dq_run_id' = %s", (runs.RUN_TASK, run_id)).fetchone()[0]


def test_a_run_whose_worker_was_killed_is_failed_not_left_running(table, engineer):
    testing.apply_yaml(engineer, _yaml(table))
    run_id = runs.request_run(engineer, table)
    holder = psycopg.connect(db.database_url())
    holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # the run's first read waits here
    worker = subprocess.Popen([str(Path(sys.executable).with_name("workbench")), "worker", "--name", "doomed-dq"],
                              env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: runs.get_run(engineer, run_id).status == "running", 120)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        holder.rollback()
        holder.close()
    assert _job_status(run_id) == "doing"
    time.sleep(2)
    recovered = recovery.recover_stalled_jobs(silent_s=1)
    assert (runs.RUN_TASK, "failed") in [(r.task_name, r.action) for r in recovered]
    dead = runs.get_run(engineer, run_id)
    assert (dead.status, _job_status(run_id)) == ("failed", "failed")
    assert "stopped without finishing" in dead.error
