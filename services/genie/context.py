"""What Genie shows the model: the tables catalog search finds for the question (never the whole
schema), their columns with types and descriptions, and a few sample values of text columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.catalog import search as catalog_search
from services.catalog import tables as catalog
from services.core import db, identifiers
from services.core.errors import WorkbenchError
from services.sql import execution as query_execution

MAX_TABLES = 4
MAX_LINKED = 2  # dimension tables reached by a key of the best tables, shown in one line each
SAMPLE_VALUES = 3
MAX_SAMPLED_COLUMNS = 4
FIRST_ROWS = 200
_TEXT_TYPES = ("text", "character varying", "varchar", "character")


@dataclass(frozen=True)
class TableContext:
    name: str
    description: str
    columns: list[tuple[str, str, str]]  # (name, type, description)
    samples: dict[str, list[str]]
    primary_key: tuple[str, ...] = ()
    linked_by: str = ""  # for a dimension added by a key: "schema.table.column" that reaches it


def relevant_tables(actor: Any, question: str, extra: list[str] | None = None) -> list[str]:
    """Tables for the question, best first: each table scores the sum of its own and its columns'
    search scores, so the table holding most of what the question names comes first (plus `extra`)."""
    scores: dict[str, float] = {}
    for hit in catalog_search.search(actor, question, limit=40):
        name = f"{hit.schema_name}.{hit.table_name}"
        scores[name] = scores.get(name, 0.0) + max(hit.score, 0.0)
    ranked = sorted(scores, key=lambda n: -scores[n])
    found = list(dict.fromkeys([*(extra or []), *ranked]))
    return found[:MAX_TABLES + len(extra or [])]


def linked_dimensions(names: list[str]) -> dict[str, str]:
    """{dimension table: the key column that reaches it} for the `*_id` columns of `names` that are the
    one-column primary key of another table (the join a question about names or attributes needs)."""
    if not names:
        return {}
    with db.connection() as conn:
        rows = conn.execute(
            "WITH keys AS (SELECT t.schema_name || '.' || t.table_name AS name, min(m.column_name) AS column_name"
            "  FROM ip_workbench.table_metadata m JOIN ip_workbench.tables t ON t.id = m.table_id"
            "  WHERE m.is_primary_key GROUP BY 1 HAVING count(*) = 1),"
            " wanted AS (SELECT t.schema_name || '.' || t.table_name AS name, m.column_name, m.ordinal_position"
            "  FROM ip_workbench.table_metadata m JOIN ip_workbench.tables t ON t.id = m.table_id"
            "  WHERE t.schema_name || '.' || t.table_name = ANY(%s) AND m.column_name LIKE '%%\\_id'"
            "  AND NOT coalesce(m.is_primary_key, false))"
            " SELECT k.name, w.name || '.' || w.column_name FROM wanted w JOIN keys k USING (column_name)"
            " WHERE k.name <> ALL(%s) ORDER BY array_position(%s, w.name), w.ordinal_position",
            (names, names, names)).fetchall()
    linked: dict[str, str] = {}
    for table, key in rows:
        source, column = key.rsplit(".", 1)
        if column.removesuffix("_id") not in source.rsplit(".", 1)[-1]:  # not the table's own identifier
            linked.setdefault(table, key)
    return dict(list(linked.items())[:MAX_LINKED])


def _statistics(actor: Any, table: catalog.TableInfo, columns: list[str]) -> dict[str, list[str]]:
    """{column: its most common values, commonest first} from the planner's statistics (pg_stats shows only
    the columns the actor's role may read); empty for a table never analysed."""
    schema, name = identifiers.literal(table.schema_name), identifiers.literal(table.table_name)
    rows = query_execution.execute_all(
        actor, "SELECT attname, most_common_vals::text::text[] FROM pg_catalog.pg_stats WHERE"
        f" schemaname = {schema} AND tablename = {name}"
        f" AND attname IN ({', '.join(identifiers.literal(c) for c in columns)})",
        source="genie", read_only=True).rows
    return {name: list(values or []) for name, values in rows}


