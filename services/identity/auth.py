"""Sign-in with lockout, server-side sessions with expiry, sign-out."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from services.core import db
from services.core.config import settings
from services.core.errors import AccountLocked, NotAuthenticated, PermissionDenied
from services.identity import audit, throttle
from services.identity.passwords import verify_password
from services.identity.users import _COLUMNS, User, normalize_email

INVALID_LOGIN = "Invalid email or password."
SERVICE_LOGIN = "Service accounts use API keys and cannot sign in to the web app."
DISABLED_LOGIN = "This account is disabled. Ask an admin to re-enable it."


def lockout_message() -> str:
    """The same words whether or not the email exists."""
    return (f"Too many failed sign-in attempts. Sign-in for this account is locked for "
            f"{settings().lockout_minutes} minutes.")


@dataclass(frozen=True)
class SignedIn:
    token: str
    user: User


def hash_token(token: str) -> str:
    """What we store for a session token or API key: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def _record_failure(email: str, client_address: str | None, reason: str) -> bool:
    """Count a failed attempt; return True when it locks the email."""
    cfg = settings()
    with db.connection() as conn:
        row = conn.execute(
            """
            INSERT INTO ip_workbench.login_throttle AS t (email, failed_count, last_failed_at)
            VALUES (%(email)s, 1, now())
            ON CONFLICT (email) DO UPDATE SET
                failed_count = CASE WHEN t.locked_until IS NOT NULL AND t.locked_until <= now() THEN 1
                                    ELSE t.failed_count + 1 END,
                locked_until = CASE WHEN t.locked_until IS NOT NULL AND t.locked_until <= now() THEN NULL
                                    ELSE t.locked_until END,
                last_failed_at = now()
            RETURNING failed_count
            """,
            {"email": email},
        ).fetchone()
        locked = row[0] >= cfg.lockout_attempts
        if locked:
            conn.execute(
                "UPDATE ip_workbench.login_throttle SET locked_until = now() + make_interval(mins => %s)"
                " WHERE email = %s", (cfg.lockout_minutes, email))
        audit.record(action="login_failed", actor_email=email, target=email, client_address=client_address,
                     details={"reason": reason, "attempt": row[0], "locked": locked}, conn=conn)
    return locked


def _is_locked(email: str) -> bool:
    with db.connection() as conn:
        row = conn.execute("SELECT locked_until > now() FROM ip_workbench.login_throttle WHERE email = %s",
                           (email,)).fetchone()
    return bool(row and row[0])


def verify_credentials(email: str, password: str, *, client_address: str | None = None) -> User:
    """The account behind email and password; NotAuthenticated, AccountLocked, PermissionDenied or
    RateLimited (too many failures from this address) otherwise. Every failure is counted and audited.

    A service account gets the same answer whatever the password, so sign-in cannot test its password."""
    email = normalize_email(email)
    if not email or not password:
        raise NotAuthenticated("Enter your email and password.")
    throttle.check("password", client_address)
    if _is_locked(email):
        audit.record(action="login_locked", actor_email=email, target=email, client_address=client_address)
        raise AccountLocked(lockout_message())
    with db.connection() as conn:
        row = conn.execute(f"SELECT {_COLUMNS}, password_hash FROM ip_workbench.users WHERE lower(email) = %s",
                           (email,)).fetchone()
    user = User(*row[:-1]) if row else None
    password_ok = verify_password(row[-1] if row else None, password)  # always run: the same time either way
    if user is not None and user.role == "service":
        audit.record(action="login_failed", actor=user, target=email, client_address=client_address,
                     details={"reason": "service_account"})
        throttle.record_failure("password", client_address)
        raise PermissionDenied(SERVICE_LOGIN)
    if not password_ok:
        throttle.record_failure("password", client_address)
        if _record_failure(email, client_address, "bad_password" if user else "unknown_email"):
            raise AccountLocked(lockout_message())
        raise NotAuthenticated(INVALID_LOGIN)
    if not user.is_active:
        audit.record(action="login_failed", actor=user, target=email, client_address=client_address,
                     details={"reason": "disabled"})
        raise NotAuthenticated(DISABLED_LOGIN)
    return user


