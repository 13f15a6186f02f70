"""Graph questions over the stored lineage, answered in Postgres with recursive CTEs: upstream and
downstream to depth N (tables), column traces, and impact analysis (every downstream table and
column, with a path to each). Each query has 15 s (PRD section 7); past that, a simpler one-hop answer
comes back with a notice."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import psycopg

from services.core import db
from services.core.errors import ExternalServiceError, InvalidInput, NotFound
from services.core.table_names import resolve_table
from services.core.warehouse import layer_of
from services.identity.rbac import Permission, authorize
from services.lineage import neo4j_mirror as lineage_neo4j

MAX_DEPTH = 25
GRAPH_TIMEOUT_S = 15


@dataclass(frozen=True)
class Node:
    id: str
    name: str  # schema.table
    schema_name: str
    kind: str
    depth: int  # hops from the centre; negative upstream

    @property
    def layer(self) -> str:
        return layer_of(self.schema_name)


@dataclass(frozen=True)
class Edge:
    source: str  # schema.table
    target: str
    origins: tuple[str, ...]
    sql: tuple[str, ...]
    manual_keys: tuple[str, ...] = ()  # edges people added (removable by engineers and admins)


@dataclass
class Graph:
    center: str
    nodes: list[Node]
    edges: list[Edge]
    notice: str = ""


@dataclass(frozen=True)
class Impacted:
    table: str
    column: str | None
    depth: int
    path: tuple[str, ...]  # from the changed table or column to this one


@dataclass
class Impact:
    start: str
    tables: list[Impacted] = field(default_factory=list)
    columns: list[Impacted] = field(default_factory=list)
    notice: str = ""


def _check_depth(depth: int) -> int:
    if not isinstance(depth, int) or not 1 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"Depth must be between 1 and {MAX_DEPTH}.")
    return depth


def _table(conn: psycopg.Connection, qualified: str) -> tuple[str, str]:
    ref = resolve_table(conn, qualified)
    return ref.id, ref.qualified


def _bounded(conn: psycopg.Connection) -> None:
    conn.execute(f"SET LOCAL statement_timeout = '{GRAPH_TIMEOUT_S}s'")


_TABLE_WALK = """
WITH RECURSIVE edges AS (
    SELECT DISTINCT source_table_id AS a, target_table_id AS b FROM ip_workbench.lineage
), walk (table_id, depth) AS (
    SELECT %(start)s::uuid, 0
    UNION
    SELECT CASE WHEN %(down)s THEN e.b ELSE e.a END, w.depth + 1
    FROM walk w JOIN edges e ON (CASE WHEN %(down)s THEN e.a ELSE e.b END) = w.table_id
    WHERE w.depth < %(depth)s
)
SELECT table_id::text, min(depth) FROM walk GROUP BY table_id
"""


class PostgresGraph:
    """Graph walks as recursive CTEs over ip_workbench.lineage and column_lineage."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def walk_tables(self, start: str, depth: int, downstream: bool) -> dict[str, int]:
        rows = self.conn.execute(_TABLE_WALK, {"start": start, "down": downstream, "depth": depth}).fetchall()
        return {table_id: hops for table_id, hops in rows}

    def walk_columns(self, starts: list[tuple[str, str]], depth: int, downstream: bool
                     ) -> dict[tuple[str, str], int]:
        rows = self.conn.execute(_COLUMN_WALK, {"tables": [s[0] for s in starts], "columns": [s[1] for s in starts],
                                                "down": downstream, "depth": depth}).fetchall()
        return {(table_id, column): hops for table_id, column, hops in rows}

    def table_edges(self, ids: list[str]) -> list[tuple[str, str]]:
        return self.conn.execute("SELECT DISTINCT source_table_id::text, target_table_id::text"
                                 " FROM ip_workbench.lineage WHERE source_table_id = ANY(%(ids)s::uuid[])"
                                 " AND target_table_id = ANY(%(ids)s::uuid[])", {"ids": ids}).fetchall()

    def column_edges(self, tables: list[str]) -> list[tuple[str, str, str, str]]:
        return self.conn.execute(
            "SELECT DISTINCT source_table_id::text, source_column, target_table_id::text, target_column"
            " FROM ip_workbench.column_lineage WHERE source_table_id = ANY(%(t)s::uuid[])"
            " AND target_table_id = ANY(%(t)s::uuid[])", {"t": tables}).fetchall()


def _backend(conn: psycopg.Connection) -> tuple[Any, str]:
    """Cypher on the mirror when WORKBENCH_NEO4J_URI is set and answers; Postgres otherwise (with a notice)."""
    if not lineage_neo4j.configured():
        return PostgresGraph(conn), ""
    try:
        lineage_neo4j.ping()
    except ExternalServiceError:
        return PostgresGraph(conn), "The graph database is unreachable; answered from Postgres."
    return lineage_neo4j.CypherGraph(), ""


