"""The lineage mirror on a real Bolt peer (FalkorDB on 127.0.0.1): Cypher answers equal Postgres's,
and an unreachable server falls back to Postgres with a notice."""

from __future__ import annotations

import random
import uuid

import pytest

from devtools.falkordb_peer import running_falkordb
from services.catalog import sync as catalog_sync
from services.core import db
from services.lineage import graph as lineage_graph
from services.lineage import neo4j_mirror as lineage_neo4j
from services.lineage import store as lineage_store

SCHEMA = "graphtest"


@pytest.fixture(scope="module")
def bolt_uri():
    with running_falkordb() as uri:
        yield uri
    lineage_neo4j.close()


@pytest.fixture
def generated_graph(demo_warehouse):
    """60 catalogued tables with random column edges (a DAG), beside the demo's lineage."""
    catalog_sync.sync(embed=False)
    rng = random.Random(5)
    names = [f"t{i:02d}" for i in range(60)]
    with db.connection() as conn:
        ids = {n: conn.execute("INSERT INTO ip_workbench.tables (schema_name, table_name, kind) VALUES (%s, %s,"
                               " 'table') RETURNING id::text", (SCHEMA, n)).fetchone()[0] for n in names}
        for n in names:
            for c in ("a", "b", "c"):
                conn.execute("INSERT INTO ip_workbench.table_metadata (table_id, column_name, data_type, is_nullable)"
                             " VALUES (%s, %s, 'int', true)", (ids[n], c))
        for index, target in enumerate(names[1:], start=1):
            for source in rng.sample(names[:index], min(index, 2)):
                lineage_id = conn.execute(
                    "INSERT INTO ip_workbench.lineage (source_table_id, target_table_id, origin, origin_key)"
                    " VALUES (%s, %s, 'manual', %s) RETURNING id", (ids[source], ids[target],
                                                                    f"manual:{uuid.uuid4()}")).fetchone()[0]
                for sc, tc in {(rng.choice("abc"), rng.choice("abc")) for _ in range(2)}:
                    conn.execute("INSERT INTO ip_workbench.column_lineage (lineage_id, source_table_id,"
                                 " source_column, target_table_id, target_column) VALUES (%s, %s, %s, %s, %s)",
                                 (lineage_id, ids[source], sc, ids[target], tc))
    yield [f"{SCHEMA}.{n}" for n in names]
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.tables WHERE schema_name = %s", (SCHEMA,))


def _answers(actor, tables: list[str]) -> list:
    found = []
    for table in tables:
        graph = lineage_graph.neighbourhood(actor, table, depth=4)
        found.append(("graph", table, sorted((n.name, n.depth) for n in graph.nodes),
                      sorted((e.source, e.target) for e in graph.edges)))
        impact = lineage_graph.impact(actor, table, depth=10)
        found.append(("impact", table, sorted((i.table, i.depth, i.path) for i in impact.tables),
                      sorted((i.table, i.column, i.depth, i.path) for i in impact.columns)))
    return found


def test_cypher_and_postgres_give_identical_answers(generated_graph, bolt_uri, operator, monkeypatch):
    questions = ["silver.expenses", "gold.finance_expenses", "bronze.odoo_expense_events",
                 *generated_graph[::7]]
    from_postgres = _answers(operator, questions)
    columns_pg = lineage_graph.column_sources(operator, "gold.finance_expenses", "amount_php")
    monkeypatch.setenv("WORKBENCH_NEO4J_URI", bolt_uri)
    monkeypatch.setenv("WORKBENCH_NEO4J_USER", "falkordb")
    monkeypatch.setenv("WORKBENCH_NEO4J_PASSWORD", "")
    with db.connection() as conn:
        mirrored = lineage_neo4j.mirror(conn)
    assert mirrored["edges"] > 100 and mirrored["column_edges"] > 100
    # Answered in Cypher now: the walk works on the mirror, and no fallback notice appears.
    assert len(lineage_neo4j.CypherGraph().walk_tables(_table_id(generated_graph[0]), 10, True)) > 10
    assert lineage_graph.neighbourhood(operator, "silver.expenses", depth=2).notice == ""
    from_cypher = _answers(operator, questions)
    assert from_cypher == from_postgres
    assert lineage_graph.column_sources(operator, "gold.finance_expenses", "amount_php") == columns_pg
    assert any(item[0] == "impact" and item[3] for item in from_cypher)


def _table_id(qualified: str) -> str:
    schema, table = qualified.split(".")
    with db.connection() as conn:
        return conn.execute("SELECT id::text FROM ip_workbench.tables WHERE schema_name = %s AND table_name = %s",
                            (schema, table)).fetchone()[0]


def test_an_unreachable_graph_database_falls_back_to_postgres(demo_warehouse, operator, monkeypatch):
    from devtools.app_server import free_port

    monkeypatch.setenv("WORKBENCH_NEO4J_URI", f"bolt://127.0.0.1:{free_port()}")
    lineage_neo4j.close()
    graph = lineage_graph.neighbourhood(operator, "gold.finance_expenses", depth=2)
    assert "unreachable" in graph.notice and "answered from Postgres" in graph.notice
    assert "silver.expenses" in {n.name for n in graph.nodes}
    with db.connection() as conn:
        assert "did not answer" in lineage_store.mirror_if_configured(conn)
    lineage_neo4j.close()
