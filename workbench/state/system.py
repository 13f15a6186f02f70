"""Settings › System and the Admin Console: version, readiness, processes and backups, a backup on demand."""

from __future__ import annotations

import reflex as rx

from services.runtime import system
from workbench import formatting
from workbench.state.base import FAILED, ServiceCalls


class SystemState(ServiceCalls, rx.State):
    version: str = ""
    checks: list[dict[str, str]] = []
    ready: bool = False
    processes: str = ""
    backup_folder: str = ""
    backup_schedule: str = ""
    next_backup: str = ""
    last_backup: str = ""
    last_backup_size: str = ""
    last_backup_when: str = ""
    left_out: list[str] = []
    notice: str = ""

    async def load(self):
        """Read the checks and the backup plan."""
        actor = await self._page_user()
        if actor is None:
            return
        found = await self._call(system.overview, actor)
        if found is FAILED:
            return
        self.error, self.notice = "", ""
        self.version = found.version
        self.ready = found.readiness.ready
        self.checks = [{"name": c.name, "state": "ok" if c.ok else ("failed" if c.required else "warning"),
                        "detail": c.detail} for c in found.readiness.checks]
        self.processes = f"{found.app_processes} app process(es); browser state in {found.shared_state}"
        plan = found.backups
        self.backup_folder = plan.folder or ""
        self.backup_schedule = f"{plan.schedule_text} ({plan.schedule}), keeping the newest {plan.keep}"
        self.next_backup = formatting.when(plan.next_at)
        self.last_backup = plan.last.path if plan.last else ""
        self.last_backup_size = formatting.size(plan.last.bytes) if plan.last else ""
        self.last_backup_when = formatting.when(plan.last.written_at) if plan.last else ""
        self.left_out = plan.left_out

    async def back_up_now(self):
        """Queue a backup; a worker writes it (reload the page to see it)."""
        actor = await self._page_user()
        if actor is None:
            return
        if await self._call(system.back_up_now, actor) is FAILED:
            return
        self.notice = "A backup is queued: a worker writes it into the backup folder. Refresh to see it."
