"""Event webhooks (n8n out): admins subscribe a URL — kept encrypted, shown as a hint — to events: a pipeline run
finished or failed, a data-quality test failed, an agent run finished. Each event is queued as a delivery in the
transaction that records it and POSTed as JSON by a worker (5 s timeout, WORKBENCH_WEBHOOK_TIMEOUT_S); a failed
delivery stays pending and is retried with growing delays, so a dead endpoint never blocks a run and nothing is
lost. The delivery log holds pipeline webhooks and these alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg.types.json import Jsonb

from services.activity import outbound
from services.core import db, secrets
from services.core.config import settings
from services.core.errors import ExternalServiceError, InvalidInput, NotFound
from services.core.queue import enqueue
from services.identity import audit
from services.identity.rbac import Permission, authorize

EVENTS = ("pipeline_run.finished", "pipeline_run.failed", "dq_test.failed", "agent_run.finished")
DELIVER_TASK = "activity.deliver_event_webhook"
DELIVER_QUEUE = "deliveries"
OUTBOX = outbound.Outbox(table="webhook_deliveries", sent_status="delivered", sent_column="delivered_at",
                         task=DELIVER_TASK, queue=DELIVER_QUEUE, source="webhooks")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")


@dataclass(frozen=True)
class EventWebhook:
    id: int
    name: str
    url_hint: str
    events: list[str]
    created_at: datetime


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    event: str | None
    target: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def hint(url: str) -> str:
    """The URL's scheme and host: enough to recognise it, not enough to call it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…"


def add_webhook(actor: Any, name: str, url: str, events: list[str], *,
                client_address: str | None = None) -> EventWebhook:
    """Subscribe `url` to `events` (Configure Integrations: admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    name, url = (name or "").strip(), (url or "").strip()
    if not NAME.match(name):
        raise InvalidInput("A webhook's name is 1–63 letters, digits, spaces, '_', '.' or '-'.")
    if not re.match(r"^https?://[^\s/]+\S*$", url):
        raise InvalidInput("The webhook URL is http(s)://… (an n8n Webhook node's production URL).")
    events = list(dict.fromkeys(e.strip() for e in events if e and e.strip()))
    unknown = [e for e in events if e not in EVENTS]
    if not events or unknown:
        raise InvalidInput(f"Choose events among {', '.join(EVENTS)}" + (f"; not {', '.join(unknown)}." if unknown
                                                                          else "."))
    with db.connection() as conn:
        try:
            row = conn.execute("INSERT INTO ip_workbench.event_webhooks (name, url_encrypted, url_hint, events,"
                               " created_by) VALUES (%s, %s, %s, %s, %s) RETURNING id, created_at",
                               (name, secrets.encrypt(url), hint(url), events, actor.id)).fetchone()
        except psycopg.errors.UniqueViolation:
            raise InvalidInput(f"There is already a webhook named {name}.") from None
        audit.record(action="event_webhook_added", actor=actor, target=name, client_address=client_address,
                     conn=conn, details={"events": events, "hint": hint(url)})
    return EventWebhook(row[0], name, hint(url), events, row[1])


def list_webhooks(actor: Any) -> list[EventWebhook]:
    """Every subscription, URLs as hints (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS)
    with db.connection() as conn:
        return [EventWebhook(*r) for r in conn.execute(
            "SELECT id, name, url_hint, events, created_at FROM ip_workbench.event_webhooks ORDER BY name")]


def delete_webhook(actor: Any, name: str, *, client_address: str | None = None) -> None:
    """Remove a subscription (its pending deliveries go with it)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    with db.connection() as conn:
        if not conn.execute("DELETE FROM ip_workbench.event_webhooks WHERE name = %s RETURNING 1", (name,)).fetchone():
            raise NotFound(f"There is no webhook named {name}.")
        audit.record(action="event_webhook_deleted", actor=actor, target=name, client_address=client_address,
                     conn=conn)


def publish(conn: psycopg.Connection, event: str, payload: dict[str, Any]) -> list[int]:
    """Queue `event` for every webhook subscribed to it, in the caller's transaction; returns the deliveries."""
    body = {**payload, "event": event, "at": datetime.now(UTC).isoformat()}
    ids = []
    for webhook_id, url_hint in conn.execute("SELECT id, url_hint FROM ip_workbench.event_webhooks WHERE %s ="
                                             " ANY(events)", (event,)).fetchall():
        delivery_id = conn.execute(
            "INSERT INTO ip_workbench.webhook_deliveries (url, payload, event, event_webhook_id) VALUES"
            " (%s, %s, %s, %s) RETURNING id", (url_hint, Jsonb(body), event, webhook_id)).fetchone()[0]
        enqueue(conn, DELIVER_TASK, queue_name=DELIVER_QUEUE, delivery_id=delivery_id)
        ids.append(delivery_id)
    return ids


def deliver(delivery_id: int) -> str:
    """Send one event delivery (the queue's task body); returns its status afterwards."""
    with db.connection() as conn:
        row = conn.execute("SELECT d.payload, d.attempts, d.status, w.url_encrypted, w.name FROM"
                           " ip_workbench.webhook_deliveries d JOIN ip_workbench.event_webhooks w ON"
                           " w.id = d.event_webhook_id WHERE d.id = %s FOR UPDATE OF d SKIP LOCKED",
                           (delivery_id,)).fetchone()
        if row is None or row[2] != "pending":
            return row[2] if row else "missing"
        payload, attempts, _status, encrypted, name = row
        error = None
        try:
            response = httpx.post(secrets.decrypt(encrypted), json=payload, timeout=settings().webhook_timeout_s,
                                  headers={"User-Agent": "Workbench-Webhook/1"})
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {str(exc)[:300]}"
        return outbound.settle(conn, OUTBOX, delivery_id, attempts, error, f"An event to webhook {name}")


def delivery_log(actor: Any, limit: int = 50) -> list[DeliveryRow]:
    """The newest deliveries of pipeline and event webhooks (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS)
    with db.connection() as conn:
        return [DeliveryRow(*r) for r in conn.execute(
            "SELECT id, coalesce(event, payload->>'event'), url, status, attempts, last_error, created_at,"
            " delivered_at FROM ip_workbench.webhook_deliveries ORDER BY id DESC LIMIT %s",
            (max(1, min(limit, 500)),))]


def post_to(name: str, payload: Any) -> tuple[int, str]:
    """POST `payload` to the webhook an admin registered as `name` (the agent tool n8n_webhook: only these
    allow-listed URLs can be called); (status code, the answer's first 1,000 characters)."""
    with db.connection() as conn:
        row = conn.execute("SELECT url_encrypted FROM ip_workbench.event_webhooks WHERE name = %s",
                           (name,)).fetchone()
        names = [r[0] for r in conn.execute("SELECT name FROM ip_workbench.event_webhooks ORDER BY name")]
    if row is None:
        raise NotFound(f"No webhook is registered as {name!r}; registered: {', '.join(names) or 'none'}.")
    try:
        response = httpx.post(secrets.decrypt(row[0]), json=payload, timeout=settings().webhook_timeout_s,
                              headers={"User-Agent": "Workbench-Agent/1"})
    except httpx.HTTPError as exc:
        raise ExternalServiceError(f"The webhook {name} did not answer: {type(exc).__name__}.") from None
    return response.status_code, response.text[:1000]
