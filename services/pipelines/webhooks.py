"""Outbound webhooks (n8n): when a run ends, its summary is POSTed as JSON to each of the pipeline's URLs.

Each delivery is a row queued with the run's end (same transaction), sent by a worker with a 5 s timeout;
a failed one stays pending and is retried with growing delays, never lost. After MAX_ATTEMPTS it is
marked failed (kept, with its last error) and an alert says so."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
import psycopg
from psycopg.types.json import Jsonb

from services.activity import outbound
from services.core import db
from services.core.config import settings
from services.core.queue import enqueue

if TYPE_CHECKING:
    from services.pipelines.runs import Run
    from services.pipelines.store import Pipeline

DELIVER_TASK = "pipelines.deliver_webhook"
DELIVER_QUEUE = "deliveries"
OUTBOX = outbound.Outbox(table="webhook_deliveries", sent_status="delivered", sent_column="delivered_at",
                         task=DELIVER_TASK, queue=DELIVER_QUEUE, source="webhooks")


def run_summary(pipeline: Pipeline, run: Run) -> dict[str, Any]:
    """The JSON a webhook receives."""
    return {
        "event": "pipeline_run.finished", "pipeline_id": pipeline.id, "pipeline": pipeline.name,
        "job_run_id": run.id, "status": run.status, "trigger": run.trigger, "attempt": run.attempt,
        "rows_processed": run.rows_processed, "error": run.error,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "completed_at": run.completed_at.isoformat() if run.completed_at else None,
        "nodes": [{"id": n.id, "status": n.status, "rows": n.rows, "target": n.target} for n in run.nodes],
    }


def queue_run_summary(conn: psycopg.Connection, pipeline: Pipeline, run: Run) -> list[int]:
    """One pending delivery per webhook URL, queued in the caller's transaction."""
    payload = run_summary(pipeline, run)
    ids = []
    for url in pipeline.webhook_urls:
        delivery_id = conn.execute(
            "INSERT INTO ip_workbench.webhook_deliveries (job_run_id, url, payload) VALUES (%s, %s, %s)"
            " RETURNING id", (run.id, url, Jsonb(payload))).fetchone()[0]
        enqueue(conn, DELIVER_TASK, queue_name=DELIVER_QUEUE, delivery_id=delivery_id)
        ids.append(delivery_id)
    return ids


def deliver(delivery_id: int) -> str:
    """Send one delivery (the queue's task body); returns its status afterwards."""
    with db.connection() as conn:
        row = conn.execute("SELECT url, payload, attempts, status FROM ip_workbench.webhook_deliveries"
                           " WHERE id = %s FOR UPDATE SKIP LOCKED", (delivery_id,)).fetchone()
        if row is None or row[3] != "pending":
            return row[3] if row else "missing"
        url, payload, attempts, _status = row
        error = None
        try:
            response = httpx.post(url, json=payload, timeout=settings().webhook_timeout_s,
                                  headers={"User-Agent": "Workbench-Webhook/1"})
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        return outbound.settle(conn, OUTBOX, delivery_id, attempts, error, f"A run summary to {url}")
