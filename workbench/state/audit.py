"""Settings › Audit Logs state."""

from __future__ import annotations

import json

import reflex as rx

from services.identity import audit_log
from workbench.state.auth import AuthState
from workbench.state.base import FAILED, ServiceCalls

PAGE_SIZE = 100
ALL = "all actions"


class AuditState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    actions: list[str] = [ALL]
    action: str = ALL
    search: str = ""
    has_more: bool = False

    async def load(self):
        """First page of entries, newest first."""
        if await self._ready_auth() is None:
            return
        await self._fetch(reset=True)

    async def _fetch(self, reset: bool):
        auth = await self.get_state(AuthState)
        actor = await auth.current_user()
        offset = 0 if reset else len(self.rows)
        action, search = None if self.action == ALL else self.action, self.search.strip() or None
        loaded = await self._call(lambda: (
            audit_log.list_entries(actor, action=action, search=search,
                                   limit=PAGE_SIZE + 1, offset=offset),
            audit_log.list_actions(actor)))
        if loaded is FAILED:
            return
        entries, actions = loaded
        self.actions = [ALL, *actions]
        self.error = ""
        self.has_more = len(entries) > PAGE_SIZE
        page = [
            {"when": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"), "actor": e.actor_email or "",
             "action": e.action, "target": e.target or "", "client": e.client_address or "",
             "details": json.dumps(e.details) if e.details else ""}
            for e in entries[:PAGE_SIZE]
        ]
        self.rows = page if reset else self.rows + page

    async def set_action(self, action: str):
        self.action = action
        await self._fetch(reset=True)

    async def apply_search(self, form_data: dict):
        self.search = str(form_data.get("search", ""))
        await self._fetch(reset=True)

    async def more(self):
        await self._fetch(reset=False)
