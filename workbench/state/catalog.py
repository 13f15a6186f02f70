"""Catalog page state: schema tree, the table list, one table's detail, its actions, and sync."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import reflex as rx

from services.catalog import browse as catalog_browse
from services.catalog import ddl as catalog_ddl
from services.catalog import favorites as catalog_favorites
from services.catalog import jobs as catalog_jobs
from services.catalog import search as catalog_search
from services.catalog import sync as catalog_sync
from services.catalog import tables as catalog
from services.core import scheduler
from services.core.errors import WorkbenchError
from services.identity.rbac import CATALOG_EDITORS
from services.lineage import graph as lineage_graph
from workbench import formatting
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls
from workbench.state.search import hit_row

SORT_LABELS = {"name": "Name", "rows": "Rows", "size": "Size", "dq": "DQ score", "updated": "Updated"}


class CatalogState(ServiceCalls, rx.State):
    schemas: list[dict[str, str]] = []
    total_tables: int = 0
    schema: str = ""
    sort: str = "name"
    descending: bool = False
    page: int = 0
    total: int = 0
    tables: list[dict[str, str]] = []
    search_text: str = ""
    search_hits: list[dict[str, str]] = []
    searched: bool = False
    selected: str = ""
    detail: dict[str, str] = {}
    columns: list[dict[str, str]] = []
    favorite: bool = False
    tab: str = "columns"
    sample_columns: list[str] = []
    sample_rows: list[list[str]] = []
    sample_note: str = ""
    can_edit: bool = False
    editing_description: bool = False
    editing_column: str = ""
    upstream: list[str] = []
    downstream: list[str] = []
    ddl_open: bool = False
    ddl_text: str = ""
    syncing: bool = False
    sync_message: str = ""
    sync_percent: int = 0
    last_sync: str = ""
    next_sync: str = ""
    search_status: str = ""
    notice: str = ""

    @rx.var
    def page_count(self) -> int:
        return max(1, -(-self.total // catalog_browse.PAGE_SIZE))

    @rx.var
    def range_label(self) -> str:
        if not self.total:
            return "No tables"
        first = self.page * catalog_browse.PAGE_SIZE + 1
        return f"{first:,}–{min(first + catalog_browse.PAGE_SIZE - 1, self.total):,} of {self.total:,}"

    async def load(self):
        """on_load: the tree, the list, and a table or search named in the address."""
        if (auth := await self._ready_auth()) is None:
            return
        self.can_edit = auth.user_role in CATALOG_EDITORS
        self.error = self.notice = ""
        params = self.router.url.query_parameters
        self.schema = params.get("schema", "")
        self.page = 0
        await self._refresh_list()
        await self._refresh_sync_status()
        if query := params.get("q", ""):
            await self.run_search({"q": query})
        else:
            self.search_text, self.search_hits, self.searched = "", [], False
        if table := params.get("table", ""):
            await self.open_table(table)
        elif not params.get("q"):
            self.selected = ""

    async def _refresh_list(self):
        user, _ip = await acting_user(self)
        schema, sort, descending, page = self.schema or None, self.sort, self.descending, self.page
        loaded = await self._call(lambda: (
            catalog_browse.schema_counts(user),
            catalog_browse.list_tables(user, schema=schema, sort=sort, descending=descending, page=page)))
        if loaded is FAILED:
            return
        counts, listing = loaded
        self.schemas = [{"name": c.schema_name, "count": str(c.tables + c.views),
                         "detail": f"{c.tables} tables" + (f", {c.views} views" if c.views else "")} for c in counts]
        self.total_tables = sum(c.tables + c.views for c in counts)
        self.total = listing.total
        self.tables = [{"name": r.qualified, "kind": r.kind.replace("_", " "), "description": r.description,
                        "rows": formatting.rows(r.row_count, r.rows_exact), "size": formatting.size(r.size_bytes),
                        "dq": formatting.score(r.dq_score), "updated": formatting.when(r.last_updated),
                        "favorite": "yes" if r.favorite else ""} for r in listing.rows]

    async def _refresh_sync_status(self):
        user, _ip = await acting_user(self)
        loaded = await self._call(lambda: (catalog_sync.recent_runs(user, 1),
                                           scheduler.next_run(catalog_jobs.SYNC_JOB_ID), catalog_search.index_status()))
        if loaded is FAILED:
            return
        runs, upcoming, index = loaded
        if runs:
            run = runs[0]
            self.last_sync = (f"Last sync {formatting.when(run.started_at)} ({run.trigger}, {run.status}"
                              + (f", {run.writes:,} changes" if run.writes is not None else "") + ")")
        else:
            self.last_sync = "Not synced yet"
        self.next_sync = f"next scheduled {formatting.when(upcoming)} UTC" if upcoming else "no schedule running"
        self.search_status = (f"{index['pending']:,} of {index['documents']:,} search documents wait for embedding"
                              if index["pending"] else "")

    async def pick_schema(self, name: str):
        """Schema tree click: list only that schema (again: all schemas)."""
        self.schema = "" if self.schema == name else name
        self.page = 0
        await self._refresh_list()

    async def sort_by(self, key: str):
        """Header click: sort by that column; again: the other way round."""
        if key == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = key, key in ("rows", "size", "dq", "updated")
        self.page = 0
        await self._refresh_list()

    async def go_page(self, delta: int):
        self.page = min(max(0, self.page + delta), self.page_count - 1)
        await self._refresh_list()

    def set_search_text(self, text: str):
        self.search_text = text

    async def run_search(self, form: dict):
        """The catalog page's search box (and the header's Enter)."""
        text = str(form.get("q", "")).strip()
        self.search_text = text
        if not text:
            self.search_hits, self.searched = [], False
            return
        user, _ip = await acting_user(self)
        if (hits := await self._call(catalog_search.search, user, text, limit=20)) is FAILED:
            return
        self.search_hits = [hit_row(h) for h in hits]
        self.searched = True

    def clear_search(self):
        self.search_text, self.search_hits, self.searched = "", [], False

    async def open_table(self, name: str):
        """Show one table: description, stats, columns; sample rows wait for their tab."""
        user, _ip = await acting_user(self)
        if (loaded := await self._call(lambda: (catalog.get_table(user, name), _is_favorite(user, name)))) is FAILED:
            return
        table, starred = loaded
        self.selected = name
        self.favorite = starred
        self.tab = "columns"
        self.editing_description, self.editing_column = False, ""
        self.sample_columns, self.sample_rows, self.sample_note = [], [], ""
        self._show(table)

    def _show(self, table: catalog.TableInfo) -> None:
        exact = table.exact_row_count is not None
        self.detail = {
            "name": f"{table.schema_name}.{table.table_name}", "kind": table.kind.replace("_", " "),
            "description": table.shown_description, "ours": table.description or "",
            "db_comment": table.db_comment or "", "owner": table.owner_email or "",
            "origin": table.description_origin, "dbt": table.dbt_description or "",
            "dbt_model": table.dbt_unique_id or "",
            "rows": formatting.rows(table.exact_row_count if exact else table.row_count, exact),
            "rows_note": "counted" if exact else "estimated by the planner",
            "size": formatting.size(table.size_bytes), "updated": formatting.when(table.last_updated),
            "dq": formatting.score(table.dq_score), "columns": str(len(table.columns)),
        }
        self.columns = [{"name": c.name, "type": c.data_type, "key": "PK" if c.is_primary_key else "",
                         "nullable": "yes" if c.is_nullable else "no", "default": c.column_default or "",
                         "description": c.shown_description, "ours": c.description or "",
                         "origin": c.description_origin} for c in table.columns]

    def close_detail(self):
        self.selected, self.detail, self.columns = "", {}, []

    async def show_tab(self, tab: str):
        self.tab = tab
        if tab == "sample" and not self.sample_columns:
            await self.load_sample()
        if tab == "lineage":
            await self.load_lineage_preview()

    async def load_lineage_preview(self):
        """Direct neighbours of the open table in the lineage graph."""
        user, _ip = await acting_user(self)
        if (graph := await self._call(lineage_graph.neighbourhood, user, self.selected, depth=1)) is FAILED:
            return
        self.upstream = [n.name for n in graph.nodes if n.depth < 0]
        self.downstream = [n.name for n in graph.nodes if n.depth > 0]

    async def load_sample(self):
        """20 rows through the SQL execution service, as the signed-in user."""
        user, ip = await acting_user(self)
        try:
            result = await asyncio.to_thread(catalog_browse.sample_rows, user, self.selected, client_address=ip)
        except WorkbenchError as exc:
            self.sample_note = str(exc)
            return
        self.sample_columns = [c.name for c in result.columns]
        self.sample_rows = [[formatting.cell(v) for v in row] for row in result.rows]
        self.sample_note = f"{len(result.rows)} rows, read as you ({result.execution_time_ms} ms)"

    async def count_exactly(self):
        """Replace the planner's estimate with count(*)."""
        user, ip = await acting_user(self)
        if await self._call(catalog_browse.count_rows_exactly, user, self.selected, client_address=ip) is FAILED:
            return
        if (table := await self._call(catalog.get_table, user, self.selected)) is FAILED:
            return
        self._show(table)
        await self._refresh_list()

    def start_edit_description(self):
        self.editing_description = True

    def cancel_edit(self):
        self.editing_description, self.editing_column = False, ""

    async def save_description(self, form: dict):
        """Our description and owner of the open table (engineers and admins; the service checks)."""
        user, ip = await acting_user(self)
        if (table := await self._call(
                        catalog.edit_table, user, self.selected, description=str(form.get("description", "")),
                        owner_email=str(form.get("owner", "")), client_address=ip)) is FAILED:
            return
        self.editing_description = False
        self.notice = "Description saved."
        self._show(table)
        await self._refresh_list()

    def start_edit_column(self, name: str):
        self.editing_column = name

    async def save_column(self, form: dict):
        """Our description of one column."""
        user, ip = await acting_user(self)
        if await self._call(catalog.edit_column, user, self.selected, self.editing_column,
                            str(form.get("description", "")), client_address=ip) is FAILED:
            return
        if (table := await self._call(catalog.get_table, user, self.selected)) is FAILED:
            return
        self.notice = f"Description of {self.editing_column} saved."
        self.editing_column = ""
        self._show(table)

    async def toggle_favorite(self):
        user, _ip = await acting_user(self)
        if (starred := await self._call(catalog_favorites.set_favorite, user, self.selected,
                                        not self.favorite)) is FAILED:
            return
        self.favorite = starred
        self.notice = f"{self.selected} {'added to' if self.favorite else 'removed from'} your favorites."
        await self._refresh_list()

    async def open_ddl(self):
        user, _ip = await acting_user(self)
        if (ddl := await self._call(catalog_ddl.export_ddl, user, self.selected)) is FAILED:
            return
        self.ddl_text = ddl
        self.ddl_open = True

    def set_ddl_open(self, value: bool):
        self.ddl_open = value

    def query_table(self):
        """Open the SQL editor with a SELECT of this table."""
        return rx.redirect(f"/sql?table={quote(self.selected)}")

    def dismiss(self):
        self.notice = self.error = ""

    @rx.event(background=True)
    async def sync_now(self):
        """Sync the catalog with progress shown (engineers and admins; the service checks)."""
        async with self:
            if self.syncing:
                return
            self.syncing, self.sync_percent, self.sync_message, self.error = True, 0, "Starting", ""
            user, ip = await acting_user(self)
        loop = asyncio.get_running_loop()
        latest: dict[str, Any] = {}

        def progress(message: str, fraction: float) -> None:
            latest.update(message=message, percent=int(fraction * 100))

        work = loop.run_in_executor(None, lambda: catalog_sync.sync_now(user, progress=progress,
                                                                      client_address=ip))
        while not work.done():
            await asyncio.sleep(0.3)
            if latest:
                async with self:
                    self.sync_message, self.sync_percent = latest["message"], latest["percent"]
        try:
            result = work.result()
        except WorkbenchError as exc:
            async with self:
                self.syncing, self.error, self.sync_message = False, str(exc), ""
            return
        async with self:
            self.syncing, self.sync_percent = False, 100
            self.sync_message = ""
            self.notice = (f"Catalog synced: {result.tables_total:,} tables, {result.writes:,} changes "
                           f"in {result.seconds:.1f} s.")
            await self._refresh_list()
            await self._refresh_sync_status()
            if self.selected:
                await self.open_table(self.selected)


def _is_favorite(user: Any, name: str) -> bool:
    return name in catalog_favorites.favorites(user) if getattr(user, "id", None) else False

