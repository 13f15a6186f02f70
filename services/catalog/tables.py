"""Reading the catalog and editing what Workbench adds to it (descriptions, owners)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from services.activity import feed as activity
from services.activity import notify
from services.activity.notify import Event
from services.catalog import search as catalog_search
from services.catalog.postgrest import parse
from services.core import db, row_security
from services.core.errors import InvalidInput, NotFound
from services.core.table_names import resolve_table
from services.identity import audit, users
from services.identity.rbac import Permission, authorize, authorize_catalog_edit

MAX_DESCRIPTION = 4000


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    data_type: str
    is_nullable: bool
    is_primary_key: bool
    column_default: str | None
    description: str | None  # ours
    db_comment: str | None
    dbt_description: str | None = None

    @property
    def shown_description(self) -> str:
        """Ours when set, else dbt's, else the database's comment."""
        return self.description or self.dbt_description or self.db_comment or ""

    @property
    def description_origin(self) -> str:
        """Where the shown description comes from: workbench, dbt, database or '' (none)."""
        return _origin(self.description, self.dbt_description, self.db_comment)


def _origin(ours: str | None, dbt: str | None, comment: str | None) -> str:
    return "workbench" if ours else "dbt" if dbt else "database" if comment else ""


@dataclass(frozen=True)
class TableInfo:
    id: str
    schema_name: str
    table_name: str
    kind: str
    description: str | None
    db_comment: str | None
    owner_email: str | None
    row_count: int | None
    exact_row_count: int | None
    size_bytes: int | None
    last_updated: datetime | None
    dq_score: float | None
    columns: list[ColumnInfo]
    dbt_description: str | None = None
    dbt_project: str | None = None
    dbt_unique_id: str | None = None

    @property
    def shown_description(self) -> str:
        """Ours when set, else dbt's, else the database's comment."""
        return self.description or self.dbt_description or self.db_comment or ""

    @property
    def description_origin(self) -> str:
        """Where the shown description comes from: workbench, dbt, database or '' (none)."""
        return _origin(self.description, self.dbt_description, self.db_comment)


def get_table(actor: Any, qualified: str) -> TableInfo:
    """One catalogued table with its columns (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    with db.connection() as conn:
        ref = resolve_table(conn, qualified)
        row = conn.execute(
            "SELECT t.id::text, t.schema_name, t.table_name, t.kind, t.description, t.db_comment, u.email,"
            " t.row_count, t.exact_row_count, t.size_bytes, t.last_updated, t.dq_score, t.dbt_description,"
            " t.dbt_project, t.dbt_unique_id"
            " FROM ip_workbench.tables t LEFT JOIN ip_workbench.users u ON u.id = t.owner"
            " WHERE t.id = %s", (ref.id,)).fetchone()
        if row is None:
            raise NotFound(f"{ref.qualified} is not in the catalog.")
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, coalesce(is_primary_key, false), column_default,"
            " description, db_comment, dbt_description FROM ip_workbench.table_metadata WHERE table_id = %s"
            " ORDER BY ordinal_position", (row[0],)).fetchall()
    return TableInfo(*row[:12], columns=[ColumnInfo(*c) for c in columns], dbt_description=row[12],
                     dbt_project=row[13], dbt_unique_id=row[14])


def _clean_description(description: str | None) -> str | None:
    if description is None:
        return None
    text = description.strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(f"Descriptions are limited to {MAX_DESCRIPTION} characters.")
    return text or None


def edit_table(actor: Any, qualified: str, *, description: str | None = None, owner_email: str | None = None,
               client_address: str | None = None) -> TableInfo:
    """Set our description (empty clears it, so the database comment shows again) and/or the owner."""
    authorize_catalog_edit(actor, client_address=client_address)
    current = get_table(actor, qualified)
    with db.connection() as conn:
        changes: dict[str, Any] = {}
        if description is not None:
            changes["description"] = _clean_description(description)
            row_security.change_as(conn, actor, f"the description of {current.schema_name}.{current.table_name}",
                                   "UPDATE ip_workbench.tables SET description = %s WHERE id = %s",
                                   (changes["description"], current.id))
        if owner_email is not None:
            owner = None
            if owner_email.strip():
                try:
                    owner = users.require_active(owner_email, conn=conn).id
                except NotFound as exc:
                    raise InvalidInput(str(exc)) from exc
            row_security.change_as(conn, actor, f"the owner of {current.schema_name}.{current.table_name}",
                                   "UPDATE ip_workbench.tables SET owner = %s WHERE id = %s", (owner, current.id))
            changes["owner"] = users.normalize_email(owner_email) or None
            if changes["owner"] and changes["owner"] != current.owner_email:
                _notify_owner(conn, current, changes["owner"], actor)
        catalog_search.refresh_table(conn, current.id)
        audit.record(action="catalog_edited", actor=actor, target=f"{current.schema_name}.{current.table_name}",
                     client_address=client_address, details=changes, conn=conn)
    return get_table(actor, qualified)


