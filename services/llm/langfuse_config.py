"""Where traces go: Langfuse's host, public key and secret key — from LANGFUSE_* in the environment when set,
else as an admin saved them in Settings › Integrations (the secret key in the secrets store: masked, never
returned). Read per call, so every process follows a change at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from services.core import db, secrets
from services.core.config import settings
from services.core.errors import InvalidInput
from services.identity import audit
from services.identity.rbac import Permission, authorize

NAME = "langfuse"
SECRET = "langfuse.secret_key"
DEFAULT_HOST = "https://cloud.langfuse.com"


@dataclass(frozen=True)
class LangfuseConfig:
    public_key: str
    secret_key: str
    base_url: str


@dataclass(frozen=True)
class LangfuseStatus:
    configured: bool
    source: str  # "environment", "settings" or "none"
    base_url: str | None
    public_key: str | None
    secret_key_hint: str | None
    updated_at: datetime | None


def current() -> LangfuseConfig | None:
    """The keys traces are sent with, or None when Langfuse is not configured."""
    config = settings()
    if config.langfuse_enabled:
        return LangfuseConfig(config.langfuse_public_key or "", config.langfuse_secret_key or "",
                              config.langfuse_base_url or DEFAULT_HOST)
    with db.connection() as conn:
        row = conn.execute("SELECT settings FROM ip_workbench.integrations WHERE name = %s", (NAME,)).fetchone()
        secret = secrets.get(conn, SECRET) if row else None
    if not row or not secret:
        return None
    return LangfuseConfig(row[0]["public_key"], secret, row[0].get("base_url") or DEFAULT_HOST)


def status(actor: Any) -> LangfuseStatus:
    """What is configured, the secret key masked (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS)
    config = settings()
    if config.langfuse_enabled:
        return LangfuseStatus(True, "environment", config.langfuse_base_url or DEFAULT_HOST,
                              config.langfuse_public_key, secrets.hint(config.langfuse_secret_key or ""), None)
    with db.connection() as conn:
        row = conn.execute("SELECT settings, updated_at FROM ip_workbench.integrations WHERE name = %s",
                           (NAME,)).fetchone()
        hint = conn.execute("SELECT hint FROM ip_workbench.secrets WHERE name = %s", (SECRET,)).fetchone()
    if not row:
        return LangfuseStatus(False, "none", None, None, None, None)
    return LangfuseStatus(bool(hint), "settings", row[0].get("base_url"), row[0].get("public_key"),
                          hint[0] if hint else None, row[1])


def configure(actor: Any, base_url: str, public_key: str, secret_key: str | None, *,
              client_address: str | None = None) -> LangfuseStatus:
    """Save Langfuse's host and keys (admins); `secret_key` None keeps the stored one."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    base = (base_url or "").strip().rstrip("/") or DEFAULT_HOST
    public_key = (public_key or "").strip()
    if not re.match(r"^https?://\S+$", base):
        raise InvalidInput("Langfuse's host is an http(s) URL, e.g. https://cloud.langfuse.com.")
    if not public_key.startswith("pk-"):
        raise InvalidInput("The public key starts with pk- (Langfuse › Settings › API Keys).")
    if secret_key is not None and not secret_key.strip().startswith("sk-"):
        raise InvalidInput("The secret key starts with sk-.")
    with db.connection() as conn:
        if secret_key is None and not conn.execute("SELECT 1 FROM ip_workbench.secrets WHERE name = %s",
                                                   (SECRET,)).fetchone():
            raise InvalidInput("Give the secret key.")
        conn.execute("INSERT INTO ip_workbench.integrations (name, settings, updated_by) VALUES (%s, %s, %s)"
                     " ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_by ="
                     " excluded.updated_by, updated_at = now()",
                     (NAME, Jsonb({"base_url": base, "public_key": public_key}), actor.id))
        if secret_key is not None:
            secrets.put(conn, SECRET, secret_key.strip(), actor_id=actor.id)
        audit.record(action="langfuse_configured", actor=actor, target=NAME, client_address=client_address,
                     conn=conn, details={"base_url": base, "public_key": public_key,
                                         "secret_key": "replaced" if secret_key is not None else "kept"})
    return status(actor)
