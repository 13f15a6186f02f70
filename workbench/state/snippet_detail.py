"""SQL Editor › a saved snippet: its SQL, description, tags and owner, the runs of it, edit and delete."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from services.sql import history, snippets
from workbench import formatting
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls


class SnippetDetailState(ServiceCalls, rx.State):
    snippet_id: str = ""
    name: str = ""
    description: str = ""
    sql: str = ""
    tags: str = ""
    owner: str = ""
    updated: str = ""
    mine: bool = False
    editing: bool = False
    runs: list[dict[str, str]] = []
    notice: str = ""

    @rx.var
    def editor_link(self) -> str:
        """The SQL Editor with this snippet's SQL in it."""
        return "/sql?sql=" + quote(self.sql, safe="")

    async def load(self):
        """on_load for /sql/snippets/[snippet_id]."""
        if await self._page_user() is None:
            return
        self.snippet_id = self.router.page.params.get("snippet_id", "")
        self.editing, self.notice, self.error = False, "", ""
        await self._refresh()

    async def _refresh(self):
        user, _ip = await acting_user(self)
        found = await self._call(snippets.get, user, self.snippet_id)
        if found is FAILED:
            self.name = ""
            return
        self.name, self.description, self.sql = found.name, found.description, found.sql
        self.tags, self.owner = ", ".join(found.tags), found.owner_email
        self.updated = formatting.when(found.updated_at or found.created_at)
        self.mine = snippets.may_change(user, found)
        runs = await self._call(history.runs_of, user, found.sql)
        self.runs = [] if runs is FAILED else [
            {"when": formatting.when(r.executed_at), "user": r.user_email, "status": r.status,
             "rows": "" if r.rows_returned is None else f"{r.rows_returned:,}",
             "ms": "" if r.execution_time_ms is None else f"{r.execution_time_ms:,}", "error": r.error_message or ""}
            for r in runs]

    def start_editing(self):
        self.editing, self.notice = True, ""

    def stop_editing(self):
        self.editing = False

    async def save(self, form: dict):
        """Save the edited name, description, tags and SQL (owner or admin)."""
        user, _ip = await acting_user(self)
        saved = await self._call(snippets.update, user, self.snippet_id, str(form.get("name", "")),
                                 str(form.get("sql", "")), description=str(form.get("description", "")),
                                 tags=str(form.get("tags", "")))
        if saved is FAILED:
            return
        self.error, self.editing, self.notice = "", False, "Saved."
        await self._refresh()

    async def delete(self):
        """Delete the snippet (owner or admin) and go back to the editor's snippets."""
        user, _ip = await acting_user(self)
        if await self._call(snippets.delete, user, self.snippet_id) is FAILED:
            return
        return rx.redirect("/sql")
