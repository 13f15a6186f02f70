"""The Odoo connection (Configure Integrations: admins): URL, database and user in the integration's settings,
the API key in the secrets store (write-only: shown masked, replaceable, never returned); Test connection asks
`common.version` and `authenticate`. Every change and test is audited, without the key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db, secrets
from services.core.errors import InvalidInput, NotFound, WorkbenchError
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.integrations import odoo_client, settings_store
from services.integrations.odoo_client import OdooConnection

NAME = "odoo"
KEY_SECRET = "odoo.api_key"
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass(frozen=True)
class OdooStatus:
    configured: bool
    url: str | None
    database: str | None
    login: str | None
    api_key_hint: str | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True)
class TestResult:
    ok: bool
    server_version: str | None
    uid: int | None
    message: str


def configure(actor: Any, url: str, database: str, login: str, api_key: str | None, *,
              client_address: str | None = None) -> OdooStatus:
    """Set the connection (admins). `api_key` None keeps the stored one."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    url, database, login = (url or "").strip().rstrip("/"), (database or "").strip(), (login or "").strip()
    if not URL.match(url):
        raise InvalidInput("The Odoo URL is http(s)://host[:port], e.g. https://odoo.example.com.")
    if not database or not login:
        raise InvalidInput("Give the Odoo database and the user (login) the integration signs in as.")
    if api_key is not None and not api_key.strip():
        raise InvalidInput("The API key is empty.")
    with db.connection() as conn:
        if api_key is None and conn.execute("SELECT 1 FROM ip_workbench.secrets WHERE name = %s",
                                            (KEY_SECRET,)).fetchone() is None:
            raise InvalidInput("Give the API key (Odoo › Preferences › Account Security › New API Key).")
        settings_store.save(conn, NAME, {"url": url, "database": database, "login": login}, actor.id)
        if api_key is not None:
            secrets.put(conn, KEY_SECRET, api_key.strip(), actor_id=actor.id)
        audit.record(action="integration_configured", actor=actor, target=NAME, client_address=client_address,
                     conn=conn, details={"url": url, "database": database, "login": login,
                                         "api_key": "replaced" if api_key is not None else "kept"})
    return status(actor)


def status(actor: Any) -> OdooStatus:
    """What is configured (the key as a hint only) and the last outcome (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS)
    with db.connection() as conn:
        found = settings_store.get(conn, NAME)
        hint = conn.execute("SELECT hint FROM ip_workbench.secrets WHERE name = %s", (KEY_SECRET,)).fetchone()
    values = found.settings if found else {}
    return OdooStatus(found is not None and hint is not None, values.get("url"), values.get("database"),
                      values.get("login"), hint[0] if hint else None, found.last_success_at if found else None,
                      found.last_error if found else None, found.last_error_at if found else None)


def connection() -> OdooConnection:
    """The configured connection with its key, for the server's own calls; NotFound when not configured."""
    with db.connection() as conn:
        found = settings_store.get(conn, NAME)
        key = secrets.get(conn, KEY_SECRET)
    if found is None or key is None:
        raise NotFound("Odoo is not configured: an admin sets it in Settings › Integrations"
                       " (or `workbench odoo configure`).")
    return OdooConnection(found.settings["url"], found.settings["database"], found.settings["login"], key)


def test_connection(actor: Any, *, client_address: str | None = None) -> TestResult:
    """`common.version` then `authenticate` with the stored settings; the outcome is kept and audited."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    target = connection()
    try:
        found = odoo_client.version(target.url)
        uid = odoo_client.authenticate(target)
    except WorkbenchError as exc:
        settings_store.record_outcome(NAME, str(exc))
        result = TestResult(False, None, None, str(exc))
    else:
        settings_store.record_outcome(NAME, None)
        result = TestResult(True, str(found.get("server_version")), uid,
                            f"Connected to Odoo {found.get('server_version')} as user {uid}.")
    audit.record(action="integration_tested", actor=actor, target=NAME, client_address=client_address,
                 details={"ok": result.ok})
    return result
