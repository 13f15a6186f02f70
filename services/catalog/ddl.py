"""Export DDL: the CREATE statements of a catalogued table or view, with constraints, indexes and comments."""

from __future__ import annotations

import re
from typing import Any

from psycopg import sql

from services.catalog import tables as catalog
from services.core import db
from services.core.errors import NotFound
from services.core.identifiers import printable, quoted
from services.identity.rbac import Permission, authorize


def _name(schema: str, table: str) -> str:
    return quoted(f"{schema}.{table}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_ddl(actor: Any, qualified: str, *, into_schema: str | None = None) -> str:
    """SQL that recreates `schema.table` (in `into_schema` when given): table or view, keys, checks,
    foreign keys, indexes and the database comments."""
    authorize(actor, Permission.VIEW_CATALOG)
    info = catalog.get_table(actor, qualified)
    schema, table = info.schema_name, info.table_name
    target = _name(into_schema or schema, table)
    with db.connection() as conn:
        oid = conn.execute("SELECT to_regclass(%s)::oid", (_name(schema, table),)).fetchone()[0]
        if oid is None:
            raise NotFound(f"{qualified} no longer exists in the database; sync the catalog.")
        kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = %s", (oid,)).fetchone()[0]
        statements: list[str] = []
        if kind in ("v", "m"):
            body = conn.execute("SELECT pg_get_viewdef(%s, true)", (oid,)).fetchone()[0].rstrip().rstrip(";")
            create = "CREATE MATERIALIZED VIEW" if kind == "m" else "CREATE VIEW"
            statements.append(f"{create} {target} AS\n{body};")
        else:
            columns = conn.execute(
                "SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull,"
                " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
                " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                " WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", (oid,)).fetchall()
            lines = [f"    {name} {type_}" + (" NOT NULL" if not_null else "") +
                     (f" DEFAULT {default}" if default else "") for name, type_, not_null, default in columns]
            for name, definition in conn.execute(
                    "SELECT quote_ident(conname), pg_get_constraintdef(oid, true) FROM pg_constraint"
                    " WHERE conrelid = %s AND contype IN ('p', 'u', 'c', 'f', 'x')"
                    " ORDER BY CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'c' THEN 2 ELSE 3 END, conname",
                    (oid,)):
                lines.append(f"    CONSTRAINT {name} {definition}")
            statements.append(f"CREATE TABLE {target} (\n" + ",\n".join(lines) + "\n);")
            for (definition,) in conn.execute(
                    "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s AND NOT EXISTS"
                    " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY i.indexrelid",
                    (oid,)):
                source = re.escape(f" ON {_name(schema, table)}") + "|" + re.escape(f" ON {schema}.{table}")
                statements.append(re.sub(source, f" ON {target}", definition, count=1) + ";")
        object_kind = {"v": "VIEW", "m": "MATERIALIZED VIEW"}.get(kind, "TABLE")
        if info.db_comment:
            statements.append(f"COMMENT ON {object_kind} {target} IS {_literal(info.db_comment)};")
        for column in info.columns:
            if column.db_comment:
                statements.append(f"COMMENT ON COLUMN {target}.{sql.Identifier(column.name).as_string()}"
                                  f" IS {_literal(column.db_comment)};")
    header = f"-- DDL of {printable(_name(schema, table))} exported by Workbench\n"
    return header + "\n\n".join(statements) + "\n"
