"""Settings › Users & Roles state."""

from __future__ import annotations

import asyncio

import reflex as rx

from services.core.errors import WorkbenchError
from services.identity import users
from services.identity.rbac import ROLES
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls


class UsersState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    created_message: str = ""
    created_password: str = ""
    new_role: str = "viewer"
    roles: list[str] = list(ROLES)

    async def load(self):
        """List every user (the service checks manage_users)."""
        if await self._ready_auth() is None:
            return
        await self._refresh()

    async def _refresh(self):
        actor, _ip = await acting_user(self)
        if (found := await self._call(users.list_users, actor)) is FAILED:
            return
        self.rows = [
            {"id": u.id, "email": u.email, "name": u.full_name, "role": u.role,
             "status": "active" if u.is_active else "disabled",
             "last_login": u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never"}
            for u in found
        ]

    def set_new_role(self, role: str):
        self.new_role = role

    async def create(self, form_data: dict):
        """Create a user; the generated password is shown once."""
        actor, ip = await acting_user(self)
        self.error, self.created_message, self.created_password = "", "", ""
        if (created := await self._call(
                        users.create_user, actor, str(form_data.get("email", "")), self.new_role,
                        full_name=str(form_data.get("full_name", "")), client_address=ip)) is FAILED:
            return
        self.created_message = f"Created {created.user.email} as {created.user.role}."
        self.created_password = created.password or ""
        await self._refresh()

    async def change_role(self, email: str, role: str):
        """Give a user another role."""
        actor, ip = await acting_user(self)
        try:
            await asyncio.to_thread(users.set_role, actor, email, role, client_address=ip)
        except WorkbenchError as exc:
            self.error = str(exc)
        else:
            self.error = ""
            yield rx.toast.success(f"{email} is now {role}.")
        await self._refresh()

    async def toggle_active(self, email: str, status: str):
        """Disable an active user or re-enable a disabled one."""
        actor, ip = await acting_user(self)
        try:
            await asyncio.to_thread(users.set_active, actor, email, status != "active", client_address=ip)
        except WorkbenchError as exc:
            self.error = str(exc)
        else:
            self.error = ""
        await self._refresh()

    def forget_password(self):
        """Hide the one-time password once the admin has copied it."""
        self.created_password = ""
        self.created_message = ""
