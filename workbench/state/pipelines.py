"""Pipelines list and Schedules pages: every pipeline with owner, schedule, last run and next run; the New
Pipeline modal; switching schedules on and off."""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from services.core.cron import describe
from services.core.errors import InvalidInput
from services.identity import rbac
from services.identity.rbac import Permission
from services.pipelines import store
from services.pipelines.definition import check_name
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls


def _row(p: store.Pipeline) -> dict[str, str]:
    try:
        reading = describe(p.schedule) if p.schedule else ""
    except InvalidInput:
        reading = "invalid schedule"
    return {"name": p.name, "owner": p.owner_email or "—", "domain": p.domain or "—",
            "schedule": p.schedule or "—", "timezone": p.timezone, "reading": reading,
            "enabled": "yes" if p.enabled else "no", "valid": "yes" if p.valid else "no",
            "last_status": p.last_run_status or "never run", "last_run": when(p.last_run_at) if p.last_run_at else "—",
            "next_run": when(p.next_run_at) if p.next_run_at and p.enabled else "—",
            "href": "/pipelines/editor?" + urlencode({"name": p.name})}


class PipelinesState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    can_create: bool = False
    can_schedule: bool = False
    new_open: bool = False
    new_name: str = ""
    new_description: str = ""
    new_domain: str = ""
    notice: str = ""

    async def load(self):
        """on_load for /pipelines and /pipelines/schedules."""
        if (auth := await self._ready_auth()) is None:
            return
        self.error, self.notice = "", ""
        self.can_create = rbac.is_allowed(auth.user_role, Permission.CREATE_PIPELINES)
        self.can_schedule = rbac.is_allowed(auth.user_role, Permission.SCHEDULE_PIPELINES)
        await self._refresh()
        if self.router.url.query_parameters.get("new") == "1" and self.can_create:
            self.open_new()  # Home's "New Pipeline" quick action

    async def _refresh(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(store.list_pipelines, user)
        if found is not FAILED:
            self.rows = [_row(p) for p in found]

    @rx.var
    def scheduled_rows(self) -> list[dict[str, str]]:
        """Pipelines that have a schedule, for the Schedules page."""
        return [r for r in self.rows if r["schedule"] != "—"]

    def open_new(self):
        self.new_open, self.error = True, ""
        self.new_name = self.new_description = self.new_domain = ""

    def close_new(self):
        self.new_open = False

    def set_new_name(self, value: str):
        self.new_name = value

    def set_new_description(self, value: str):
        self.new_description = value

    def set_new_domain(self, value: str):
        self.new_domain = value

    def create(self):
        """Open the editor on an empty canvas for the new pipeline (it is stored on Save)."""
        try:
            name = check_name(self.new_name)
        except InvalidInput as exc:
            self.error = str(exc)
            return None
        if any(r["name"] == name for r in self.rows):
            self.error = f"A pipeline named {name!r} exists already."
            return None
        self.new_open = False
        query = urlencode({"name": name, "new": "1", "description": self.new_description, "domain": self.new_domain})
        return rx.redirect(f"/pipelines/editor?{query}")

    async def toggle(self, name: str):
        """Switch a pipeline's schedule on or off."""
        user, client = await acting_user(self)
        row = next((r for r in self.rows if r["name"] == name), None)
        if row is None:
            return
        saved = await self._call(store.set_enabled, user, name, row["enabled"] != "yes", client_address=client)
        if saved is not FAILED:
            self.notice = f"{name}: schedule {'on' if saved.enabled else 'off'}"
            await self._refresh()
