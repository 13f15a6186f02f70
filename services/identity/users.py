"""Accounts: create, list, change role, disable; the first admin on first run."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from services.core import db
from services.core.config import settings
from services.core.errors import Conflict, InvalidInput, NotFound
from services.identity import audit
from services.identity.passwords import check_strength, generate_password, hash_password
from services.identity.rbac import ROLES, Permission, authorize

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COLUMNS = "id::text, email, full_name, role, is_active, created_at, last_login_at"
DEFAULT_ADMIN_EMAIL = "admin@workbench.local"


@dataclass(frozen=True)
class User:
    id: str
    email: str
    full_name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @property
    def display_name(self) -> str:
        """Full name when set, else the email."""
        return self.full_name or self.email


@dataclass(frozen=True)
class CreatedUser:
    user: User
    password: str | None  # the generated password, shown once; None when the caller chose it


def _validate_email(email: str) -> str:
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise InvalidInput(f"'{email}' is not a valid email address.")
    return email


def _validate_role(role: str) -> str:
    role = (role or "").strip().lower()
    if role not in ROLES:
        raise InvalidInput(f"Unknown role '{role}'. Roles are: {', '.join(ROLES)}.")
    return role


def _insert(conn: psycopg.Connection, email: str, full_name: str, role: str, password: str) -> User:
    try:
        row = conn.execute(
            f"INSERT INTO ip_workbench.users (email, full_name, role, password_hash) VALUES (%s, %s, %s, %s)"
            f" RETURNING {_COLUMNS}",
            (email, full_name, role, hash_password(password)),
        ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise Conflict(f"A user with email {email} already exists.") from exc
    return User(*row)


def create_user(actor: Any, email: str, role: str, *, full_name: str = "", password: str | None = None,
                client_address: str | None = None) -> CreatedUser:
    """Create an account (manage_users). Without a password one is generated and returned once."""
    authorize(actor, Permission.MANAGE_USERS, client_address=client_address)
    email, role = _validate_email(email), _validate_role(role)
    if password is not None and (problem := check_strength(password)):
        raise InvalidInput(problem)
    chosen = password if password is not None else generate_password()
    with db.connection() as conn:
        user = _insert(conn, email, full_name.strip(), role, chosen)
        audit.record(action="user_created", actor=actor, target=email, client_address=client_address,
                     details={"role": role}, conn=conn)
    return CreatedUser(user=user, password=None if password is not None else chosen)


def list_users(actor: Any, *, search: str | None = None) -> list[User]:
    """Every account, by email (manage_users)."""
    authorize(actor, Permission.MANAGE_USERS)
    where, params = "", ()
    if search:
        where, params = "WHERE email ILIKE %s OR full_name ILIKE %s", (f"%{search}%", f"%{search}%")
    with db.connection() as conn:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM ip_workbench.users {where} ORDER BY email", params)
        return [User(*row) for row in rows.fetchall()]


def get_user(user_id: str) -> User:
    """One account by id."""
    with db.connection() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM ip_workbench.users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise NotFound("No such user.")
    return User(*row)


def normalize_email(email: str | None) -> str:
    """The one form emails are stored and compared in: trimmed, lower-case."""
    return (email or "").strip().lower()


def find_by_email(email: str, *, conn: psycopg.Connection | None = None) -> User | None:
    """One account by email (case-insensitive), or None. Uses `conn` when given (inside its transaction)."""
    statement = f"SELECT {_COLUMNS} FROM ip_workbench.users WHERE lower(email) = %s"
    if conn is not None:
        row = conn.execute(statement, (normalize_email(email),)).fetchone()
    else:
        with db.connection() as own:
            row = own.execute(statement, (normalize_email(email),)).fetchone()
    return User(*row) if row else None


def require_active(email: str, *, conn: psycopg.Connection | None = None) -> User:
    """The active account with this email; NotFound ("No active user with email …") otherwise."""
    user = find_by_email(email, conn=conn)
    if user is None or not user.is_active:
        raise NotFound(f"No active user with email {normalize_email(email)}.")
    return user


def _require(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise NotFound(f"No user with email {normalize_email(email)}.")
    return user


def _active_admins(conn: psycopg.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM ip_workbench.users WHERE role = 'admin' AND is_active").fetchone()[0]


def set_role(actor: Any, email: str, role: str, *, client_address: str | None = None) -> User:
    """Change a user's role (manage_users). The last active admin cannot be demoted."""
    authorize(actor, Permission.MANAGE_USERS, client_address=client_address)
    role = _validate_role(role)
    user = _require(email)
    if user.role == role:
        return user
    with db.connection() as conn:
        conn.execute("SELECT 1 FROM ip_workbench.users WHERE role = 'admin' FOR UPDATE")
        if user.role == "admin" and user.is_active and _active_admins(conn) <= 1:
            raise Conflict("This is the last active admin; make another admin first.")
        conn.execute("UPDATE ip_workbench.users SET role = %s, updated_at = now() WHERE id = %s", (role, user.id))
        if role == "service":
            conn.execute("UPDATE ip_workbench.sessions SET revoked_at = now() WHERE user_id = %s"
                         " AND revoked_at IS NULL", (user.id,))
        audit.record(action="role_changed", actor=actor, target=user.email, client_address=client_address,
                     details={"from": user.role, "to": role}, conn=conn)
    return get_user(user.id)


