"""Catalog › a column: its type and description, its data-quality profile, where it comes from and flows
to in lineage, and the tests on it with their latest outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.catalog import tables as catalog
from services.core import db
from services.core.errors import NotFound
from services.identity.rbac import Permission, is_allowed
from services.lineage import graph as lineage
from services.quality import profile as profiles


@dataclass(frozen=True)
class ColumnTest:
    name: str
    test_type: str
    severity: str
    passed: bool | None  # None: never run
    ran_at: datetime | None


@dataclass(frozen=True)
class ColumnDetail:
    table: catalog.TableInfo
    column: catalog.ColumnInfo
    profile: profiles.ColumnProfile | None
    profiled_at: datetime | None
    sources: list[lineage.Impacted] | None  # None: the actor may not view lineage
    dependants: list[lineage.Impacted] | None
    tests: list[ColumnTest]


def column_detail(actor: Any, qualified: str, column: str) -> ColumnDetail:
    """One column (view_catalog); its profile and tests for those who view data quality, its lineage for
    those who view lineage."""
    table = catalog.get_table(actor, qualified)
    found = next((c for c in table.columns if c.name == column.lower() or c.name == column), None)
    if found is None:
        raise NotFound(f"{table.schema_name}.{table.table_name} has no column {column}.")
    qualified = f"{table.schema_name}.{table.table_name}"
    quality = is_allowed(actor.role, Permission.VIEW_DATA_QUALITY)
    latest = profiles.latest(actor, qualified) if quality else None
    sees_lineage = is_allowed(actor.role, Permission.VIEW_LINEAGE)
    return ColumnDetail(
        table=table, column=found,
        profile=next((c for c in latest.columns if c.name == found.name), None) if latest else None,
        profiled_at=latest.profiled_at if latest else None,
        sources=lineage.column_sources(actor, qualified, found.name) if sees_lineage else None,
        dependants=lineage.impact(actor, qualified, found.name).columns if sees_lineage else None,
        tests=_tests(table.id, found.name) if quality else [])


def _tests(table_id: str, column: str) -> list[ColumnTest]:
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT t.name, t.test_type, t.severity, r.passed, r.executed_at FROM ip_workbench.dq_tests t"
            " LEFT JOIN LATERAL (SELECT passed, executed_at FROM ip_workbench.dq_test_results"
            "   WHERE test_id = t.id ORDER BY executed_at DESC LIMIT 1) r ON true"
            " WHERE t.table_id = %s AND t.column_name = %s ORDER BY t.name", (table_id, column)).fetchall()
    return [ColumnTest(*row) for row in rows]
