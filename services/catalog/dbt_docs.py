"""Descriptions and owners a dbt project documents, kept beside ours: `tables.dbt_description` and
`table_metadata.dbt_description`. A description written in Workbench still wins (tables.shown_description);
a dbt owner is set only where a table has none. Each project's entries are replaced whole on import, and
entries of models that left the manifest are cleared. Writes only what changed."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from services.catalog import search as catalog_search
from services.core import db


@dataclass(frozen=True)
class TableDocs:
    """What one dbt relation says about one catalogued table."""

    table_id: str
    unique_id: str
    description: str
    columns: dict[str, str]  # column name → description ('' = none)
    owner_id: str | None


@dataclass(frozen=True)
class Applied:
    tables_written: int
    columns_written: int
    owners_set: int
    columns_described: int  # catalogued columns now carrying a dbt description of this project

    @property
    def written(self) -> int:
        """Rows changed."""
        return self.tables_written + self.columns_written + self.owners_set


def apply(conn: psycopg.Connection, project: str, docs: list[TableDocs]) -> Applied:
    """Make the project's dbt descriptions exactly `docs` (inside the caller's transaction)."""
    wanted = {d.table_id: d for d in docs}
    current = {row[0]: row[1:] for row in conn.execute(
        "SELECT id::text, dbt_description, dbt_project, dbt_unique_id, owner IS NOT NULL FROM ip_workbench.tables"
        " WHERE dbt_project = %s OR id = ANY(%s::uuid[])", (project, list(wanted))).fetchall()}
    table_rows = []
    for table_id, (description, owner_project, unique_id, _has_owner) in current.items():
        doc = wanted.get(table_id)
        if doc is None:
            if owner_project == project:  # left the manifest
                table_rows.append((table_id, None, None, None))
            continue
        target = (doc.description or None, project, doc.unique_id)
        if (description, owner_project, unique_id) != target:
            table_rows.append((table_id, *target))
    if table_rows:
        conn.execute(
            "UPDATE ip_workbench.tables t SET dbt_description = v.description, dbt_project = v.project,"
            " dbt_unique_id = v.unique_id FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[])"
            " AS v(id, description, project, unique_id) WHERE t.id = v.id",
            db.as_arrays(table_rows, 4))
    owners = [(d.table_id, d.owner_id) for d in docs if d.owner_id and d.table_id in current
              and not current[d.table_id][3]]
    if owners:
        conn.execute("UPDATE ip_workbench.tables t SET owner = v.owner FROM unnest(%s::uuid[], %s::uuid[])"
                     " AS v(id, owner) WHERE t.id = v.id AND t.owner IS NULL",
                     db.as_arrays(owners, 2))
    column_rows, described = _column_changes(conn, project, wanted, current)
    if column_rows:
        conn.execute(
            "UPDATE ip_workbench.table_metadata m SET dbt_description = v.description"
            " FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS v(table_id, name, description)"
            " WHERE m.table_id = v.table_id AND m.column_name = v.name",
            db.as_arrays(column_rows, 3))
    changed = sorted({r[0] for r in table_rows} | {r[0] for r in column_rows})
    if changed:
        catalog_search.store_documents(conn, changed)
    return Applied(len(table_rows), len(column_rows), len(owners), described)


def _column_changes(conn: psycopg.Connection, project: str, wanted: dict[str, TableDocs],
                    current: dict[str, tuple]) -> tuple[list[tuple[str, str, str | None]], int]:
    """(rows to update: table id, column, description or None; columns described after the update)."""
    ids = [table_id for table_id, row in current.items() if table_id in wanted or row[1] == project]
    rows, described = [], 0
    for table_id, column, description in conn.execute(
            "SELECT table_id::text, column_name, dbt_description FROM ip_workbench.table_metadata"
            " WHERE table_id = ANY(%s::uuid[])", (ids,)).fetchall():
        doc = wanted.get(table_id)
        target = (doc.columns.get(column.lower()) or None) if doc else None
        described += target is not None
        if description != target:
            rows.append((table_id, column, target))
    return rows, described
