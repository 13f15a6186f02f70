"""Settings › Users & Roles › a user (Admin): the account, its API keys and what it did or had done to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from services.core.errors import NotFound
from services.identity import api_keys, audit_log, users
from services.identity.rbac import Permission, authorize

RECENT_ENTRIES = 20
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class UserDetail:
    user: users.User
    keys: list[api_keys.ApiKey]
    recent: list[audit_log.AuditEntry]


def user_detail(actor: Any, user_id: str) -> UserDetail:
    """One account with its keys (newest first) and its last RECENT_ENTRIES audit entries (manage_users)."""
    authorize(actor, Permission.MANAGE_USERS)
    if not _UUID.match(user_id or ""):
        raise NotFound("No such user.")
    user = users.get_user(user_id)
    return UserDetail(user=user, keys=api_keys.list_keys(actor, user_email=user.email),
                      recent=audit_log.list_entries(actor, involving=user.email, limit=RECENT_ENTRIES))
