"""Job Logs: the timeline of runs (all pipelines, or one) and a run's detail with its per-node timeline and
logs, followed live while it runs; cancel and retry."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import reflex as rx

from services.core.errors import WorkbenchError
from services.identity import rbac
from services.identity.rbac import Permission
from services.pipelines import runs
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

FOLLOW_SECONDS = 0.5
FOLLOW_LIMIT_S = 900
STATUS_COLOURS = {"completed": "green", "failed": "red", "blocked": "red", "running": "blue", "pending": "gray",
                  "cancelled": "gray", "skipped": "gray"}


def _seconds(run: runs.Run | runs.NodeRun) -> str:
    if run.started_at is None:
        return ""
    if run.completed_at is None:
        return "running"
    return f"{(run.completed_at - run.started_at).total_seconds():.2f} s"


def _run_row(run: runs.Run) -> dict[str, str]:
    return {"id": run.id, "short": run.id[:8], "pipeline": run.pipeline_name, "status": run.status,
            "colour": STATUS_COLOURS.get(run.status, "gray"), "trigger": run.trigger, "attempt": str(run.attempt),
            "created": when(run.created_at), "took": _seconds(run), "rows": f"{run.rows_processed or 0:,}",
            "error": (run.error or "")[:200], "href": f"/pipelines/runs/{run.id}"}


def _node_row(node: runs.NodeRun) -> dict[str, str]:
    return {"id": node.id, "label": node.label, "target": node.target or "", "status": node.status,
            "colour": STATUS_COLOURS.get(node.status, "gray"), "started": when(node.started_at),
            "took": _seconds(node), "rows": f"{node.rows or 0:,}", "rejected": str(node.rejected or ""),
            "error": node.error or "", "sqlstate": node.sqlstate or "", "logs": node.logs}


class JobLogsState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    pipeline_filter: str = ""
    run: dict[str, str] = {}
    run_nodes: list[dict[str, str]] = []
    run_logs: str = ""
    can_retry: bool = False
    can_cancel: bool = False
    following: bool = False

    async def load_list(self):
        """on_load for /pipelines/runs (?pipeline=NAME narrows it)."""
        if await self._ready_auth() is None:
            return
        self.error = ""
        self.pipeline_filter = self.router.url.query_parameters.get("pipeline", "")
        user, _ = await acting_user(self)
        found = await self._call(runs.list_runs, user, self.pipeline_filter or None, limit=100)
        if found is not FAILED:
            self.rows = [_run_row(r) for r in found]

    async def load_run(self):
        """on_load for /pipelines/runs/[run_id]."""
        if (auth := await self._ready_auth()) is None:
            return
        self.error = ""
        self.can_retry = rbac.is_allowed(auth.user_role, Permission.RETRY_FAILED_JOBS)
        self.can_cancel = rbac.is_allowed(auth.user_role, Permission.SCHEDULE_PIPELINES)
        run_id = self.router.page.params.get("run_id", "")
        user, _ = await acting_user(self)
        found = await self._call(runs.get, user, run_id)
        if found is FAILED:
            self.run, self.run_nodes, self.run_logs = {}, [], ""
            return None
        self._show(found)
        if found.status not in runs.FINISHED:
            return JobLogsState.follow
        return None

    def _show(self, run: runs.Run) -> None:
        self.run = {**_run_row(run), "pipeline_href": "/pipelines/editor?" + urlencode({"name": run.pipeline_name}),
                    "worker": run.worker or "", "retry_of": run.retry_of or "",
                    "started": when(run.started_at), "completed": when(run.completed_at),
                    "finished": "yes" if run.status in runs.FINISHED else "no",
                    "retryable": "yes" if run.status in ("failed", "blocked", "cancelled") else "no"}
        self.run_nodes = [_node_row(n) for n in run.nodes]
        self.run_logs = run.logs

    @rx.event(background=True)
    async def follow(self):
        """Refresh the open run until it ends (or the page moves on)."""
        async with self:
            if self.following:
                return
            self.following = True
            run_id = self.run.get("id", "")
            user, _ = await acting_user(self)
        try:
            for _ in range(int(FOLLOW_LIMIT_S / FOLLOW_SECONDS)):
                await asyncio.sleep(FOLLOW_SECONDS)
                try:
                    found = await asyncio.to_thread(runs.get, user, run_id)
                except WorkbenchError:
                    return
                async with self:
                    if self.run.get("id") != run_id:
                        return
                    self._show(found)
                if found.status in runs.FINISHED:
                    return
        finally:
            async with self:
                self.following = False

    async def cancel(self):
        user, client = await acting_user(self)
        found = await self._call(runs.cancel, user, self.run.get("id", ""), client_address=client)
        if found is not FAILED:
            self._show(found)

    async def retry(self):
        user, client = await acting_user(self)
        found = await self._call(runs.retry, user, self.run.get("id", ""), client_address=client)
        if found is FAILED:
            return None
        return rx.redirect(f"/pipelines/runs/{found.id}")
