"""Catalog › a schema: its tables with rows and size, owners, the data-quality summary, and the lineage that
enters or leaves it (edges between one of its tables and a table elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.catalog.browse import TABLE_ROW_COLUMNS, TableRow
from services.core import db
from services.core.errors import NotFound
from services.identity.rbac import Permission, authorize


@dataclass(frozen=True)
class SchemaEdge:
    source: str  # schema.table
    target: str


@dataclass(frozen=True)
class SchemaDetail:
    name: str
    tables: list[TableRow]
    owners: list[str]
    total_rows: int
    total_bytes: int
    dq_average: Decimal | None
    dq_scored: int
    lineage_in: list[SchemaEdge]  # from another schema into this one
    lineage_out: list[SchemaEdge]


_EDGES = """
SELECT DISTINCT s.schema_name || '.' || s.table_name, t.schema_name || '.' || t.table_name,
       s.schema_name = %(s)s AS leaving
FROM ip_workbench.lineage l
JOIN ip_workbench.tables s ON s.id = l.source_table_id
JOIN ip_workbench.tables t ON t.id = l.target_table_id
WHERE (s.schema_name = %(s)s) <> (t.schema_name = %(s)s)
ORDER BY 1, 2
"""


def schema_detail(actor: Any, schema: str) -> SchemaDetail:
    """One schema of the catalog (view_catalog); NotFound when no catalogued table is in it."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT {TABLE_ROW_COLUMNS}, false FROM ip_workbench.tables t WHERE t.schema_name = %s"
            " ORDER BY t.table_name",
            (schema,)).fetchall()
        if not rows:
            raise NotFound(f"No catalogued table is in schema {schema!r}.")
        owners = [r[0] for r in conn.execute(
            "SELECT DISTINCT u.email FROM ip_workbench.tables t JOIN ip_workbench.users u ON u.id = t.owner"
            " WHERE t.schema_name = %s ORDER BY 1", (schema,))]
        edges = conn.execute(_EDGES, {"s": schema}).fetchall()
    tables = [TableRow(*row) for row in rows]
    scores = [Decimal(str(t.dq_score)) for t in tables if t.dq_score is not None]
    return SchemaDetail(
        name=schema, tables=tables, owners=owners, total_rows=sum(t.row_count or 0 for t in tables),
        total_bytes=sum(t.size_bytes or 0 for t in tables),
        dq_average=round(sum(scores) / len(scores), 1) if scores else None, dq_scored=len(scores),
        lineage_in=[SchemaEdge(a, b) for a, b, leaving in edges if not leaving],
        lineage_out=[SchemaEdge(a, b) for a, b, leaving in edges if leaving])
