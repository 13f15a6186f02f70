"""Encrypting what must be stored but never shown again (alert channel URLs, integration credentials, the
query roles' passwords), the named-secret store, the key check at start, and key rotation.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with one key per deployment: WORKBENCH_SECRET_KEY
if set (the same value on every machine), otherwise a key generated once into WORKBENCH_HOME/secret.key
(mode 600). Losing the key makes the stored secrets unreadable; they are entered again."""

from __future__ import annotations

import os
from functools import lru_cache

import psycopg
from cryptography.fernet import Fernet, InvalidToken

from services.core import db
from services.core.config import settings
from services.core.errors import InvalidInput


def new_key() -> str:
    """A fresh key, as WORKBENCH_SECRET_KEY takes it."""
    return Fernet.generate_key().decode()


def _key_text() -> str:
    config = settings()
    if config.secret_key:
        return config.secret_key
    path = config.secret_key_file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key())
    return path.read_text().strip()


@lru_cache(maxsize=4)
def _box(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise ValueError("WORKBENCH_SECRET_KEY must be a 32-byte url-safe base64 key (see `workbench secret-key`)."
                         ) from exc


def encrypt(text: str) -> bytes:
    """The encrypted form to store."""
    return _box(_key_text()).encrypt(text.encode())


def decrypt(token: bytes) -> str:
    """The stored secret in clear; InvalidInput when it was encrypted with another key."""
    try:
        return _box(_key_text()).decrypt(bytes(token)).decode()
    except InvalidToken:
        raise InvalidInput("A stored secret cannot be read with this deployment's key (WORKBENCH_SECRET_KEY changed?);"
                           " enter it again.") from None


# ---- The store: named secrets, the key check, rotation ----------------------------------------------------

KEY_CHECK = "key_check"
_KEY_CHECK_TEXT = "workbench secret key check"
# Every column that holds a value encrypted here: (table, key column, encrypted column). Rotation re-encrypts
# them all; a test checks that no encrypted column of ip_workbench is missing from this list.
ENCRYPTED_COLUMNS = (("ip_workbench.secrets", "name", "ciphertext"),
                     ("ip_workbench.alert_channels", "id", "url_encrypted"),
                     ("ip_workbench.query_roles", "kind", "password_encrypted"),
                     ("ip_workbench.event_webhooks", "id", "url_encrypted"))


class SecretKeyMismatch(RuntimeError):
    """The deployment's key cannot read what is stored: stop at start, say what to do."""


def hint(text: str) -> str:
    """A masked form that shows a secret is there without showing it (last 4 characters of long ones)."""
    return "••••" + text[-4:] if len(text) >= 12 else "••••"


def put(conn: psycopg.Connection, name: str, value: str, *, actor_id: str | None = None) -> str:
    """Store (or replace) a named secret, encrypted; returns its hint. Callers audit."""
    if not value:
        raise InvalidInput("A secret cannot be empty.")
    masked = hint(value)
    conn.execute("INSERT INTO ip_workbench.secrets (name, ciphertext, hint, updated_by) VALUES (%s, %s, %s, %s)"
                 " ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext, hint = excluded.hint,"
                 " updated_by = excluded.updated_by, updated_at = now()", (name, encrypt(value), masked, actor_id))
    return masked


def get(conn: psycopg.Connection, name: str) -> str | None:
    """A named secret in clear, for the server's own use (never for a response); None when unset."""
    row = conn.execute("SELECT ciphertext FROM ip_workbench.secrets WHERE name = %s", (name,)).fetchone()
    return decrypt(row[0]) if row else None


def delete(conn: psycopg.Connection, name: str) -> bool:
    """Forget a named secret; whether there was one."""
    return conn.execute("DELETE FROM ip_workbench.secrets WHERE name = %s RETURNING 1", (name,)).fetchone() is not None


def verify_key() -> None:
    """At start: the key must read the stored key check (written on first use); SecretKeyMismatch otherwise."""
    try:
        key = _key_text()
        _box(key)
    except ValueError as exc:
        raise SecretKeyMismatch(str(exc)) from None
    with db.connection() as conn:
        row = conn.execute("SELECT ciphertext FROM ip_workbench.secrets WHERE name = %s", (KEY_CHECK,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO ip_workbench.secrets (name, ciphertext, hint) VALUES (%s, %s, 'key check')"
                         " ON CONFLICT (name) DO NOTHING", (KEY_CHECK, encrypt(_KEY_CHECK_TEXT)))
            return
    try:
        _box(key).decrypt(bytes(row[0]))
    except InvalidToken:
        where = "WORKBENCH_SECRET_KEY" if settings().secret_key else f"the key file {settings().secret_key_file}"
        raise SecretKeyMismatch(
            f"The stored secrets were encrypted with another key than {where}. Start with the key they were"
            " written with (or, if it is lost, delete the rows of ip_workbench.secrets and enter the credentials"
            " again).") from None


def rotate(new_key: str) -> dict[str, int]:
    """Re-encrypt every stored secret under `new_key` in one transaction (the caller then makes `new_key` the
    deployment's key); returns how many values each table had. Nothing changes if any value is unreadable."""
    old, new = _box(_key_text()), _box(new_key)
    counts: dict[str, int] = {}
    with db.connection() as conn:
        for table, key_column, column in ENCRYPTED_COLUMNS:
            rows = conn.execute(f"SELECT {key_column}, {column} FROM {table} WHERE {column} IS NOT NULL"
                                " FOR UPDATE").fetchall()
            for key, token in rows:
                try:
                    clear = old.decrypt(bytes(token))
                except InvalidToken:
                    raise SecretKeyMismatch(f"A value in {table} cannot be read with the current key;"
                                            " nothing was rotated.") from None
                conn.execute(f"UPDATE {table} SET {column} = %s WHERE {key_column} = %s",
                             (new.encrypt(clear), key))
            counts[table] = len(rows)
    return counts


def install_key_file(new_key: str) -> None:
    """Make `new_key` the key file's (written beside it, then renamed over it: never half a key)."""
    path = settings().secret_key_file
    staged = path.with_suffix(".new")
    descriptor = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(new_key)
    os.replace(staged, path)
