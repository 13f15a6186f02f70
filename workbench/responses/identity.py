"""Users as the API and `workbench user list --json` show them."""

from __future__ import annotations

from pydantic import BaseModel

from services.identity.users import User


class UserSummary(BaseModel):
    email: str
    full_name: str
    role: str
    is_active: bool

    @classmethod
    def of(cls, user: User) -> UserSummary:
        return cls(email=user.email, full_name=user.full_name, role=user.role, is_active=user.is_active)
