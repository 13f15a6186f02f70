"""Raising an alert event and delivering it: every event opens an in-app alert on Home (once while an
identical one is open) and, for each enabled rule it matches, queues one notification to the rule's channel —
at most one per rule and subject (a table, a pipeline) in the rule's cooldown window; the ones held back are
logged as suppressed. Workers send them through Apprise; a failed send is retried with growing delays and
marked failed (with its last error) after MAX_ATTEMPTS. Every delivery stays in the log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import apprise
import psycopg
from apprise.plugins.slack import NotifySlack

from services.activity import alert_rules, alerts, channels, outbound
from services.core import db
from services.core.config import settings
from services.core.queue import enqueue
from services.identity import audit
from services.identity.rbac import Permission, authorize

DELIVER_TASK = "activity.deliver_alert"
DELIVER_QUEUE = "notifications"
OUTBOX = outbound.Outbox(table="alert_deliveries", sent_status="sent", sent_column="sent_at", task=DELIVER_TASK,
                         queue=DELIVER_QUEUE, source="alerts")


@dataclass(frozen=True)
class Event:
    """Something worth telling people: `subject` names what it is about (schema.table, pipeline:name)."""

    event: str
    subject: str
    severity: str
    title: str
    body: str
    table_id: str | None = None
    value: float | None = None
    recipients: tuple[str, ...] = ()
    link: str | None = None


@dataclass(frozen=True)
class Delivery:
    id: int
    created_at: datetime
    rule: str | None
    channel: str
    event: str
    subject: str
    severity: str
    title: str
    status: str
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    recipients: list[str] = field(default_factory=list)


def _fires(rule: alert_rules.Rule, event: Event) -> bool:
    if rule.event == "score_below":
        return event.value is not None and event.value < (rule.threshold or 0)
    if rule.event == "cost_overrun":
        return event.value is not None and event.value >= (rule.threshold or 0)
    return True


def emit(conn: psycopg.Connection, event: Event, *, in_app: bool | None = True) -> list[int]:
    """Raise `event` inside the caller's transaction: the in-app alert (always; never when `in_app` is False,
    as the caller raised its own; with None only when a rule fires) and a delivery per matching rule (queued,
    or suppressed by the cooldown). Returns the queued delivery ids."""
    fired = [(rule, channel_id) for rule, channel_id in alert_rules.matching(conn, event.event, event.table_id)
             if _fires(rule, event)]
    if in_app or (in_app is None and fired):
        alerts.raise_alert(conn, event.severity, event.subject, f"{event.title}: {event.body}"[:1000])
    queued: list[int] = []
    for rule, channel_id in fired:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"alert:{rule.id}:{event.subject}",))
        recent = conn.execute(
            "SELECT 1 FROM ip_workbench.alert_deliveries WHERE rule_id = %s AND subject = %s AND status <> 'suppressed'"
            " AND created_at > now() - make_interval(mins => %s) LIMIT 1",
            (rule.id, event.subject, rule.cooldown_minutes)).fetchone()
        people = list(event.recipients) if event.event == "owner_assigned" else rule.recipients
        delivery_id = conn.execute(
            "INSERT INTO ip_workbench.alert_deliveries (rule_id, channel_id, rule_name, channel_name, event, subject,"
            " severity, title, body, recipients, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING id", (rule.id, channel_id, rule.name, rule.channel, event.event, event.subject,
                              event.severity, event.title, event.body, people,
                              "suppressed" if recent else "pending")).fetchone()[0]
        if not recent:
            enqueue(conn, DELIVER_TASK, queue_name=DELIVER_QUEUE, delivery_id=delivery_id)
            queued.append(delivery_id)
    return queued


def _addressed(url: str, recipients: list[str], *, only: bool) -> str:
    """An email channel's URL with the rule's recipients added to its `to` (or, `only`, instead of it)."""
    if not recipients or not url.lower().startswith(("mailto://", "mailtos://")):
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "to"]
    existing = [] if only else [a for k, v in parse_qsl(parts.query) if k == "to" for a in v.split(",") if a]
    query.append(("to", ",".join(dict.fromkeys([*existing, *recipients]))))
    return urlunsplit(parts._replace(query=urlencode(query)))


def _message(body: str, recipients: list[str], url: str) -> str:
    if recipients and not url.lower().startswith(("mailto://", "mailtos://")):
        return f"{body}\nFor: {', '.join(recipients)}"
    return body


def send(url: str, title: str, body: str, severity: str = "info") -> str | None:
    """Send one notification through Apprise now; None when sent, else why not."""
    NotifySlack.webhook_url = settings().slack_webhook_base
    kind = {"error": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(
        severity, apprise.NotifyType.INFO)
    sender = apprise.Apprise()
    if not sender.add(url):
        return "the channel URL is not one Apprise accepts"
    with apprise.LogCapture(level=apprise.logging.WARNING, fmt="%(message)s") as captured:
        sent = sender.notify(body=body, title=title, notify_type=kind)
        details = captured.getvalue().strip()
    if sent:
        return None
    return (details.splitlines()[-1] if details else "the notification could not be sent")[:500]


def deliver(delivery_id: int) -> str:
    """Send one queued delivery (the queue's task body); returns its status afterwards."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT channel_id::text, event, title, body, severity, recipients, attempts, status"
            " FROM ip_workbench.alert_deliveries WHERE id = %s FOR UPDATE SKIP LOCKED", (delivery_id,)).fetchone()
        if row is None or row[7] != "pending":
            return row[7] if row else "missing"
        channel_id, event, title, body, severity, recipients, attempts, _status = row
        if channel_id is None:
            conn.execute("UPDATE ip_workbench.alert_deliveries SET status = 'failed', last_error = %s WHERE id = %s",
                         ("the channel was deleted", delivery_id))
            return "failed"
        url = _addressed(channels.url_of(conn, channel_id), list(recipients), only=event == "owner_assigned")
        error = send(url, title, _message(body, list(recipients), url), severity)
        return outbound.settle(conn, OUTBOX, delivery_id, attempts, error, f"A notification ({title})")


def send_test(actor: Any, channel: str, *, client_address: str | None = None) -> str | None:
    """Send a test notification to a channel now (admins); None when sent, else why not (logged too)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    with db.connection() as conn:
        target = channels.find(conn, channel)
        url = channels.url_of(conn, target.id)
    title, body = "Workbench test notification", f"Alerts to channel {target.name} work (sent by {actor.email})."
    error = send(url, title, body)
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO ip_workbench.alert_deliveries (channel_id, channel_name, event, subject, severity, title,"
            " body, status, attempts, last_error, sent_at) VALUES (%s, %s, 'test', %s, 'info', %s, %s, %s, 1, %s,"
            " CASE WHEN %s THEN now() END)",
            (target.id, target.name, f"channel:{target.name}", title, body, "failed" if error else "sent", error,
             error is None))
        audit.record(action="alert_channel_tested", actor=actor, target=target.name, client_address=client_address,
                     conn=conn, details={"error": error})
    return error


def deliveries(actor: Any, limit: int = 100) -> list[Delivery]:
    """The delivery log, newest first (admins)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT id, created_at, rule_name, channel_name, event, subject, severity, title, status, attempts,"
            " last_error, sent_at, recipients FROM ip_workbench.alert_deliveries ORDER BY created_at DESC, id DESC"
            " LIMIT %s", (limit,)).fetchall()
    return [Delivery(*row[:12], recipients=list(row[12])) for row in rows]
