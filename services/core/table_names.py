"""`schema.table` → the catalog's row for it, with the rules of `identifiers` (quoted parts exact,
unquoted parts as written or folded to lower case). Every domain that takes a table name from a person
resolves it here, so a name that resolves in Lineage resolves the same in the Catalog and the API."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import psycopg

from services.core.errors import NotFound
from services.core.identifiers import split_table_name


@dataclass(frozen=True)
class TableRef:
    """A catalogued table: its id and its exact schema and table names."""

    id: str
    schema_name: str
    table_name: str

    @property
    def qualified(self) -> str:
        """schema.table as the catalog lists it."""
        return f"{self.schema_name}.{self.table_name}"


def find_table(conn: psycopg.Connection, text: str) -> TableRef | None:
    """The catalogued table `text` names, or None; InvalidInput when it is not a schema.table name."""
    schema, table = split_table_name(text)
    # Spellings in order of preference: as written first, then folded.
    spellings = list(product(schema.candidates(), table.candidates()))
    rows = conn.execute(
        "SELECT id::text, schema_name, table_name FROM ip_workbench.tables"
        " WHERE (schema_name, table_name) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
        ([s for s, _ in spellings], [t for _, t in spellings])).fetchall()
    found = {(r[1], r[2]): TableRef(*r) for r in rows}
    return next((found[s] for s in spellings if s in found), None)


def resolve_table(conn: psycopg.Connection, text: str) -> TableRef:
    """Like find_table, but NotFound ("… is not in the catalog.") when nothing matches."""
    ref = find_table(conn, text)
    if ref is None:
        raise NotFound(f"{(text or '').strip()} is not in the catalog.")
    return ref
