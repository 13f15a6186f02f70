"""Browsing the catalog: schemas with counts, a sorted and paged table list, sample rows, exact counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.catalog import tables as catalog
from services.core import db
from services.core.errors import InvalidInput
from services.core.identifiers import plain_name, qualified_name
from services.identity.rbac import Permission, authorize
from services.sql import execution as query_execution

PAGE_SIZE = 25
SAMPLE_ROWS = 20
# Sort key → SQL over ip_workbench.tables t; NULLs always last.
SORTS = {
    "name": "t.schema_name {dir}, t.table_name {dir}",
    "rows": "coalesce(t.exact_row_count, t.row_count) {dir} NULLS LAST, t.table_name",
    "size": "t.size_bytes {dir} NULLS LAST, t.table_name",
    "dq": "t.dq_score {dir} NULLS LAST, t.table_name",
    "updated": "t.last_updated {dir} NULLS LAST, t.table_name",
}
LAYER_ORDER = ("bronze", "silver", "gold", "platinum")


@dataclass(frozen=True)
class SchemaCount:
    schema_name: str
    tables: int
    views: int


@dataclass(frozen=True)
class TableRow:
    id: str
    schema_name: str
    table_name: str
    kind: str
    description: str
    row_count: int | None
    rows_exact: bool
    size_bytes: int | None
    dq_score: float | None
    last_updated: datetime | None
    favorite: bool

    @property
    def qualified(self) -> str:
        return f"{self.schema_name}.{self.table_name}"


@dataclass(frozen=True)
class TablePage:
    rows: list[TableRow]
    total: int
    page: int
    page_size: int


# A TableRow's columns but the last (favorite), from ip_workbench.tables AS t.
TABLE_ROW_COLUMNS = ("t.id::text, t.schema_name, t.table_name, t.kind,"
                     " coalesce(t.description, t.dbt_description, t.db_comment, ''),"
                     " coalesce(t.exact_row_count, t.row_count), t.exact_row_count IS NOT NULL, t.size_bytes,"
                     " t.dq_score, t.last_updated")


def schema_counts(actor: Any) -> list[SchemaCount]:
    """Every catalogued schema with its tables and views, medallion layers first (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT schema_name, count(*) FILTER (WHERE kind NOT IN ('view', 'materialized_view')),"
            " count(*) FILTER (WHERE kind IN ('view', 'materialized_view'))"
            " FROM ip_workbench.tables GROUP BY schema_name"
            " ORDER BY coalesce(array_position(%s, schema_name::text), 99), schema_name",
            (list(LAYER_ORDER),)).fetchall()
    return [SchemaCount(*row) for row in rows]


def list_tables(actor: Any, *, schema: str | None = None, sort: str = "name", descending: bool = False,
                page: int = 0, page_size: int = PAGE_SIZE) -> TablePage:
    """One page of catalogued tables, the actor's favorites first, then by `sort` (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of: {', '.join(SORTS)}.")
    if not 1 <= page_size <= 500 or page < 0:
        raise InvalidInput("page_size must be 1–500 and page 0 or more.")
    order = SORTS[sort].format(dir="DESC" if descending else "ASC")
    user_id = getattr(actor, "id", None)
    with db.connection() as conn:
        total = conn.execute("SELECT count(*) FROM ip_workbench.tables WHERE %(s)s::text IS NULL"
                             " OR schema_name = %(s)s", {"s": schema}).fetchone()[0]
        rows = conn.execute(
            f"SELECT {TABLE_ROW_COLUMNS}, f.user_id IS NOT NULL AS favorite"
            " FROM ip_workbench.tables t LEFT JOIN ip_workbench.catalog_favorites f"
            "   ON f.table_id = t.id AND f.user_id = %(u)s"
            " WHERE %(s)s::text IS NULL OR t.schema_name = %(s)s"
            f" ORDER BY favorite DESC, {order} LIMIT %(limit)s OFFSET %(offset)s",
            {"u": user_id, "s": schema, "limit": page_size, "offset": page * page_size}).fetchall()
    return TablePage([TableRow(*row) for row in rows], total, page, page_size)


def ready_select(actor: Any, qualified: str, limit: int = 100) -> str:
    """The SELECT the Query action opens in the SQL editor: every column named, a LIMIT."""
    table = catalog.get_table(actor, qualified)
    columns = ",\n       ".join(plain_name(c.name) for c in table.columns) or "*"
    return (f"SELECT {columns}\nFROM {plain_name(table.schema_name)}.{plain_name(table.table_name)}\n"
            f"LIMIT {int(limit)};")


def sample_rows(actor: Any, qualified: str, *, client_address: str | None = None
                ) -> query_execution.QueryResult:
    """The first 20 rows, run through the execution service as the actor, so their role applies."""
    table = catalog.get_table(actor, qualified)
    result = query_execution.execute(
        actor, f"SELECT * FROM {qualified_name(table.schema_name, table.table_name)} LIMIT {SAMPLE_ROWS}",
        source="catalog", client_address=client_address, page_size=SAMPLE_ROWS + 1)
    if result.has_more:
        query_execution.close_result(actor, result.run_id)
    return result


def count_rows_exactly(actor: Any, qualified: str, *, client_address: str | None = None) -> int:
    """count(*) run as the actor, then kept in the catalog beside the estimate."""
    table = catalog.get_table(actor, qualified)
    result = query_execution.execute(
        actor, f"SELECT count(*) FROM {qualified_name(table.schema_name, table.table_name)}",
        source="catalog", client_address=client_address)
    rows = int(result.rows[0][0])
    with db.connection() as conn:
        conn.execute("UPDATE ip_workbench.tables SET exact_row_count = %s, exact_counted_at = now()"
                     " WHERE id = %s", (rows, table.id))
    return rows
