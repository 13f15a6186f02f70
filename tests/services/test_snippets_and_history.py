"""Snippets (roles per the matrix, owners edit) and query history (own; admins all)."""

from __future__ import annotations

import uuid

import pytest

from services.core.errors import InvalidInput, NotFound, PermissionDenied
from services.sql import execution as query_execution
from services.sql import history as query_history
from services.sql import snippets


def test_save_search_load_edit_delete(migrated, make_user):
    viewer, _ = make_user("viewer")
    name = f"Top vendors {uuid.uuid4().hex[:6]}"
    saved = snippets.save(viewer, name, "SELECT 1", description="for finance", tags="Finance, vendors")
    assert saved.tags == ["finance", "vendors"] and saved.owner_email == viewer.email
    assert any(s.id == saved.id for s in snippets.search(viewer, "FINANCE"))  # by tag
    assert any(s.id == saved.id for s in snippets.search(viewer, name[:10]))  # by name
    edited = snippets.update(viewer, saved.id, name, "SELECT 2", tags=["finance"])
    assert edited.sql == "SELECT 2" and edited.tags == ["finance"]
    snippets.delete(viewer, saved.id)
    with pytest.raises(NotFound):
        snippets.get(viewer, saved.id)


def test_service_may_not_save(migrated, make_user):
    service, _ = make_user("service")
    with pytest.raises(PermissionDenied):
        snippets.save(service, "x", "SELECT 1")


def test_only_owner_or_admin_changes_a_snippet(migrated, make_user):
    owner, _ = make_user("engineer")
    other, _ = make_user("engineer")
    admin, _ = make_user("admin")
    saved = snippets.save(owner, "mine", "SELECT 1")
    with pytest.raises(PermissionDenied):
        snippets.update(other, saved.id, "stolen", "SELECT 2")
    with pytest.raises(PermissionDenied):
        snippets.delete(other, saved.id)
    assert snippets.update(admin, saved.id, "fixed by admin", "SELECT 3").name == "fixed by admin"
    snippets.delete(admin, saved.id)


@pytest.mark.parametrize(("name", "sql", "tags"), [("", "SELECT 1", None), ("ok", "  ", None),
                                                    ("ok", "SELECT 1", ["x" * 51])])
def test_bad_snippets_are_refused(migrated, make_user, name, sql, tags):
    viewer, _ = make_user("viewer")
    with pytest.raises(InvalidInput):
        snippets.save(viewer, name, sql, tags=tags)


def test_history_is_your_own_and_admins_see_all(migrated, make_user):
    alice, _ = make_user("viewer")
    bob, _ = make_user("engineer")
    admin, _ = make_user("admin")
    marker = uuid.uuid4().hex[:8]
    query_execution.execute(alice, f"SELECT '{marker}' AS alice")
    query_execution.execute(bob, f"SELECT '{marker}' AS bob")
    assert [e.user_email for e in query_history.list_history(alice, marker)] == [alice.email]
    assert {e.user_email for e in query_history.list_history(admin, marker)} == {alice.email, bob.email}
    entry = query_history.list_history(alice, marker)[0]
    assert entry.status == "completed" and entry.rows_returned == 1
    with pytest.raises(NotFound):
        query_history.get_entry(bob, entry.id)