def login(email: str, password: str, *, client_address: str | None = None) -> SignedIn:
    """Check the password and open a session (see verify_credentials for the errors)."""
    user = verify_credentials(email, password, client_address=client_address)
    return open_session(user, client_address=client_address)


def begin_sign_in(email: str, password: str, *, client_address: str | None = None) -> str:
    """Check the password and return a one-time code (valid a minute) that GET /api/session/start exchanges
    for the session cookie, which page scripts then cannot read (HttpOnly)."""
    user = verify_credentials(email, password, client_address=client_address)
    code = secrets.token_urlsafe(32)
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.sign_in_handoffs WHERE expires_at < now()")
        conn.execute("INSERT INTO ip_workbench.sign_in_handoffs (code_hash, user_id, client_address, expires_at)"
                     " VALUES (%s, %s, %s, now() + interval '1 minute')", (hash_token(code), user.id, client_address))
    return code


def complete_sign_in(code: str | None, *, client_address: str | None = None) -> SignedIn:
    """Exchange a one-time code from begin_sign_in for a session (once); NotAuthenticated when it is unknown,
    used or expired."""
    with db.connection() as conn:
        row = conn.execute("DELETE FROM ip_workbench.sign_in_handoffs WHERE code_hash = %s AND expires_at > now()"
                           " RETURNING user_id::text", (hash_token(code or ""),)).fetchone()
    user = None
    if row:
        with db.connection() as conn:
            found = conn.execute(f"SELECT {_COLUMNS} FROM ip_workbench.users WHERE id = %s AND is_active"
                                 " AND role <> 'service'", (row[0],)).fetchone()
            user = User(*found) if found else None
    if user is None:
        raise NotAuthenticated("That sign-in link has expired or was already used; sign in again.")
    return open_session(user, client_address=client_address)


def open_session(user: User, *, client_address: str | None = None) -> SignedIn:
    """A new server-side session for a verified user."""
    email = user.email
    token = secrets.token_urlsafe(32)
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO ip_workbench.sessions (token_hash, user_id, expires_at, client_address)"
            " VALUES (%s, %s, now() + make_interval(secs => %s), %s)",
            (hash_token(token), user.id, settings().session_hours * 3600, client_address))
        conn.execute("UPDATE ip_workbench.users SET last_login_at = now() WHERE id = %s", (user.id,))
        conn.execute("DELETE FROM ip_workbench.login_throttle WHERE email = %s", (email,))
        audit.record(action="login", actor=user, target=email, client_address=client_address, conn=conn)
    return SignedIn(token=token, user=user)


def resolve_session(token: str | None) -> User | None:
    """The user behind a live session token, or None (unknown, expired, revoked, disabled)."""
    if not token:
        return None
    with db.connection() as conn:
        row = conn.execute(
            f"SELECT {', '.join('u.' + c for c in _COLUMNS.split(', '))} FROM ip_workbench.sessions s"
            " JOIN ip_workbench.users u ON u.id = s.user_id"
            " WHERE s.token_hash = %s AND s.revoked_at IS NULL AND s.expires_at > now()"
            " AND u.is_active AND u.role <> 'service'",
            (hash_token(token),)).fetchone()
    return User(*row) if row else None


def logout(token: str | None, *, client_address: str | None = None) -> None:
    """End the session so its token no longer works."""
    if not token:
        return
    with db.connection() as conn:
        row = conn.execute(
            "UPDATE ip_workbench.sessions s SET revoked_at = now() FROM ip_workbench.users u"
            " WHERE s.token_hash = %s AND s.revoked_at IS NULL AND u.id = s.user_id"
            " RETURNING u.id::text, u.email", (hash_token(token),)).fetchone()
        if row:
            audit.record(action="logout", actor_email=row[1], target=row[1], client_address=client_address,
                         details={"user_id": row[0]}, conn=conn)


def require_signed_in(actor: Any) -> None:
    """Raise NotAuthenticated unless there is an actor."""
    if actor is None or not getattr(actor, "role", None):
        raise NotAuthenticated("Sign in first.")
