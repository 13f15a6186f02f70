"""What every outbound delivery (run-summary webhooks, alert notifications) does after one attempt: mark it
sent, or keep it pending with a retry queued after a growing delay, or, after MAX_ATTEMPTS, mark it failed
for good (kept with its last error) and raise an in-app alert saying so."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from services.activity import alerts
from services.core.queue import enqueue, retry_delay_s

MAX_ATTEMPTS = 12
log = logging.getLogger("workbench.outbound")


@dataclass(frozen=True)
class Outbox:
    """Where a kind of delivery is kept and how it is retried."""

    table: str  # in ip_workbench
    sent_status: str
    sent_column: str
    task: str
    queue: str
    source: str  # the in-app alert's source when one fails for good


def settle(conn: psycopg.Connection, box: Outbox, delivery_id: int, attempts_before: int, error: str | None,
           what: str) -> str:
    """Record one attempt (`error` None: it went through) inside the caller's transaction; returns the status."""
    attempts = attempts_before + 1
    table = sql.Identifier("ip_workbench", box.table)
    if error is None:
        conn.execute(sql.SQL("UPDATE {} SET status = %s, attempts = %s, {} = now(), last_error = NULL"
                             " WHERE id = %s").format(table, sql.Identifier(box.sent_column)),
                     (box.sent_status, attempts, delivery_id))
        return box.sent_status
    if attempts >= MAX_ATTEMPTS:
        conn.execute(sql.SQL("UPDATE {} SET status = 'failed', attempts = %s, last_error = %s WHERE id = %s").format(
            table), (attempts, error, delivery_id))
        alerts.raise_alert(conn, "error", box.source, f"{what} could not be delivered after {attempts} attempts:"
                                                      f" {error}")
        return "failed"
    delay = retry_delay_s(attempts)
    conn.execute(sql.SQL("UPDATE {} SET attempts = %s, last_error = %s, next_attempt_at = now()"
                         " + make_interval(secs => %s) WHERE id = %s").format(table),
                 (attempts, error, delay, delivery_id))
    enqueue(conn, box.task, queue_name=box.queue, delay_s=delay, delivery_id=delivery_id)
    log.info("%s (delivery %s) failed (%s); retry in %s s", what, delivery_id, error, delay)
    return "pending"
