"""The lineage test corpus (tests/data/lineage/*.sql): cases with SQL, an optional schema, and what
extract_lineage must return. Format, one case per block:

    === name
    -- schema: silver.vendors(id, name); t(a, b)     (optional)
    SQL …
    -- sources: a, b.c                               (tables read)
    -- targets: d                                    (tables written; omitted = none)
    -- edges: a.x>d.y, ?.z>d.w                       (source column > target column; ? = unknown table)
    -- error: 12                                     (instead: the SQL must be refused, at that position)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.core.config import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "data" / "lineage"


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    sql: str
    schema: dict[str, list[str]] | None
    sources: frozenset[str]
    targets: frozenset[str]
    edges: frozenset[tuple[str | None, str, str, str]]
    error: bool
    error_position: int | None


def _names(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _column(text: str) -> tuple[str | None, str]:
    table, _, column = text.strip().rpartition(".")
    return (None if table == "?" else table), column


def _edges(text: str) -> frozenset[tuple[str | None, str, str, str]]:
    edges = set()
    for part in text.split(","):
        if part.strip():
            left, right = part.split(">")
            target_table, target_column = _column(right)
            edges.add((*_column(left), target_table, target_column))
    return frozenset(edges)


def _schema(text: str) -> dict[str, list[str]]:
    schema = {}
    for part in text.split(";"):
        if part.strip():
            name, _, columns = part.strip().partition("(")
            schema[name.strip()] = [c.strip() for c in columns.rstrip(")").split(",") if c.strip()]
    return schema


def load(folder: Path = CORPUS) -> list[Case]:
    """Every case of every corpus file, in file order."""
    cases = []
    for path in sorted(folder.glob("*.sql")):
        for block in path.read_text().split("=== ")[1:]:
            name, _, body = block.partition("\n")
            fields: dict[str, str] = {}
            sql_lines = []
            for line in body.rstrip("\n").split("\n"):
                key, _, value = line[3:].partition(":") if line.startswith("-- ") else ("", "", "")
                if key in ("schema", "sources", "targets", "edges", "error"):
                    fields[key] = value.strip()
                else:
                    sql_lines.append(line)
            position = fields.get("error")
            cases.append(Case(
                name=name.strip(), file=path.name, sql="\n".join(sql_lines).strip(),
                schema=_schema(fields["schema"]) if "schema" in fields else None,
                sources=_names(fields.get("sources", "")), targets=_names(fields.get("targets", "")),
                edges=_edges(fields.get("edges", "")), error="error" in fields,
                error_position=int(position) if position else None))
    return cases
