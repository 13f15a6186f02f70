"""Users as the API and `workbench user list --json` show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.identity.audit_log import AuditEntry
from services.identity.users import User


class UserSummary(BaseModel):
    email: str
    full_name: str
    role: str
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserSummary:
        return cls(email=user.email, full_name=user.full_name, role=user.role, is_active=user.is_active)


class AuditEntryOut(BaseModel):
    id: int
    occurred_at: datetime
    actor_email: str | None
    action: str
    target: str | None
    client_address: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryOut:
        return cls(id=entry.id, occurred_at=entry.occurred_at, actor_email=entry.actor_email, action=entry.action,
                   target=entry.target, client_address=entry.client_address, details=entry.details or {})


class AuditPageOut(BaseModel):
    """`GET /api/audit`: one page, newest first; `next_offset` is null on the last page."""

    entries: list[AuditEntryOut]
    next_offset: int | None