def set_active(actor: Any, email: str, active: bool, *, client_address: str | None = None) -> User:
    """Disable (ending their sessions) or re-enable an account (manage_users)."""
    authorize(actor, Permission.MANAGE_USERS, client_address=client_address)
    user = _require(email)
    if user.is_active == active:
        return user
    with db.connection() as conn:
        conn.execute("SELECT 1 FROM ip_workbench.users WHERE role = 'admin' FOR UPDATE")
        if not active and user.role == "admin" and _active_admins(conn) <= 1:
            raise Conflict("This is the last active admin; it cannot be disabled.")
        conn.execute("UPDATE ip_workbench.users SET is_active = %s, updated_at = now() WHERE id = %s",
                     (active, user.id))
        if not active:
            conn.execute("UPDATE ip_workbench.sessions SET revoked_at = now() WHERE user_id = %s"
                         " AND revoked_at IS NULL", (user.id,))
        audit.record(action="user_enabled" if active else "user_disabled", actor=actor, target=user.email,
                     client_address=client_address, conn=conn)
    return get_user(user.id)


def reset_password(actor: Any, email: str, *, password: str | None = None,
                   client_address: str | None = None) -> str | None:
    """Set a new password (manage_users); returns the generated one when none was given."""
    authorize(actor, Permission.MANAGE_USERS, client_address=client_address)
    if password is not None and (problem := check_strength(password)):
        raise InvalidInput(problem)
    user = _require(email)
    chosen = password if password is not None else generate_password()
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.users SET password_hash = %s, updated_at = now() WHERE id = %s",
                     (hash_password(chosen), user.id))
        conn.execute("DELETE FROM ip_workbench.login_throttle WHERE email = %s", (user.email,))
        audit.record(action="password_reset", actor=actor, target=user.email, client_address=client_address,
                     conn=conn)
    return None if password is not None else chosen


def ensure_first_admin() -> CreatedUser | None:
    """On first run (no users at all) create the admin, write its password to a mode-600 file, return it."""
    with db.connection() as conn:
        conn.execute("LOCK TABLE ip_workbench.users IN SHARE ROW EXCLUSIVE MODE")
        if conn.execute("SELECT count(*) FROM ip_workbench.users").fetchone()[0] > 0:
            return None
        email = settings().admin_email
        password = generate_password()
        user = _insert(conn, _validate_email(email), "Workbench Admin", "admin", password)
        audit.record(action="user_created", actor_email="system", target=email,
                     details={"role": "admin", "first_run": True}, conn=conn)
        write_admin_credentials(email, password)
    return CreatedUser(user=user, password=password)


def write_admin_credentials(email: str, password: str) -> None:
    """Keep the first admin's login in a file only its owner can read."""
    path = settings().admin_credentials_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"email: {email}\npassword: {password}\n")
    os.chmod(path, 0o600)
