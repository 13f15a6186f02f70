"""The lineage graph mirrored to Neo4j (or any Bolt + openCypher server, e.g. FalkorDB) through the
official `neo4j` driver, and graph walks answered there in Cypher.

Configured by WORKBENCH_NEO4J_URI (bolt://host:port), WORKBENCH_NEO4J_USER, WORKBENCH_NEO4J_PASSWORD
and WORKBENCH_NEO4J_DATABASE (default "lineage"). Postgres stays the source of truth: the mirror is
rewritten from it after every lineage refresh."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import psycopg

from services.core.config import settings
from services.core.errors import ExternalServiceError

# FalkorDB's Bolt listener drops a connection whose message passes ~4 KB (Neo4j takes far more), so
# parameters travel in batches of about MESSAGE_BUDGET bytes.
MESSAGE_BUDGET = 3000
TIMEOUT_S = 15.0
_lock = threading.Lock()
_driver = None
_driver_uri: str | None = None


def configured() -> bool:
    """True when WORKBENCH_NEO4J_URI names a server."""
    return settings().neo4j_uri is not None


def _database() -> str:
    return settings().neo4j_database


def _session():
    global _driver, _driver_uri
    from neo4j import GraphDatabase

    config = settings()
    uri = config.neo4j_uri or ""
    with _lock:
        if _driver is None or _driver_uri != uri:
            if _driver is not None:
                _driver.close()
            auth = (config.neo4j_user, config.neo4j_password)
            _driver = GraphDatabase.driver(uri, auth=auth, connection_timeout=5.0,
                                           connection_acquisition_timeout=10.0, max_transaction_retry_time=0)
            _driver_uri = uri
        driver = _driver
    return driver.session(database=_database())


def close() -> None:
    """Close the driver (tests, shutdown)."""
    global _driver, _driver_uri
    with _lock:
        if _driver is not None:
            _driver.close()
        _driver, _driver_uri = None, None


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    """Consecutive slices whose JSON form stays within MESSAGE_BUDGET bytes."""
    batch: list[Any] = []
    size = 0
    for item in items:
        item_size = len(json.dumps(item)) + 2
        if batch and size + item_size > MESSAGE_BUDGET:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _run_batched(query: str, name: str, items: list[Any], **params: Any) -> list[Any]:
    """Run `query` once per batch of `items` (passed as parameter `name`); the records of all runs."""
    found: list[Any] = []
    for batch in _batches(items):
        found.extend(_run(query, **{name: batch}, **params))
    return found


def _run(query: str, **params: Any) -> list[Any]:
    from neo4j import Query
    from neo4j.exceptions import Neo4jError, ServiceUnavailable

    try:
        with _session() as session:
            return list(session.run(Query(query, timeout=TIMEOUT_S), **params))
    except (ServiceUnavailable, Neo4jError, OSError) as exc:
        raise ExternalServiceError(f"The graph database at {settings().neo4j_uri} "
                                   f"did not answer: {exc}") from exc


def ping() -> None:
    """Raise ExternalServiceError unless the graph database answers."""
    _run("RETURN 1 AS ok")


def mirror(conn: psycopg.Connection) -> dict[str, int]:
    """Rewrite the mirror from ip_workbench (tables, table edges, column edges)."""
    tables = [{"id": r[0], "name": r[1], "kind": r[2]} for r in conn.execute(
        "SELECT id::text, schema_name || '.' || table_name, kind FROM ip_workbench.tables")]
    edges = [{"a": r[0], "b": r[1]} for r in conn.execute(
        "SELECT DISTINCT source_table_id::text, target_table_id::text FROM ip_workbench.lineage")]
    columns = [{"a": r[0], "ac": r[1], "b": r[2], "bc": r[3]} for r in conn.execute(
        "SELECT DISTINCT source_table_id::text, source_column, target_table_id::text, target_column"
        " FROM ip_workbench.column_lineage")]
    _run("MATCH (n) DETACH DELETE n")
    _run_batched("UNWIND $rows AS row CREATE (:Table {id: row.id, name: row.name, kind: row.kind})", "rows", tables)
    _run("CREATE INDEX FOR (t:Table) ON (t.id)")
    _run("CREATE INDEX FOR (c:Column) ON (c.key)")
    _run_batched("UNWIND $rows AS row MATCH (a:Table {id: row.a}) MATCH (b:Table {id: row.b})"
                 " CREATE (a)-[:FEEDS]->(b)", "rows", edges)
    keys = sorted({(c["a"], c["ac"]) for c in columns} | {(c["b"], c["bc"]) for c in columns})
    nodes = [{"key": f"{t}.{c}", "table": t, "name": c} for t, c in keys]
    _run_batched("UNWIND $rows AS row CREATE (:Column {key: row.key, table: row.table, name: row.name})", "rows",
                 nodes)
    flows = [{"a": f"{c['a']}.{c['ac']}", "b": f"{c['b']}.{c['bc']}"} for c in columns]
    _run_batched("UNWIND $rows AS row MATCH (a:Column {key: row.key_a}) MATCH (b:Column {key: row.key_b})"
                 " CREATE (a)-[:FLOWS_TO]->(b)", "rows", [{"key_a": f["a"], "key_b": f["b"]} for f in flows])
    return {"tables": len(tables), "edges": len(edges), "columns": len(nodes), "column_edges": len(flows)}


def _breadth_first(starts: list[Any], depth: int, step: Any) -> dict[Any, int]:
    """Hops from the starts to every node `step` reaches (one query per level), up to `depth`."""
    reached = {s: 0 for s in starts}
    frontier = list(starts)
    for hops in range(1, depth + 1):
        frontier = [n for n in dict.fromkeys(step(frontier)) if n not in reached]
        for node in frontier:
            reached[node] = hops
        if not frontier:
            break
    return reached


class CypherGraph:
    """Graph walks in Cypher, breadth first one level per query (the same answers as Postgres's CTEs)."""

    def walk_tables(self, start: str, depth: int, downstream: bool) -> dict[str, int]:
        step = ("MATCH (a:Table)-[:FEEDS]->(b:Table) WHERE a.id IN $frontier RETURN DISTINCT b.id AS next"
                if downstream else
                "MATCH (a:Table)-[:FEEDS]->(b:Table) WHERE b.id IN $frontier RETURN DISTINCT a.id AS next")
        return _breadth_first([start], depth, lambda frontier: [
            r["next"] for r in _run_batched(step, "frontier", frontier)])

    def walk_columns(self, starts: list[tuple[str, str]], depth: int, downstream: bool
                     ) -> dict[tuple[str, str], int]:
        step = ("MATCH (a:Column)-[:FLOWS_TO]->(b:Column) WHERE a.key IN $frontier"
                " RETURN DISTINCT b.table AS t, b.name AS c" if downstream else
                "MATCH (a:Column)-[:FLOWS_TO]->(b:Column) WHERE b.key IN $frontier"
                " RETURN DISTINCT a.table AS t, a.name AS c")
        return _breadth_first(list(starts), depth, lambda frontier: [
            (r["t"], r["c"]) for r in _run_batched(step, "frontier", [f"{t}.{c}" for t, c in frontier])])

    def table_edges(self, ids: list[str]) -> list[tuple[str, str]]:
        wanted = set(ids)
        found = {(r["a"], r["b"]) for r in _run_batched(
            "MATCH (a:Table)-[:FEEDS]->(b:Table) WHERE a.id IN $ids RETURN DISTINCT a.id AS a, b.id AS b",
            "ids", ids)}
        return sorted(e for e in found if e[1] in wanted)

    def column_edges(self, tables: list[str]) -> list[tuple[str, str, str, str]]:
        wanted = set(tables)
        found = {(r["a"], r["ac"], r["b"], r["bc"]) for r in _run_batched(
            "MATCH (a:Column)-[:FLOWS_TO]->(b:Column) WHERE a.table IN $t"
            " RETURN DISTINCT a.table AS a, a.name AS ac, b.table AS b, b.name AS bc", "t", tables)}
        return sorted(e for e in found if e[2] in wanted)
