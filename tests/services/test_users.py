"""Accounts and roles through the service, with permission checks and audit entries."""

from __future__ import annotations

import pytest

from services.core import db
from services.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.identity import users


def _last_audit(target: str) -> tuple[str, str]:
    with db.connection() as conn:
        return conn.execute("SELECT action, actor_email FROM ip_workbench.audit_log WHERE target = %s"
                            " ORDER BY id DESC LIMIT 1", (target,)).fetchone()


def test_admin_creates_user_with_generated_password(make_user):
    admin, _ = make_user("admin")
    created = users.create_user(admin, "  New.Person@Example.com ", "engineer", full_name="New Person")
    assert created.user.email == "new.person@example.com"
    assert created.user.role == "engineer" and len(created.password) >= 16
    assert _last_audit("new.person@example.com") == ("user_created", admin.email)
    with pytest.raises(Conflict):
        users.create_user(admin, "new.person@example.com", "viewer")


@pytest.mark.parametrize(("email", "role", "password", "message"), [
    ("not-an-email", "viewer", None, "valid email"),
    ("ok@example.com", "superuser", None, "Unknown role"),
    ("ok2@example.com", "viewer", "short", "at least"),
])
def test_bad_input_is_refused_and_nothing_is_stored(make_user, email, role, password, message):
    admin, _ = make_user("admin")
    before = len(users.list_users(admin))
    with pytest.raises(InvalidInput, match=message):
        users.create_user(admin, email, role, password=password)
    assert len(users.list_users(admin)) == before


@pytest.mark.parametrize("role", ["viewer", "engineer", "service"])
def test_only_admins_manage_users(make_user, role):
    actor, _ = make_user(role)
    target, _ = make_user("viewer")
    for call in (lambda: users.create_user(actor, "x@example.com", "viewer"),
                 lambda: users.list_users(actor),
                 lambda: users.set_role(actor, target.email, "admin"),
                 lambda: users.set_active(actor, target.email, False)):
        with pytest.raises(PermissionDenied):
            call()
    assert users.find_by_email(target.email).role == "viewer"


def test_role_change_and_disable_are_audited(make_user):
    admin, _ = make_user("admin")
    target, _ = make_user("viewer")
    assert users.set_role(admin, target.email, "engineer", client_address="1.2.3.4").role == "engineer"
    with db.connection() as conn:
        row = conn.execute("SELECT details, client_address FROM ip_workbench.audit_log WHERE target = %s"
                           " AND action = 'role_changed'", (target.email,)).fetchone()
    assert row == ({"from": "viewer", "to": "engineer"}, "1.2.3.4")
    assert users.set_active(admin, target.email, False).is_active is False
    assert _last_audit(target.email)[0] == "user_disabled"
    assert users.set_active(admin, target.email, True).is_active is True
    assert _last_audit(target.email)[0] == "user_enabled"


def test_the_last_active_admin_cannot_be_demoted_or_disabled(make_user, operator):
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.users SET is_active = false WHERE role = 'admin'")
    only, _ = make_user("admin")
    try:
        with pytest.raises(Conflict, match="last active admin"):
            users.set_role(operator, only.email, "viewer")
        with pytest.raises(Conflict, match="last active admin"):
            users.set_active(operator, only.email, False)
    finally:
        with db.connection() as conn:
            conn.execute("UPDATE ip_workbench.users SET is_active = true WHERE role = 'admin'")


def test_unknown_user(make_user):
    admin, _ = make_user("admin")
    with pytest.raises(NotFound):
        users.set_role(admin, "nobody@example.com", "viewer")