def _first_values(actor: Any, table: catalog.TableInfo, columns: list[str]) -> dict[str, list[str]]:
    """A few values of each column from the table's first rows (for columns without statistics)."""
    listed = ", ".join(f"{identifiers.plain_name(c)}::text" for c in columns)
    rows = query_execution.execute_all(
        actor, f"SELECT {listed} FROM {identifiers.qualified_name(table.schema_name, table.table_name)}"
        f" LIMIT {FIRST_ROWS}", source="genie", read_only=True).rows
    return {c: list(dict.fromkeys(r[i] for r in rows if r[i] is not None))[:SAMPLE_VALUES]
            for i, c in enumerate(columns)}


def _samples(actor: Any, table: catalog.TableInfo) -> dict[str, list[str]]:
    """The SAMPLE_VALUES commonest values of the first text columns, read from the planner's statistics
    (nothing to scan however big the table); from the table's first rows where there are none."""
    texts = [c.name for c in table.columns if c.data_type.startswith(_TEXT_TYPES)][:MAX_SAMPLED_COLUMNS]
    if not texts:
        return {}
    try:
        statistics = _statistics(actor, table, texts)
        samples = {c: statistics[c][:SAMPLE_VALUES] for c in texts if statistics.get(c)}
        missing = [c for c in texts if c not in samples]
        if missing:
            samples.update({c: v for c, v in _first_values(actor, table, missing).items() if v})
    except WorkbenchError:
        return {}
    return samples


def gather(actor: Any, names: list[str], linked: dict[str, str] | None = None) -> list[TableContext]:
    """Columns, descriptions and sample values of each table (as the actor: their role applies); the
    `linked` dimensions ({table: key}) without samples."""
    tables = []
    for name in [*names, *(linked or {})]:
        try:
            table = catalog.get_table(actor, name)
        except WorkbenchError:
            continue
        via = (linked or {}).get(name, "")
        tables.append(TableContext(
            name=name, description=table.shown_description,
            columns=[(c.name, c.data_type, c.shown_description) for c in table.columns],
            samples={} if via else _samples(actor, table),
            primary_key=tuple(c.name for c in table.columns if c.is_primary_key), linked_by=via))
    return tables


def schema_of(tables: list[TableContext]) -> dict[str, dict[str, str]]:
    """The {table: {column: type}} the validator checks the SQL against."""
    return {t.name: {c[0]: c[1] for c in t.columns} for t in tables}


def join_hints(tables: list[TableContext]) -> list[str]:
    """`a.x = b.x` for a column one table has as its one-column primary key and another holds too."""
    hints = []
    for table in tables:
        if len(table.primary_key) != 1:
            continue
        key = table.primary_key[0]
        for other in tables:
            if other is not table and any(c[0] == key for c in other.columns) and key.endswith("_id"):
                hints.append(f"{other.name}.{key} = {table.name}.{key}")
    return list(dict.fromkeys(hints))


def describe(tables: list[TableContext]) -> str:
    """The tables as the prompt shows them: the found ones in full, linked dimensions in one line, then
    the joins between them."""
    parts = []
    for table in tables:
        if table.linked_by:
            parts.append(f"Table {table.name} (reached by {table.linked_by}): "
                         + ", ".join(f"{name} {data_type}" for name, data_type, _d in table.columns))
            continue
        lines = [f"Table {table.name}: {table.description}".rstrip(": ")]
        for name, data_type, description in table.columns:
            sample = table.samples.get(name)
            extra = f" e.g. {', '.join(repr(v) for v in sample)}" if sample else ""
            lines.append(f"  - {name} {data_type}{': ' + description if description else ''}{extra}")
        parts.append("\n".join(lines))
    joins = join_hints(tables)
    if joins:
        parts.append("Joins: " + "; ".join(joins))
    return "\n\n".join(parts)
