"""A user's detail for admins: the account, only that user's keys, what they did and had done to them."""

from __future__ import annotations

import pytest

from services.core.errors import NotFound, PermissionDenied
from services.identity import api_keys, user_detail, users


def test_an_admin_reads_one_users_keys_and_audit_entries(migrated, make_user):
    admin, _ = make_user("admin")
    target, _ = make_user("viewer")
    other, _ = make_user("viewer")
    api_keys.create_key(admin, target.email, "mine")
    api_keys.create_key(admin, other.email, "not mine")
    users.set_role(admin, target.email, "engineer")
    found = user_detail.user_detail(admin, target.id)
    assert found.user.email == target.email and found.user.role == "engineer"
    assert [k.name for k in found.keys] == ["mine"]
    assert [e.action for e in found.recent][:2] == ["role_changed", "api_key_created"]
    assert all(target.email in (e.actor_email, e.target) for e in found.recent)


def test_others_are_refused_and_unknown_ids_are_not_found(migrated, make_user):
    target, _ = make_user("viewer")
    for role in ("viewer", "engineer", "service"):
        with pytest.raises(PermissionDenied):
            user_detail.user_detail(make_user(role)[0], target.id)
    admin, _ = make_user("admin")
    for bad in ("not-a-user", "00000000-0000-0000-0000-000000000000", ""):
        with pytest.raises(NotFound, match="No such user"):
            user_detail.user_detail(admin, bad)
