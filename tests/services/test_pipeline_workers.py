"""The queue with real worker processes (`workbench worker`), and outbound webhooks to a real HTTP server on
127.0.0.1, retried when a delivery fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from services.core import db
from services.core.queue import QUEUE_SCHEMA
from services.pipelines import runner, runs, store, webhooks
from services.pipelines.definition import parse_spec
from services.runtime import recovery
from tests.polling import wait_until
from tests.receivers import http_receiver
from tests.warehouse import fingerprint, source_table, swap_waiting

WORKBENCH = str(Path(sys.executable).parent / "workbench")


@pytest.fixture(scope="module")
def source(demo_warehouse) -> str:
    return source_table("id int, amount numeric", "SELECT g, g FROM generate_series(1, 100) g", prefix="w")


def _pipeline(engineer, source: str, **extra) -> str:
    suffix = uuid.uuid4().hex[:8]
    spec = {"name": f"w_{suffix}", "definition": {"nodes": [
        {"id": "n", "type": "silver", "data": {"target": f"silver.w_out_{suffix}",
                                               "sql": f"SELECT id, amount FROM {source}"}}], "edges": []}, **extra}
    applied = store.apply(engineer, parse_spec(spec))
    assert applied.report.ok, applied.report.summary()
    return spec["name"]


def _wait(condition, seconds: float = 120.0) -> bool:
    return wait_until(condition, seconds, every=0.2)


def test_two_worker_processes_run_twenty_queued_runs_exactly_once(source, make_user):
    engineer = make_user("engineer")[0]
    names = [_pipeline(engineer, source) for _ in range(4)]
    queued = [runs.start(engineer, names[i % 4]).id for i in range(20)]
    workers = [subprocess.Popen([WORKBENCH, "worker", "--concurrency", "2", "--name", f"w{i}"],
                                env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

               for i in range(2)]
    try:
        def finished() -> bool:
            with db.connection() as conn:
                return conn.execute("SELECT count(*) FROM ip_workbench.job_runs WHERE id = ANY(%s::uuid[])"
                                    " AND status IN ('completed', 'failed', 'blocked', 'cancelled')",
                                    (queued,)).fetchone()[0] == len(queued)
        ok = _wait(finished, 240)
    finally:
        for worker in workers:
            worker.terminate()
        errors = [worker.communicate(timeout=60)[1].decode(errors="replace")[-3000:] for worker in workers]
    assert ok, f"the workers did not finish the queued runs: {errors}"
    done = [runs.get(engineer, run_id) for run_id in queued]
    assert {r.status for r in done} == {"completed"}
    assert all(r.logs.count("run started") == 1 for r in done)
    assert {r.worker for r in done} <= {"w0", "w1"}
    with db.connection() as conn:
        per_run = conn.execute("SELECT link, count(*) FROM ip_workbench.activity_log WHERE link = ANY(%s)"
                               " GROUP BY link", ([f"/pipelines/runs/{r}" for r in queued],)).fetchall()
    assert sorted(count for _link, count in per_run) == [1] * 20


def _job_status(run_id: str) -> str:
    with db.connection() as conn:
        return conn.execute(f"SELECT status::text FROM {QUEUE_SCHEMA}.procrastinate_jobs WHERE task_name = %s"
                            " AND args ->> 'job_run_id' = %s", (runs.RUN_TASK, run_id)).fetchone()[0]


def test_a_sigkilled_worker_is_noticed_its_run_failed_and_retried_and_the_target_intact(source, make_user):
    engineer = make_user("engineer")[0]
    name = _pipeline(engineer, source)
    target = f"silver.w_out_{name.removeprefix('w_')}"
    first = runs.start(engineer, name)
    runner.execute(first.id, "test")  # the target's current content, built here
    before = fingerprint(target)
    started = runs.start(engineer, name)
    holder = psycopg.connect(db.database_url())
    holder.execute(f"SELECT 1 FROM {target} LIMIT 1")  # the swap waits for this lock: the run is mid-flight
    worker = subprocess.Popen([WORKBENCH, "worker", "--name", "doomed"], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: swap_waiting(target), 120), "the worker never reached the swap"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        holder.rollback()
        holder.close()
    assert _wait(lambda: not swap_waiting(target), 30)
    assert runs.get(engineer, started.id).status == "running" and _job_status(started.id) == "doing"
    time.sleep(2)  # the dead worker's last heartbeat ages (the scheduler's job uses STALLED_AFTER_S)
    recovered = recovery.recover_stalled_jobs(silent_s=1)
    assert (runs.RUN_TASK, "failed") in [(r.task_name, r.action) for r in recovered]
    assert _job_status(started.id) == "failed"
    dead = runs.get(engineer, started.id)
    assert dead.status == "failed" and "stopped without finishing" in dead.error
    retry = runs.list_runs(engineer, name, limit=1)[0]
    assert (retry.trigger, retry.retry_of) == ("retry", started.id)
    runs.cancel(engineer, retry.id)
    assert fingerprint(target) == before
    assert recovery.recover_stalled_jobs(silent_s=1) == []  # nothing is ended twice


@pytest.fixture
def receiver():
    with http_receiver(fail_first=1) as peer:
        yield peer


def test_run_summaries_reach_the_webhook_and_a_failed_delivery_is_retried(source, make_user, receiver):
    hook = f"{receiver.url}/hook"
    engineer = make_user("engineer")[0]
    name = _pipeline(engineer, source, webhook_urls=[hook, "http://127.0.0.1:9/closed"])
    started = runs.start(engineer, name)
    runner.execute(started.id, "test")
    with db.connection() as conn:
        deliveries = conn.execute("SELECT id, url FROM ip_workbench.webhook_deliveries WHERE job_run_id = %s"
                                  " ORDER BY id", (started.id,)).fetchall()
    assert [url for _id, url in deliveries] == [hook, "http://127.0.0.1:9/closed"]
    (to_receiver, _), (to_closed, _) = deliveries
    assert webhooks.deliver(to_receiver) == "pending"  # the receiver answered 500
    assert webhooks.deliver(to_closed) == "pending"  # nothing listens there
    with db.connection() as conn:
        rows = dict(conn.execute("SELECT id, last_error FROM ip_workbench.webhook_deliveries WHERE id = ANY(%s)",
                                 ([to_receiver, to_closed],)).fetchall())
        retries = conn.execute(
            "SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = %s AND status = 'todo'"
            " AND (args ->> 'delivery_id')::bigint = ANY(%s) AND scheduled_at > now()",
            (webhooks.DELIVER_TASK, [to_receiver, to_closed])).fetchone()[0]
    assert rows[to_receiver].startswith("HTTP 500") and "Connect" in rows[to_closed]
    assert retries == 2
    assert webhooks.deliver(to_receiver) == "delivered"
    body = receiver.posts[-1].body
    assert (body["job_run_id"], body["status"], body["pipeline"], body["rows_processed"]) == \
        (started.id, "completed", name, 100)
    assert body["nodes"] == [{"id": "n", "status": "completed", "rows": 100, "target": body["nodes"][0]["target"]}]
    assert webhooks.deliver(to_receiver) == "delivered"  # delivered once; a repeat is a no-op
    assert len(receiver.posts) == 2
