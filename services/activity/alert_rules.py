"""Alert rules (admins): which event notifies which channel, for one table or all, above or below a threshold,
to whom, and at most once per cooldown window per rule and subject."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg

from services.activity import channels
from services.core import db
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.table_names import resolve_table
from services.identity import audit
from services.identity.rbac import Permission, authorize

# Event → what its threshold means (None: the event takes no threshold).
EVENTS: dict[str, str | None] = {
    "test_failed": None,
    "score_below": "score (0–100) under which the table's alert fires",
    "slo_breach": None,
    "pipeline_failed": None,
    "cost_overrun": "spend in USD from which the alert fires (0: every overrun)",
    "owner_assigned": None,
}
TABLE_EVENTS = frozenset({"test_failed", "score_below", "slo_breach", "owner_assigned"})
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
DEFAULT_COOLDOWN_MINUTES = 60


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    event: str
    channel: str
    table: str | None
    threshold: float | None
    recipients: list[str] = field(default_factory=list)
    cooldown_minutes: int = DEFAULT_COOLDOWN_MINUTES
    enabled: bool = True


_SELECT = ("SELECT r.id::text, r.name, r.event, c.name, t.schema_name || '.' || t.table_name, r.threshold,"
           " r.recipients, r.cooldown_minutes, r.enabled FROM ip_workbench.alert_rules r"
           " JOIN ip_workbench.alert_channels c ON c.id = r.channel_id"
           " LEFT JOIN ip_workbench.tables t ON t.id = r.table_id")


def _rule(row: tuple) -> Rule:
    return Rule(row[0], row[1], row[2], row[3], row[4], float(row[5]) if row[5] is not None else None,
                list(row[6]), row[7], row[8])


def _check(name: str, event: str, table: str | None, threshold: float | None, recipients: list[str],
           cooldown_minutes: int) -> None:
    if not channels.NAME_PATTERN.match(name or ""):
        raise InvalidInput("A rule name is 1–63 letters, digits, spaces, '_', '.' or '-'.")
    if event not in EVENTS:
        raise InvalidInput(f"Unknown event {event!r}; one of {', '.join(EVENTS)}.")
    if EVENTS[event] and threshold is None:
        raise InvalidInput(f"A {event} rule needs a threshold: the {EVENTS[event]}.")
    if not EVENTS[event] and threshold is not None:
        raise InvalidInput(f"A {event} rule takes no threshold.")
    if event == "score_below" and not 0 <= threshold <= 100:
        raise InvalidInput("A score threshold is between 0 and 100.")
    if table and event not in TABLE_EVENTS:
        raise InvalidInput(f"A {event} rule is not about one table; leave the table out.")
    bad = [r for r in recipients if not EMAIL.match(r)]
    if bad:
        raise InvalidInput(f"Recipients are email addresses; not: {', '.join(bad)}.")
    if not 0 <= cooldown_minutes <= 7 * 24 * 60:
        raise InvalidInput("The cooldown is between 0 and 10080 minutes (a week).")


def add_rule(actor: Any, name: str, *, event: str, channel: str, table: str | None = None,
             threshold: float | None = None, recipients: list[str] | None = None,
             cooldown_minutes: int = DEFAULT_COOLDOWN_MINUTES, client_address: str | None = None) -> Rule:
    """Create a rule (admins)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    name = (name or "").strip()
    people = [r.strip().lower() for r in recipients or [] if r.strip()]
    _check(name, event, table, threshold, people, cooldown_minutes)
    with db.connection() as conn:
        target = channels.find(conn, channel)
        table_id = resolve_table(conn, table).id if table else None
        try:
            rule_id = conn.execute(
                "INSERT INTO ip_workbench.alert_rules (name, event, channel_id, table_id, threshold, recipients,"
                " cooldown_minutes, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id::text",
                (name, event, target.id, table_id, threshold, people, cooldown_minutes, actor.id)).fetchone()[0]
        except psycopg.errors.UniqueViolation:
            raise Conflict(f"A rule named {name} exists already.") from None
        audit.record(action="alert_rule_added", actor=actor, target=name, client_address=client_address, conn=conn,
                     details={"event": event, "channel": target.name, "table": table, "threshold": threshold})
        return _rule(conn.execute(_SELECT + " WHERE r.id = %s", (rule_id,)).fetchone())


def list_rules(actor: Any) -> list[Rule]:
    """Every rule (admins)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS)
    with db.connection() as conn:
        return [_rule(row) for row in conn.execute(_SELECT + " ORDER BY r.name").fetchall()]


def matching(conn: psycopg.Connection, event: str, table_id: str | None) -> list[tuple[Rule, str]]:
    """(rule, channel id) of the enabled rules an event of this kind (about this table) fires."""
    rows = conn.execute(
        _SELECT.replace("SELECT ", "SELECT r.channel_id::text, ", 1)
        + " WHERE r.enabled AND r.event = %s AND (r.table_id IS NULL OR r.table_id = %s) ORDER BY r.name",
        (event, table_id)).fetchall()
    return [(_rule(row[1:]), row[0]) for row in rows]


def set_enabled(actor: Any, name: str, enabled: bool, *, client_address: str | None = None) -> None:
    """Switch a rule on or off (admins)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    with db.connection() as conn:
        done = conn.execute("UPDATE ip_workbench.alert_rules SET enabled = %s WHERE name = %s RETURNING 1",
                            (enabled, name)).fetchone()
        if not done:
            raise NotFound(f"There is no alert rule named {name}.")
        audit.record(action="alert_rule_enabled" if enabled else "alert_rule_disabled", actor=actor, target=name,
                     client_address=client_address, conn=conn)


def delete_rule(actor: Any, name: str, *, client_address: str | None = None) -> None:
    """Remove a rule (admins); its delivery log stays."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    with db.connection() as conn:
        done = conn.execute("DELETE FROM ip_workbench.alert_rules WHERE name = %s RETURNING 1", (name,)).fetchone()
        if not done:
            raise NotFound(f"There is no alert rule named {name}.")
        audit.record(action="alert_rule_deleted", actor=actor, target=name, client_address=client_address, conn=conn)
