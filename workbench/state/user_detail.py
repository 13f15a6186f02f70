"""Settings › Users & Roles › a user: role, status, password reset, API keys, recent audit entries."""

from __future__ import annotations

import json

import reflex as rx

from services.identity import api_keys, user_detail, users
from services.identity.rbac import ROLES
from workbench import formatting
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls


class UserDetailState(ServiceCalls, rx.State):
    user_id: str = ""
    email: str = ""
    name: str = ""
    role: str = ""
    active: bool = True
    created: str = ""
    last_login: str = ""
    roles: list[str] = list(ROLES)
    keys: list[dict[str, str]] = []
    recent: list[dict[str, str]] = []
    secret_label: str = ""  # what the one-time secret below is
    secret: str = ""  # a new password or API key, shown once
    notice: str = ""

    async def load(self):
        """on_load for /settings/users/[user_id]."""
        if await self._page_user() is None:
            return
        self.user_id = self.router.page.params.get("user_id", "")
        self.secret, self.secret_label, self.notice, self.error = "", "", "", ""
        await self._refresh()

    async def _refresh(self):
        actor, _ip = await acting_user(self)
        found = await self._call(user_detail.user_detail, actor, self.user_id)
        if found is FAILED:
            self.email = ""
            return
        user = found.user
        self.email, self.name, self.role, self.active = user.email, user.full_name, user.role, user.is_active
        self.created, self.last_login = formatting.when(user.created_at), formatting.when(user.last_login_at) or "never"
        self.keys = [{"prefix": k.key_prefix, "name": k.name or "—", "created": formatting.when(k.created_at),
                      "last_used": formatting.when(k.last_used_at) or "never",
                      "status": "revoked" if k.revoked_at else "active"} for k in found.keys]
        self.recent = [{"when": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor_email or "",
                        "action": e.action, "target": e.target or "",
                        "details": json.dumps(e.details) if e.details else ""} for e in found.recent]

    async def change_role(self, role: str):
        """Give the user another role."""
        actor, ip = await acting_user(self)
        if await self._call(users.set_role, actor, self.email, role, client_address=ip) is not FAILED:
            self.error, self.notice = "", f"{self.email} is now {role}."
        await self._refresh()

    async def toggle_active(self):
        """Disable an active account or enable a disabled one."""
        actor, ip = await acting_user(self)
        if await self._call(users.set_active, actor, self.email, not self.active, client_address=ip) is not FAILED:
            self.error, self.notice = "", f"{self.email} is {'enabled' if not self.active else 'disabled'}."
        await self._refresh()

    async def reset_password(self):
        """A new generated password, shown once here."""
        actor, ip = await acting_user(self)
        chosen = await self._call(users.reset_password, actor, self.email, client_address=ip)
        if chosen is FAILED:
            return
        self.error, self.notice = "", ""
        self.secret_label, self.secret = "New password (shown once; give it to the user):", chosen or ""
        await self._refresh()

    async def create_key(self, form_data: dict):
        """A new API key for this user, shown once here."""
        actor, _ip = await acting_user(self)
        created = await self._call(api_keys.create_key, actor, self.email, str(form_data.get("name", "")))
        if created is FAILED:
            return
        self.error, self.notice = "", ""
        self.secret_label, self.secret = f"API key {created.record.key_prefix} (shown once; copy it now):", created.key
        await self._refresh()

    async def revoke_key(self, prefix: str):
        """Revoke one of the user's keys."""
        actor, _ip = await acting_user(self)
        if await self._call(api_keys.revoke_key, actor, prefix) is not FAILED:
            self.error, self.notice = "", f"Key {prefix} revoked."
        await self._refresh()

    def forget_secret(self):
        """Hide the one-time secret once copied."""
        self.secret, self.secret_label = "", ""
