"""Alert channels: where notifications go, as Apprise URLs (Slack, Mattermost, email, JSON webhooks and the
rest of Apprise's schemas). A URL carries secrets (tokens, passwords), so it is stored encrypted and only a
masked hint (Apprise's own privacy form) is ever shown again. Configuring them is Configure DQ Alerts
(admins)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import apprise
import psycopg

from services.core import db, secrets
from services.core.errors import Conflict, InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,62}$")


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    kind: str
    url_hint: str
    created_at: datetime


WEBHOOK_SCHEMES = {"json", "jsons", "xml", "xmls", "form", "forms"}


def describe_url(url: str) -> tuple[str, str]:
    """(kind, masked hint) of an Apprise URL; InvalidInput when Apprise does not know it."""
    plugin = apprise.Apprise.instantiate(url.strip(), suppress_exceptions=True) if url and url.strip() else None
    if plugin is None:
        raise InvalidInput("That is not a notification URL Apprise knows (for example slack://TokenA/TokenB/TokenC,"
                           " mmost://host/token, mailto://user:password@host?to=someone@example.com,"
                           " json://host/path).")
    masked = plugin.url(privacy=True).split("?", 1)[0]
    scheme, _, rest = masked.partition("://")
    if scheme.lower() in WEBHOOK_SCHEMES:  # Apprise keeps a webhook's path, and an n8n path is its secret
        masked = f"{scheme}://{rest.split('/', 1)[0]}/…"
    return str(plugin.service_name), masked


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME_PATTERN.match(name):
        raise InvalidInput("A channel name is 1–63 letters, digits, spaces, '_', '.' or '-'.")
    return name


def add_channel(actor: Any, name: str, url: str, *, client_address: str | None = None) -> Channel:
    """Store a channel (admins); the URL is encrypted and never returned."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    name = _check_name(name)
    kind, hint = describe_url(url)
    with db.connection() as conn:
        try:
            row = conn.execute(
                "INSERT INTO ip_workbench.alert_channels (name, kind, url_encrypted, url_hint, created_by)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id::text, name, kind, url_hint, created_at",
                (name, kind, secrets.encrypt(url.strip()), hint, actor.id)).fetchone()
        except psycopg.errors.UniqueViolation:
            raise Conflict(f"A channel named {name} exists already.") from None
        audit.record(action="alert_channel_added", actor=actor, target=name, client_address=client_address,
                     conn=conn, details={"kind": kind, "hint": hint})
    return Channel(*row)


def list_channels(actor: Any) -> list[Channel]:
    """Every channel, with hints only (admins)."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS)
    with db.connection() as conn:
        rows = conn.execute("SELECT id::text, name, kind, url_hint, created_at FROM ip_workbench.alert_channels"
                            " ORDER BY name").fetchall()
    return [Channel(*row) for row in rows]


def find(conn: psycopg.Connection, name: str) -> Channel:
    """The channel called `name`; NotFound otherwise."""
    row = conn.execute("SELECT id::text, name, kind, url_hint, created_at FROM ip_workbench.alert_channels"
                       " WHERE name = %s", ((name or "").strip(),)).fetchone()
    if row is None:
        raise NotFound(f"There is no alert channel named {name}.")
    return Channel(*row)


def url_of(conn: psycopg.Connection, channel_id: str) -> str:
    """The channel's URL in clear, for sending only."""
    row = conn.execute("SELECT url_encrypted FROM ip_workbench.alert_channels WHERE id = %s",
                       (channel_id,)).fetchone()
    if row is None:
        raise NotFound("That alert channel no longer exists.")
    return secrets.decrypt(row[0])


def delete_channel(actor: Any, name: str, *, client_address: str | None = None) -> None:
    """Remove a channel and its rules (admins); its delivery log stays."""
    authorize(actor, Permission.CONFIGURE_DQ_ALERTS, client_address=client_address)
    with db.connection() as conn:
        channel = find(conn, name)
        conn.execute("DELETE FROM ip_workbench.alert_channels WHERE id = %s", (channel.id,))
        audit.record(action="alert_channel_deleted", actor=actor, target=channel.name, client_address=client_address,
                     conn=conn)