def _notify_owner(conn: Any, table: TableInfo, owner: str, actor: Any) -> None:
    """Tell the new owner (through the owner_assigned alert rules) and note it in the activity feed."""
    qualified = f"{table.schema_name}.{table.table_name}"
    notify.emit(conn, Event("owner_assigned", qualified, "info", f"You now own {qualified}",
                            f"{actor.email} made {owner} the owner of {qualified} in Workbench"
                            f" (data-quality score {'not measured' if table.dq_score is None else table.dq_score}).",
                            table_id=table.id, recipients=(owner,), link=f"/quality/table?name={qualified}"),
                in_app=False)
    activity.record(conn, "catalog", f"{owner} now owns {qualified}", status="info",
                    actor_id=actor.id, link=f"/catalog?table={qualified}")


def edit_column(actor: Any, qualified: str, column: str, description: str | None,
                *, client_address: str | None = None) -> ColumnInfo:
    """Set our description of one column (empty clears it)."""
    authorize_catalog_edit(actor, client_address=client_address)
    table = get_table(actor, qualified)
    text = _clean_description(description)
    with db.connection() as conn:
        updated = conn.execute("UPDATE ip_workbench.table_metadata SET description = %s"
                               " WHERE table_id = %s AND column_name = %s", (text, table.id, column)).rowcount
        if not updated:
            raise NotFound(f"{qualified} has no column {column}.")
        catalog_search.refresh_table(conn, table.id)
        audit.record(action="catalog_edited", actor=actor, target=f"{qualified}.{column}",
                     client_address=client_address, details={"description": text}, conn=conn)
    return next(c for c in get_table(actor, qualified).columns if c.name == column)


# Public column → SQL over ip_workbench.tables t (and its owner u), for GET /api/tables.
TABLE_COLUMNS = {
    "id": "t.id::text", "schema_name": "t.schema_name", "table_name": "t.table_name", "kind": "t.kind",
    "description": "coalesce(t.description, t.dbt_description, t.db_comment)", "db_comment": "t.db_comment",
    "owner": "t.owner::text", "owner_email": "u.email", "row_count": "coalesce(t.exact_row_count, t.row_count)",
    "size_bytes": "t.size_bytes", "last_updated": "t.last_updated", "dq_score": "t.dq_score",
}


def query_tables(actor: Any, params: dict[str, str]) -> list[dict[str, Any]]:
    """Catalogued tables filtered, ordered and paged with PostgREST-style parameters (view_catalog)."""
    from psycopg import sql

    authorize(actor, Permission.VIEW_CATALOG)
    parsed = parse(params, TABLE_COLUMNS, default_order="schema_name,table_name")
    selected = sql.SQL(", ").join(sql.SQL(TABLE_COLUMNS[c] + " AS {}").format(sql.Identifier(c))
                                  for c in parsed.columns)
    statement = sql.SQL("SELECT {} FROM ip_workbench.tables t LEFT JOIN ip_workbench.users u ON u.id = t.owner"
                        " WHERE {} ORDER BY {} LIMIT %s OFFSET %s").format(selected, parsed.where, parsed.order)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute(statement, [*parsed.params, parsed.limit, parsed.offset])
            names = [d.name for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    except psycopg.errors.DataError as exc:  # a filter value of the wrong type, e.g. row_count=gt.lots
        raise InvalidInput(f"A filter value does not fit its column: {exc.diag.message_primary}.") from exc


def table_columns_by_id(actor: Any, table_id: str) -> list[ColumnInfo]:
    """The columns of one catalogued table, by its id (view_catalog)."""
    import uuid

    authorize(actor, Permission.VIEW_CATALOG)
    try:
        key = uuid.UUID(str(table_id))
    except ValueError as exc:
        raise NotFound("No such table.") from exc
    with db.connection() as conn:
        qualified = conn.execute("SELECT schema_name || '.' || table_name FROM ip_workbench.tables WHERE id = %s",
                                 (key,)).fetchone()
    if qualified is None:
        raise NotFound("No such table.")
    return get_table(actor, qualified[0]).columns
