"""Catalog › a schema and Catalog › a column: their own pages (addresses that can be shared)."""

from __future__ import annotations

import reflex as rx

from services.catalog import schema_detail
from services.quality import column_detail
from workbench import formatting
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls


def _flows(found: list | None) -> list[dict[str, str]]:
    return [{"column": f"{i.table}.{i.column}", "depth": str(i.depth), "path": " → ".join(i.path)}
            for i in (found or [])]


class SchemaDetailState(ServiceCalls, rx.State):
    name: str = ""
    tables: list[dict[str, str]] = []
    owners: str = ""
    total_rows: str = ""
    total_size: str = ""
    dq: str = ""
    lineage_in: list[dict[str, str]] = []
    lineage_out: list[dict[str, str]] = []

    async def load(self):
        """on_load for /catalog/schemas/[schema]."""
        if await self._page_user() is None:
            return
        user, _ip = await acting_user(self)
        self.error, self.name = "", ""
        found = await self._call(schema_detail.schema_detail, user, self.router.page.params.get("schema", ""))
        if found is FAILED:
            return
        self.name = found.name
        self.tables = [{"name": t.qualified, "kind": t.kind.replace("_", " "), "description": t.description,
                        "rows": formatting.rows(t.row_count, t.rows_exact), "size": formatting.size(t.size_bytes),
                        "dq": formatting.score(t.dq_score)} for t in found.tables]
        self.owners = ", ".join(found.owners) or "no owner set"
        self.total_rows, self.total_size = f"{found.total_rows:,}", formatting.size(found.total_bytes)
        self.dq = (f"{found.dq_average}% average over {found.dq_scored} of {len(found.tables)} tables"
                   if found.dq_average is not None else "no table scored yet")
        self.lineage_in = [{"source": e.source, "target": e.target} for e in found.lineage_in]
        self.lineage_out = [{"source": e.source, "target": e.target} for e in found.lineage_out]


class ColumnDetailState(ServiceCalls, rx.State):
    table: str = ""
    column: str = ""
    data_type: str = ""
    nullable: str = ""
    key: str = ""
    description: str = ""
    profile: list[dict[str, str]] = []
    profiled_at: str = ""
    sees_lineage: bool = False
    sources: list[dict[str, str]] = []
    dependants: list[dict[str, str]] = []
    tests: list[dict[str, str]] = []

    async def load(self):
        """on_load for /catalog/columns/[table]/[column]."""
        if await self._page_user() is None:
            return
        user, _ip = await acting_user(self)
        params = self.router.page.params
        self.error, self.column = "", ""
        found = await self._call(column_detail.column_detail, user, params.get("table", ""), params.get("column", ""))
        if found is FAILED:
            return
        col = found.column
        self.table = f"{found.table.schema_name}.{found.table.table_name}"
        self.column, self.data_type = col.name, col.data_type
        self.nullable, self.key = "yes" if col.is_nullable else "no", "primary key" if col.is_primary_key else ""
        self.description = col.shown_description or "no description yet"
        p = found.profile
        self.profile = [] if p is None else [
            {"label": label, "value": value} for label, value in (
                ("Nulls", f"{p.nulls:,} ({p.null_fraction:.1%})"),
                ("Distinct", "—" if p.distinct is None else f"{p.distinct:,}{'' if p.distinct_exact else ' (est.)'}"),
                ("Min", p.min or "—"), ("Max", p.max or "—"),
                ("Mean", "—" if p.mean is None else f"{p.mean:,.4g}"),
                ("Top values", ", ".join(f"{v.get('value')} ({float(v.get('fraction') or 0):.1%})"
                                         for v in p.top_values[:5]) or "—"))]
        self.profiled_at = formatting.when(found.profiled_at)
        self.sees_lineage = found.sources is not None
        self.sources, self.dependants = _flows(found.sources), _flows(found.dependants)
        self.tests = [{"name": t.name, "type": t.test_type, "severity": t.severity,
                       "outcome": "not run" if t.passed is None else ("passed" if t.passed else "failed"),
                       "when": formatting.when(t.ran_at)} for t in found.tests]
