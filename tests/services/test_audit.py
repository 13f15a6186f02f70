"""The audit log is append-only in the database itself, even for the app's own (owner/superuser) role."""

from __future__ import annotations

import psycopg
import pytest

from services.core import db
from services.core.errors import PermissionDenied
from services.identity import audit, audit_log


@pytest.fixture
def one_entry(migrated) -> int:
    audit.record(action="test_entry", actor_email="tester@example.com", target="x")
    with db.connection() as conn:
        return conn.execute("SELECT max(id) FROM ip_workbench.audit_log").fetchone()[0]


@pytest.mark.parametrize("statement", [
    "UPDATE ip_workbench.audit_log SET action = 'tampered' WHERE id = %(id)s",
    "DELETE FROM ip_workbench.audit_log WHERE id = %(id)s",
    "TRUNCATE ip_workbench.audit_log",
])
def test_update_delete_truncate_fail(one_entry, statement):
    with db.connection() as conn:
        is_super = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        owner = conn.execute("SELECT tableowner = current_user FROM pg_tables WHERE schemaname = 'ip_workbench'"
                             " AND tablename = 'audit_log'").fetchone()[0]
        assert is_super or owner  # the strongest role the app has
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), db.connection() as conn:
        conn.execute(statement, {"id": one_entry})
    with db.connection() as conn:
        row = conn.execute("SELECT action FROM ip_workbench.audit_log WHERE id = %s", (one_entry,)).fetchone()
    assert row == ("test_entry",)


def test_listing_needs_view_audit_logs(make_user):
    viewer, _ = make_user("viewer")
    admin, _ = make_user("admin")
    with pytest.raises(PermissionDenied):
        audit_log.list_entries(viewer)
    entries = audit_log.list_entries(admin, action="permission_denied", limit=10)
    assert entries and entries[0].actor_email == viewer.email
    assert "permission_denied" in audit_log.list_actions(admin)