def neighbourhood(actor: Any, qualified: str, *, depth: int = 3, direction: str = "both") -> Graph:
    """Tables upstream and/or downstream of one table, to `depth` hops, with the edges between them."""
    authorize(actor, Permission.VIEW_LINEAGE)
    depth = _check_depth(depth)
    if direction not in ("both", "upstream", "downstream"):
        raise InvalidInput("Direction is upstream, downstream or both.")
    with db.connection() as conn:
        start, name = _table(conn, qualified)
        backend, notice = _backend(conn)
        try:
            with conn.transaction():
                _bounded(conn)
                hops = _hops(backend, start, depth, direction)
        except psycopg.errors.QueryCanceled:
            notice = (f"The full graph took longer than {GRAPH_TIMEOUT_S} s; showing direct neighbours only.")
            hops = _hops(backend, start, 1, direction)
        return _graph(conn, name, hops, notice)


def _hops(backend: Any, start: str, depth: int, direction: str) -> dict[str, int]:
    hops: dict[str, int] = {start: 0}
    if direction in ("both", "downstream"):
        hops.update(backend.walk_tables(start, depth, True))
    if direction in ("both", "upstream"):
        for table_id, distance in backend.walk_tables(start, depth, False).items():
            if table_id not in hops:
                hops[table_id] = -distance
    return hops


def _graph(conn: psycopg.Connection, center: str, hops: dict[str, int], notice: str) -> Graph:
    ids = list(hops)
    names = {row[0]: row[1:] for row in conn.execute(
        "SELECT id::text, schema_name, table_name, kind FROM ip_workbench.tables WHERE id = ANY(%s::uuid[])",
        (ids,))}
    nodes = [Node(i, f"{names[i][0]}.{names[i][1]}", names[i][0], names[i][2], hops[i]) for i in ids if i in names]
    edges = [Edge(names[a][0] + "." + names[a][1], names[b][0] + "." + names[b][1], tuple(origins), tuple(sqls),
                  tuple(k for k in (keys or []) if k))
             for a, b, origins, sqls, keys in conn.execute(
                 "SELECT source_table_id::text, target_table_id::text, array_agg(DISTINCT origin),"
                 " array_agg(DISTINCT transformation_sql),"
                 " array_agg(DISTINCT origin_key) FILTER (WHERE origin = 'manual') FROM ip_workbench.lineage"
                 " WHERE source_table_id = ANY(%(ids)s::uuid[]) AND target_table_id = ANY(%(ids)s::uuid[])"
                 " GROUP BY 1, 2 ORDER BY 1, 2", {"ids": ids})
             if a in names and b in names]
    nodes.sort(key=lambda n: (n.depth, n.name))
    return Graph(center, nodes, edges, notice)


_COLUMN_WALK = """
WITH RECURSIVE walk (table_id, column_name, depth) AS (
    SELECT s.table_id, s.column_name, 0
    FROM unnest(%(tables)s::uuid[], %(columns)s::text[]) AS s (table_id, column_name)
    UNION
    SELECT CASE WHEN %(down)s THEN c.target_table_id ELSE c.source_table_id END,
           CASE WHEN %(down)s THEN c.target_column ELSE c.source_column END, w.depth + 1
    FROM walk w JOIN ip_workbench.column_lineage c
      ON (CASE WHEN %(down)s THEN c.source_table_id ELSE c.target_table_id END) = w.table_id
     AND (CASE WHEN %(down)s THEN c.source_column ELSE c.target_column END) = w.column_name
    WHERE w.depth < %(depth)s
)
SELECT table_id::text, column_name, min(depth) FROM walk GROUP BY 1, 2
"""


def _paths(starts: list[tuple[str, str]], edges: list[tuple], reached: set, downstream: bool) -> dict:
    """Shortest path (breadth first) from a start to every reached node, following `edges`."""
    follow: dict[Any, list[Any]] = {}
    for edge in edges:
        a, b = ((edge[0], edge[1]), (edge[2], edge[3])) if len(edge) == 4 else (edge[0], edge[1])
        if not downstream:
            a, b = b, a
        if a in reached and b in reached:
            follow.setdefault(a, []).append(b)
    paths = {s: (s,) for s in starts}
    queue = deque(starts)
    while queue:
        node = queue.popleft()
        for nxt in sorted(follow.get(node, [])):
            if nxt not in paths:
                paths[nxt] = paths[node] + (nxt,)
                queue.append(nxt)
    return paths


