"""SQL Editor page state: the editor text, one page of results, history and snippets."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from services.catalog import browse as catalog_browse
from services.core.errors import QueryFailed, WorkbenchError
from services.sql import completion as warehouse_schema
from services.sql import execution as query_execution
from services.sql import formatting as sql_format
from services.sql import history as query_history
from services.sql import snippets
from workbench.formatting import NULL, grid_cell
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

PAGE_ROWS = 100
_NUMERIC = ("smallint", "integer", "bigint", "numeric", "real", "double precision", "int2", "int4", "int8",
            "float4", "float8", "money", "oid")
DEFAULT_SQL = "SELECT vendor, SUM(amount) FROM gold.finance_expenses GROUP BY vendor"


def _sort_key(value: str, numeric: bool):
    if value == NULL:
        return (1, 0, "")
    if numeric:
        try:
            return (0, float(value), "")
        except ValueError:
            return (0, 0, value)
    return (0, 0, value)


class SqlEditorState(ServiceCalls, rx.State):
    sql_text: str = DEFAULT_SQL
    text_revision: int = 0
    schema: dict[str, dict[str, list[str]]] = {}
    tables: list[dict[str, str]] = []
    open_table: str = ""
    open_columns: list[dict[str, str]] = []
    columns: list[str] = []
    column_types: list[str] = []
    numeric: list[bool] = []
    rows: list[list[str]] = []
    run_id: str = ""
    history_id: str = ""
    running: bool = False
    has_more: bool = False
    summary: str = ""
    error_pos: int = -1
    sort_col: int = -1
    sort_desc: bool = False
    page: int = 0
    tab: str = "results"
    history: list[dict[str, str]] = []
    history_search: str = ""
    snippet_rows: list[dict[str, str]] = []
    snippet_search: str = ""
    save_open: bool = False
    editing_id: str = ""
    editing_name: str = ""
    notice: str = ""
    _tree: dict[str, Any] = {}

    async def load(self):
        """Sidebar and autocomplete from the live warehouse."""
        if await self._ready_auth() is None:
            return
        user, _ip = await acting_user(self)
        if (tree := await self._call(warehouse_schema.warehouse_columns, user)) is FAILED:
            return
        self._tree = tree
        self.schema = warehouse_schema.completion_schema(tree)
        self.tables = [{"schema": s, "table": t, "name": f"{s}.{t}"} for s, tables in tree.items() for t in tables]
        if table := self.router.url.query_parameters.get("table"):
            await self._open_ready_select(user, table)
        elif sql := self.router.url.query_parameters.get("sql"):  # Genie's "Open in SQL Editor"
            self.sql_text, self.error, self.error_pos = sql, "", -1
            self.text_revision += 1
            self.notice = "Genie's query is in the editor: press Run."

    async def _open_ready_select(self, user: Any, table: str):
        """The catalog's Query action: a SELECT of that table, ready to run."""
        try:
            self.sql_text = await asyncio.to_thread(catalog_browse.ready_select, user, table)
        except WorkbenchError as exc:
            self.error = str(exc)
            return
        self.text_revision += 1
        self.error, self.error_pos = "", -1
        self.notice = f"A SELECT of {table} is ready: press Run."

    def set_sql_text(self, text: str):
        self.sql_text = text

    def toggle_table(self, name: str):
        """Open a table in the sidebar (its columns) and put its name in the editor."""
        if self.open_table == name:
            self.open_table, self.open_columns = "", []
            return
        schema, table = name.split(".", 1)
        self.open_table = name
        self.open_columns = [{"name": c, "type": t} for c, t in self._tree.get(schema, {}).get(table, [])]
        return rx.call_script(f"window.wbInsertText && window.wbInsertText({name!r})")

    @rx.var
    def page_rows(self) -> list[list[str]]:
        """The rows of the current page, sorted within the loaded rows when a header was clicked."""
        rows = self.rows
        if 0 <= self.sort_col < len(self.columns):
            numeric = self.numeric[self.sort_col]
            rows = sorted(rows, key=lambda r: _sort_key(r[self.sort_col], numeric), reverse=self.sort_desc)
        start = self.page * PAGE_ROWS
        return rows[start:start + PAGE_ROWS]

    @rx.var
    def page_label(self) -> str:
        if not self.rows:
            return ""
        start = self.page * PAGE_ROWS
        return f"rows {start + 1}–{min(start + PAGE_ROWS, len(self.rows))} of {len(self.rows):,} loaded"

    @rx.var
    def last_page(self) -> int:
        return max(0, (len(self.rows) - 1) // PAGE_ROWS)

    def sort_by(self, index: int):
        if self.sort_col == index:
            self.sort_desc = not self.sort_desc
        else:
            self.sort_col, self.sort_desc = index, False
        self.page = 0

    def next_page(self):
        self.page = min(self.page + 1, self.last_page)

    def previous_page(self):
        self.page = max(0, self.page - 1)

    def set_tab(self, tab: str):
        self.tab = tab
        if tab == "history":
            return SqlEditorState.load_history
        if tab == "snippets":
            return SqlEditorState.load_snippets

    def _show(self, result: query_execution.QueryResult, reset: bool) -> None:
        if reset:
            self.columns = [c.name for c in result.columns]
            self.column_types = [c.type_name for c in result.columns]
            self.numeric = [c.type_name in _NUMERIC for c in result.columns]
            self.rows, self.page, self.sort_col = [], 0, -1
        self.rows = self.rows + [[grid_cell(v) for v in row] for row in result.rows]
        if result.truncated_reason:
            self.notice = result.truncated_reason
        self.has_more = result.has_more

    @rx.event(background=True)
    async def run(self, text: str = "", offset: int = 0):
        """Run the selection (from the editor) or the whole text, without blocking the page."""
        async with self:
            if self.running:
                return
            script = text if text.strip() else self.sql_text
            offset = offset if text.strip() else 0
            run_id = uuid.uuid4().hex
            self.running, self.run_id, self.error, self.error_pos, self.notice = True, run_id, "", -1, ""
            self.tab = "results"
            user, ip = await acting_user(self)
        try:
            result = await asyncio.to_thread(query_execution.execute, user, script, run_id=run_id,
                                             client_address=ip)
        except WorkbenchError as exc:
            async with self:
                self.running = False
                self.error = str(exc)
                position = getattr(exc, "position", None)
                self.error_pos = offset + position if isinstance(exc, QueryFailed) and position is not None else -1
                if self.error_pos >= 0:
                    line = self.sql_text[: self.error_pos].count("\n") + 1
                    column = self.error_pos - (self.sql_text.rfind("\n", 0, self.error_pos) + 1) + 1
                    self.error = f"{self.error} (line {line}, column {column})"
                self.columns, self.rows, self.summary = [], [], ""
            return
        async with self:
            self.running = False
            self.history_id = result.history_id
            self._show(result, reset=True)
            count = f"{len(self.rows):,}{'+' if result.has_more else ''}"
            self.summary = (f"{count} rows in {result.execution_time_ms:,} ms" if result.columns
                            else f"{result.status_message or 'Done'} in {result.execution_time_ms:,} ms")

    async def load_more(self):
        """The next 1,000 rows from the server-side cursor."""
        user, _ip = await acting_user(self)
        try:
            result = await asyncio.to_thread(query_execution.fetch_more, user, self.run_id)
        except WorkbenchError as exc:
            self.error, self.has_more = str(exc), False
            return
        self._show(result, reset=False)
        self.summary = f"{len(self.rows):,}{'+' if result.has_more else ''} rows loaded"

    async def cancel(self):
        """Stop the running statement in the database."""
        user, _ip = await acting_user(self)
        await asyncio.to_thread(query_execution.cancel, user, self.run_id)

    def format_sql(self):
        """Pretty-print with sqlglot (Postgres)."""
        try:
            self.sql_text = sql_format.format_sql(self.sql_text)
            self.text_revision += 1
            self.error, self.error_pos = "", -1
        except WorkbenchError as exc:
            self.error = str(exc)

    def copy_cell(self, value: str):
        return [rx.set_clipboard("" if value == NULL else value), rx.toast.info("Copied", duration=1200)]

    async def load_history(self):
        user, _ip = await acting_user(self)
        if (entries := await self._call(query_history.list_history, user, self.history_search)) is FAILED:
            return
        self.history = [
            {"id": e.id, "when": e.executed_at.strftime("%Y-%m-%d %H:%M:%S"), "user": e.user_email,
             "sql": e.sql, "status": e.status, "rows": "" if e.rows_returned is None else f"{e.rows_returned:,}",
             "ms": "" if e.execution_time_ms is None else f"{e.execution_time_ms:,}", "error": e.error_message or ""}
            for e in entries
        ]

    async def search_history(self, form: dict):
        self.history_search = str(form.get("q", ""))
        await self.load_history()

    def load_sql(self, text: str):
        """Put a query from history or a snippet into the editor."""
        self.sql_text = text
        self.text_revision += 1
        self.error, self.error_pos = "", -1
        self.notice = "Loaded into the editor."

    async def load_snippets(self):
        user, _ip = await acting_user(self)
        if (found := await self._call(snippets.search, user, self.snippet_search)) is FAILED:
            return
        self.snippet_rows = [
            {"id": s.id, "name": s.name, "description": s.description, "sql": s.sql, "tags": ", ".join(s.tags),
             "owner": s.owner_email, "mine": "yes" if snippets.may_change(user, s) else ""}
            for s in found
        ]

    async def search_snippets(self, form: dict):
        self.snippet_search = str(form.get("q", ""))
        await self.load_snippets()

    def open_save(self):
        self.save_open = True

    def set_save_open(self, value: bool):
        self.save_open = value

    async def save_snippet(self, form: dict):
        """Save the editor's SQL as a snippet."""
        user, _ip = await acting_user(self)
        try:
            saved = await asyncio.to_thread(snippets.save, user, str(form.get("name", "")), self.sql_text,
                                            description=str(form.get("description", "")),
                                            tags=str(form.get("tags", "")))
        except WorkbenchError as exc:
            return rx.toast.error(str(exc))
        self.save_open = False
        self.notice = f"Saved snippet “{saved.name}”."
        await self.load_snippets()

    def edit_snippet(self, snippet_id: str, name: str, text: str):
        """Load one of your snippets to change its SQL; 'Update snippet' then saves it in place."""
        self.load_sql(text)
        self.editing_id, self.editing_name = snippet_id, name
        self.notice = f"Editing snippet “{name}”: change the SQL, then Update snippet."

    async def update_snippet(self):
        """Save the editor's SQL into the snippet being edited (owner or admin)."""
        user, _ip = await acting_user(self)
        try:
            current = await asyncio.to_thread(snippets.get, user, self.editing_id)
            saved = await asyncio.to_thread(snippets.update, user, self.editing_id, current.name, self.sql_text,
                                            description=current.description, tags=current.tags)
        except WorkbenchError as exc:
            return rx.toast.error(str(exc))
        self.notice = f"Updated snippet “{saved.name}”."
        self.editing_id, self.editing_name = "", ""
        await self.load_snippets()

    async def delete_snippet(self, snippet_id: str):
        user, _ip = await acting_user(self)
        try:
            await asyncio.to_thread(snippets.delete, user, snippet_id)
        except WorkbenchError as exc:
            return rx.toast.error(str(exc))
        await self.load_snippets()
