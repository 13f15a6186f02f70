"""Sign-in, lockout, sessions with expiry, sign-out."""

from __future__ import annotations

import uuid

import pytest

from services.core import db
from services.core.errors import AccountLocked, NotAuthenticated, PermissionDenied
from services.identity import auth


def _audit_actions(email: str) -> list[str]:
    with db.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT action FROM ip_workbench.audit_log WHERE target = %s ORDER BY id", (email,)).fetchall()]


def test_passwords_are_argon2_hashes(make_user):
    user, password = make_user("viewer")
    with db.connection() as conn:
        stored = conn.execute("SELECT password_hash FROM ip_workbench.users WHERE id = %s", (user.id,)).fetchone()[0]
    assert stored.startswith("$argon2id$") and password not in stored


def test_login_opens_a_session_that_resolves_to_the_user(make_user):
    user, password = make_user("engineer")
    signed = auth.login(user.email.upper(), password, client_address="127.0.0.9")
    assert signed.user.email == user.email
    assert auth.resolve_session(signed.token).id == user.id
    assert "login" in _audit_actions(user.email)
    with db.connection() as conn:
        stored = conn.execute("SELECT token_hash, client_address FROM ip_workbench.sessions s"
                              " WHERE s.user_id = %s", (user.id,)).fetchone()
    assert stored == (auth.hash_token(signed.token), "127.0.0.9")  # the token itself is never stored


def test_wrong_password_and_unknown_email_get_the_same_message(make_user):
    user, _ = make_user("viewer")
    with pytest.raises(NotAuthenticated) as wrong:
        auth.login(user.email, "not-the-password")
    with pytest.raises(NotAuthenticated) as unknown:
        auth.login(f"nobody-{uuid.uuid4().hex[:6]}@example.com", "whatever-password")
    assert str(wrong.value) == str(unknown.value) == auth.INVALID_LOGIN
    assert _audit_actions(user.email)[-1] == "login_failed"


@pytest.mark.parametrize("exists", [True, False])
def test_five_failures_lock_for_15_minutes_without_revealing_the_account(make_user, exists):
    if exists:
        user, password = make_user("viewer")
        email = user.email
    else:
        email, password = f"ghost-{uuid.uuid4().hex[:6]}@example.com", "irrelevant-password"
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            auth.login(email, "wrong-password")
    with pytest.raises(AccountLocked) as fifth:
        auth.login(email, "wrong-password")
    with pytest.raises(AccountLocked) as sixth:
        auth.login(email, password)  # even the right password is refused while locked
    assert str(fifth.value) == str(sixth.value) == auth.lockout_message()
    assert "15 minutes" in str(sixth.value)
    with db.connection() as conn:
        minutes = conn.execute("SELECT extract(epoch FROM locked_until - now()) / 60"
                               " FROM ip_workbench.login_throttle WHERE email = %s", (email,)).fetchone()[0]
    assert 14 < minutes <= 15


def test_lock_expires(make_user):
    user, password = make_user("viewer")
    for _ in range(5):
        with pytest.raises((NotAuthenticated, AccountLocked)):
            auth.login(user.email, "wrong-password")
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.login_throttle SET locked_until = now() - interval '1 second'"
                     " WHERE email = %s", (user.email,))
    assert auth.login(user.email, password).user.id == user.id


def test_session_expires(make_user):
    user, password = make_user("viewer")
    signed = auth.login(user.email, password)
    with db.connection() as conn:
        hours = conn.execute("SELECT extract(epoch FROM expires_at - created_at) / 3600 FROM ip_workbench.sessions"
                             " WHERE token_hash = %s", (auth.hash_token(signed.token),)).fetchone()[0]
        assert round(hours) == 12
        conn.execute("UPDATE ip_workbench.sessions SET expires_at = now() - interval '1 second'"
                     " WHERE token_hash = %s", (auth.hash_token(signed.token),))
    assert auth.resolve_session(signed.token) is None


def test_logout_revokes_the_token(make_user):
    user, password = make_user("admin")
    signed = auth.login(user.email, password)
    auth.logout(signed.token, client_address="127.0.0.1")
    assert auth.resolve_session(signed.token) is None
    assert _audit_actions(user.email)[-1] == "logout"


def test_service_accounts_cannot_sign_in_to_the_web_app(make_user):
    user, password = make_user("service")
    with pytest.raises(PermissionDenied, match="API keys"):
        auth.login(user.email, password)


def test_disabled_users_cannot_sign_in_and_lose_their_sessions(make_user, operator):
    from services.identity import users

    user, password = make_user("engineer")
    signed = auth.login(user.email, password)
    users.set_active(operator, user.email, False)
    assert auth.resolve_session(signed.token) is None
    with pytest.raises(NotAuthenticated, match="disabled"):
        auth.login(user.email, password)


@pytest.mark.parametrize("token", [None, "", "garbage", "x" * 500])
def test_unknown_tokens_resolve_to_nobody(migrated, token):
    assert auth.resolve_session(token) is None


def test_empty_credentials_are_refused_plainly(migrated):
    with pytest.raises(NotAuthenticated, match="Enter your email"):
        auth.login("", "")