def impact(actor: Any, qualified: str, column: str | None = None, *, depth: int = 10) -> Impact:
    """Everything downstream of a table (or one of its columns) that a change there could break."""
    authorize(actor, Permission.VIEW_LINEAGE)
    depth = _check_depth(depth)
    with db.connection() as conn:
        start, name = _table(conn, qualified)
        columns = [r[0] for r in conn.execute(
            "SELECT column_name FROM ip_workbench.table_metadata WHERE table_id = %s ORDER BY ordinal_position",
            (start,))]
        if column is not None and column.lower() not in columns:
            raise NotFound(f"{name} has no column {column}.")
        starts = [(start, c) for c in ([column.lower()] if column else columns)]
        backend, notice = _backend(conn)
        result = Impact(f"{name}.{column.lower()}" if column else name, notice=notice)
        try:
            with conn.transaction():
                _bounded(conn)
                _fill_impact(conn, backend, result, start, starts, depth, whole_table=column is None)
        except psycopg.errors.QueryCanceled:
            result = Impact(result.start, notice=f"The full impact took longer than {GRAPH_TIMEOUT_S} s; "
                                                 "showing direct dependants only.")
            _fill_impact(conn, backend, result, start, starts, 1, whole_table=column is None)
        return result


def _fill_impact(conn: psycopg.Connection, backend: Any, result: Impact, start: str,
                 starts: list[tuple[str, str]], depth: int, *, whole_table: bool) -> None:
    reached = backend.walk_columns(starts, depth, True)
    edges = backend.column_edges(sorted({t for t, _c in reached}))
    paths = _paths(starts, edges, set(reached), True)
    if whole_table:  # tables that depend on the table as a whole (filters, lookups, manual edges)
        table_hops = backend.walk_tables(start, depth, True)
        table_paths = _paths([start], backend.table_edges(sorted(table_hops)), set(table_hops), True)
    else:
        table_hops = {}
        for (table_id, _c), hops in reached.items():
            table_hops[table_id] = min(hops, table_hops.get(table_id, hops))
        table_paths = {t: tuple(p[0] for p in paths[(t, c)]) for (t, c) in reached if (t, c) in paths}
    names = _names(conn, {t for t, _c in reached} | set(table_hops))
    for (table_id, column), hops in sorted(reached.items(), key=lambda kv: (kv[1], names.get(kv[0][0], ""),
                                                                            kv[0][1])):
        if hops == 0:
            continue
        path = tuple(f"{names[t]}.{c}" for t, c in paths.get((table_id, column), ()))
        result.columns.append(Impacted(names[table_id], column, hops, path))
    for table_id, hops in sorted(table_hops.items(), key=lambda kv: (kv[1], names.get(kv[0], ""))):
        if hops == 0:
            continue
        path = tuple(names[t] for t in _dedupe(table_paths.get(table_id, (table_id,))))
        result.tables.append(Impacted(names[table_id], None, hops, path))


def _names(conn: psycopg.Connection, ids: set[str]) -> dict[str, str]:
    """schema.table of just these table ids."""
    return dict(conn.execute("SELECT id::text, schema_name || '.' || table_name FROM ip_workbench.tables"
                             " WHERE id = ANY(%s::uuid[])", (sorted(ids),)))


def _dedupe(ids: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for i in ids:
        if not out or out[-1] != i:
            out.append(i)
    return tuple(out)


def column_sources(actor: Any, qualified: str, column: str, *, depth: int = 10) -> list[Impacted]:
    """Where one column comes from, back to its first sources (e.g. bronze), with the path to each."""
    authorize(actor, Permission.VIEW_LINEAGE)
    depth = _check_depth(depth)
    with db.connection() as conn:
        start, name = _table(conn, qualified)
        _bounded(conn)
        backend, _notice = _backend(conn)
        starts = [(start, column.lower())]
        reached = backend.walk_columns(starts, depth, False)
        if len(reached) == 1 and not conn.execute(
                "SELECT 1 FROM ip_workbench.table_metadata WHERE table_id = %s AND column_name = %s",
                (start, column.lower())).fetchone():
            raise NotFound(f"{name} has no column {column}.")
        paths = _paths(starts, backend.column_edges(sorted({t for t, _c in reached})), set(reached), False)
        names = _names(conn, {t for t, _c in reached})
    return [Impacted(names[t], c, hops, tuple(f"{names[a]}.{b}" for a, b in paths.get((t, c), ())))
            for (t, c), hops in sorted(reached.items(), key=lambda kv: (kv[1], names[kv[0][0]], kv[0][1]))
            if hops > 0]


def _shortest(edges: set[tuple[str, str]], start: str, goal: str) -> list[str]:
    """Nodes from start to goal following edges (breadth first); [start] when goal cannot be reached."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for a, b in edges:
            if a == node and b not in previous:
                previous[b] = node
                queue.append(b)
    return [start]


def path_through_edge(graph: Graph, source: str, target: str) -> list[str]:
    """The tables from the edge source → target to the graph's centre (or from the centre to it), in flow
    order: what Lineage Detail shows. Empty when the graph has no such edge."""
    edges = {(e.source, e.target) for e in graph.edges}
    if (source, target) not in edges:
        return []
    depth = {n.name: n.depth for n in graph.nodes}
    if depth.get(target, 0) <= 0:  # upstream of the centre: carry on from the target to the centre
        return [source, *_shortest(edges, target, graph.center)]
    return [*_shortest(edges, graph.center, source), target]  # downstream: from the centre to the source
