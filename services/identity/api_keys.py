"""API keys for the Service role (n8n, Odoo, scripts): shown once, stored hashed, acting as their user."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db, row_security
from services.core.errors import InvalidInput, NotAuthenticated, NotFound
from services.identity import audit, throttle
from services.identity.auth import hash_token
from services.identity.rbac import Permission, authorize
from services.identity.users import _COLUMNS, User, find_by_email, normalize_email

KEY_PREFIX = "wbk_"


@dataclass(frozen=True)
class ApiKey:
    id: str
    user_email: str
    name: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class CreatedKey:
    key: str  # the whole key, shown once
    record: ApiKey


def create_key(actor: Any, user_email: str, name: str = "") -> CreatedKey:
    """A new key for `user_email` (manage_users)."""
    authorize(actor, Permission.MANAGE_USERS)
    with db.connection() as conn:
        user = find_by_email(user_email, conn=conn)
        if user is None:
            raise NotFound(f"No user with email {normalize_email(user_email)}.")
        if not user.is_active:
            raise InvalidInput(f"{user.email} is disabled; enable the account before giving it a key.")
        prefix = secrets.token_hex(4)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        with row_security.acting_as(conn, actor):
            row = conn.execute(
                "INSERT INTO ip_workbench.api_keys (user_id, name, key_prefix, key_hash) VALUES (%s, %s, %s, %s)"
                " RETURNING id::text, created_at", (user.id, name.strip(), prefix, hash_token(key))).fetchone()
        audit.record(action="api_key_created", actor=actor, target=user.email, details={"key_prefix": prefix},
                     conn=conn)
    return CreatedKey(key=key, record=ApiKey(row[0], user.email, name.strip(), prefix, row[1], None, None))


def list_keys(actor: Any, *, user_email: str | None = None) -> list[ApiKey]:
    """Every key (or one user's), newest first, without secrets (manage_users)."""
    authorize(actor, Permission.MANAGE_USERS)
    with db.connection() as conn, row_security.acting_as(conn, actor):
        rows = conn.execute(
            "SELECT k.id::text, u.email, k.name, k.key_prefix, k.created_at, k.last_used_at, k.revoked_at"
            " FROM ip_workbench.api_keys k JOIN ip_workbench.users u ON u.id = k.user_id"
            " WHERE %(email)s::text IS NULL OR u.email = %(email)s ORDER BY k.created_at DESC",
            {"email": normalize_email(user_email) if user_email else None}).fetchall()
    return [ApiKey(*row) for row in rows]


def revoke_key(actor: Any, key_prefix: str) -> ApiKey:
    """Revoke a key by its prefix (the 8 hex characters after wbk_)."""
    authorize(actor, Permission.MANAGE_USERS)
    prefix = key_prefix.strip().removeprefix(KEY_PREFIX).split("_")[0]
    with db.connection() as conn, row_security.acting_as(conn, actor):
        row = conn.execute(
            "UPDATE ip_workbench.api_keys k SET revoked_at = coalesce(revoked_at, now()) FROM ip_workbench.users u"
            " WHERE k.key_prefix = %s AND u.id = k.user_id"
            " RETURNING k.id::text, u.email, k.name, k.key_prefix, k.created_at, k.last_used_at, k.revoked_at",
            (prefix,)).fetchone()
        if row is None:
            raise NotFound(f"No API key with prefix {prefix}.")
        audit.record(action="api_key_revoked", actor=actor, target=row[1], details={"key_prefix": prefix},
                     conn=conn)
    return ApiKey(*row)


def authenticate(key: str | None, *, client_address: str | None = None) -> tuple[User, str]:
    """The active user behind a live key, and the key's id; NotAuthenticated otherwise. An address that sent
    too many bad keys in the last minute gets RateLimited first (failures are counted and audited)."""
    throttle.check("api_key", client_address)
    row = None
    if key and key.startswith(KEY_PREFIX):
        with db.connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join('u.' + c for c in _COLUMNS.split(', '))}, k.id::text"
                " FROM ip_workbench.api_keys k JOIN ip_workbench.users u ON u.id = k.user_id"
                " WHERE k.key_hash = %s AND k.revoked_at IS NULL AND u.is_active", (hash_token(key),)).fetchone()
            if row is not None:
                conn.execute("UPDATE ip_workbench.api_keys SET last_used_at = now() WHERE id = %s"
                             " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')", (row[-1],))
    if row is None:
        throttle.record_failure("api_key", client_address)
        if key:
            audit.record(action="api_key_rejected", target=key[:12] + ("…" if len(key) > 12 else ""),
                         client_address=client_address)
        if key and key.startswith(KEY_PREFIX):
            raise NotAuthenticated("This API key is unknown, revoked, or its user is disabled.")
        raise NotAuthenticated("Send a valid API key as 'Authorization: Bearer <key>' (or 'apikey: <key>').")
    return User(*row[:-1]), row[-1]
