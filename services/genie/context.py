"""What Genie shows the model: the tables catalog search finds for the question (never the whole
schema), their columns with types and descriptions, and a few sample values of text columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.catalog import search as catalog_search
from services.catalog import tables as catalog
from services.core import identifiers
from services.core.errors import WorkbenchError
from services.sql import execution as query_execution

MAX_TABLES = 4
SAMPLE_VALUES = 3
_TEXT_TYPES = ("text", "character varying", "varchar", "character")


@dataclass(frozen=True)
class TableContext:
    name: str
    description: str
    columns: list[tuple[str, str, str]]  # (name, type, description)
    samples: dict[str, list[str]]


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


def _samples(actor: Any, table: catalog.TableInfo) -> dict[str, list[str]]:
    texts = [c.name for c in table.columns if c.data_type.startswith(_TEXT_TYPES)][:4]
    if not texts:
        return {}
    selects = " UNION ALL ".join(
        f"(SELECT {i} AS n, {identifiers.plain_name(c)}::text AS v FROM "
        f"{identifiers.qualified_name(table.schema_name, table.table_name)} WHERE {identifiers.plain_name(c)}"
        f" IS NOT NULL GROUP BY 2 ORDER BY count(*) DESC LIMIT {SAMPLE_VALUES})" for i, c in enumerate(texts))
    try:
        rows = query_execution.execute_all(actor, selects, source="genie", read_only=True).rows
    except WorkbenchError:
        return {}
    samples: dict[str, list[str]] = {}
    for index, value in rows:
        samples.setdefault(texts[int(index)], []).append(str(value))
    return samples


def gather(actor: Any, names: list[str]) -> list[TableContext]:
    """Columns, descriptions and sample values of each table (as the actor: their role applies)."""
    tables = []
    for name in names:
        try:
            table = catalog.get_table(actor, name)
        except WorkbenchError:
            continue
        tables.append(TableContext(
            name=name, description=table.shown_description,
            columns=[(c.name, c.data_type, c.shown_description) for c in table.columns],
            samples=_samples(actor, table)))
    return tables


def schema_of(tables: list[TableContext]) -> dict[str, dict[str, str]]:
    """The {table: {column: type}} the validator checks the SQL against."""
    return {t.name: {c[0]: c[1] for c in t.columns} for t in tables}


def describe(tables: list[TableContext]) -> str:
    """The tables as the prompt shows them."""
    parts = []
    for table in tables:
        lines = [f"Table {table.name}: {table.description}".rstrip(": ")]
        for name, data_type, description in table.columns:
            sample = table.samples.get(name)
            extra = f" e.g. {', '.join(repr(v) for v in sample)}" if sample else ""
            lines.append(f"  - {name} {data_type}{': ' + description if description else ''}{extra}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
