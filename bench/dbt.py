"""dbt benchmark: importing a generated manifest of 1,000 models and 20,000 documented columns (each model
reading one or two earlier ones, compiled SQL for column lineage, a not_null test per model and a
run_results.json with its 1,000 outcomes) against tables of the warehouse — the first import, and a second
one of the same artifacts (which must write nothing).

Baseline, in the same run: reading the same manifest with `json.loads` and writing its 21,000 descriptions
with one raw psycopg UPDATE per table and one for all columns — the floor any import pays.
Goal: the first import in 10 s or less on this machine."""

from __future__ import annotations

import json
import time

from bench.common import bench_user, write
from services.catalog import sync as catalog_sync
from services.core import db
from services.integrations.dbt import importer

MODELS = 1000
COLUMNS = 20
SCHEMA = "silver"
PREFIX = "dbtbench_m"


def _name(i: int) -> str:
    return f"{PREFIX}{i:04d}"


def _create_tables() -> None:
    columns = ", ".join(f"c{j:02d} int" for j in range(1, COLUMNS + 1))
    with db.connection() as conn:
        for i in range(MODELS):
            conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{_name(i)}")
            conn.execute(f"CREATE TABLE {SCHEMA}.{_name(i)} ({columns})")
    catalog_sync.sync(trigger="cli", embed=False)


def _compiled(i: int, database: str) -> str:
    if i == 0:
        return "select " + ", ".join(f"{j} as c{j:02d}" for j in range(1, COLUMNS + 1))
    first, second = i - 1, i // 2
    parts = [f"a.c{j:02d} + b.c{j:02d} as c{j:02d}" if j % 2 else f"a.c{j:02d}" for j in range(1, COLUMNS + 1)]
    return (f"with a as (select * from \"{database}\".\"{SCHEMA}\".\"{_name(first)}\"), b as (select * from"
            f" \"{database}\".\"{SCHEMA}\".\"{_name(second)}\")\nselect {', '.join(parts)}\nfrom a join b on"
            " a.c01 = b.c01")


def _artifacts(database: str) -> tuple[bytes, bytes]:
    nodes, results = {}, []
    for i in range(MODELS):
        unique_id = f"model.bench.{_name(i)}"
        depends = [] if i == 0 else sorted({f"model.bench.{_name(i - 1)}", f"model.bench.{_name(i // 2)}"})
        nodes[unique_id] = {
            "resource_type": "model", "unique_id": unique_id, "name": _name(i), "alias": _name(i),
            "database": database, "schema": SCHEMA, "package_name": "bench", "config": {"materialized": "table"},
            "description": f"Model {i} of the benchmark project.", "depends_on": {"nodes": depends},
            "columns": {f"c{j:02d}": {"name": f"c{j:02d}", "description": f"Column {j} of model {i}."}
                        for j in range(1, COLUMNS + 1)},
            "meta": {"owner": "dbt-bench@example.com"}, "compiled_code": _compiled(i, database)}
        test_id = f"test.bench.not_null_{_name(i)}_c01"
        nodes[test_id] = {
            "resource_type": "test", "unique_id": test_id, "name": f"not_null_{_name(i)}_c01",
            "attached_node": unique_id, "column_name": "c01", "config": {"severity": "ERROR"},
            "depends_on": {"nodes": [unique_id]}, "test_metadata": {"name": "not_null", "kwargs": {
                "column_name": "c01", "model": f"{{{{ get_where_subquery(ref('{_name(i)}')) }}}}"}},
            "compiled_code": f"select c01 from \"{database}\".\"{SCHEMA}\".\"{_name(i)}\" where c01 is null"}
        results.append({"unique_id": test_id, "status": "pass", "failures": 0, "message": None,
                        "execution_time": 0.01})
    manifest = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
                             "dbt_version": "1.11.8", "project_name": "bench"}, "nodes": nodes, "sources": {}}
    run_results = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
                                "invocation_id": "5b0b0000-0000-4000-8000-000000000001"}, "results": results}
    return json.dumps(manifest).encode(), json.dumps(run_results).encode()


def _baseline(manifest: bytes) -> float:
    """json.loads + the descriptions written with raw psycopg (one UPDATE per table, one for all columns)."""
    started = time.perf_counter()
    document = json.loads(manifest)
    with db.connection() as conn:
        ids = dict(conn.execute("SELECT table_name, id FROM ip_workbench.tables WHERE schema_name = %s"
                                " AND table_name LIKE %s", (SCHEMA, PREFIX + "%")).fetchall())
        tables, columns = [], ([], [], [])
        for node in document["nodes"].values():
            if node["resource_type"] != "model":
                continue
            tables.append((node["description"], ids[node["name"]]))
            for column in node["columns"].values():
                columns[0].append(ids[node["name"]])
                columns[1].append(column["name"])
                columns[2].append(column["description"])
        with conn.cursor() as cur:
            cur.executemany("UPDATE ip_workbench.tables SET dbt_description = %s WHERE id = %s", tables)
        conn.execute("UPDATE ip_workbench.table_metadata m SET dbt_description = v.d FROM unnest(%s::uuid[],"
                     " %s::text[], %s::text[]) AS v(t, c, d) WHERE m.table_id = v.t AND m.column_name = v.c",
                     list(columns))
        conn.execute("UPDATE ip_workbench.tables SET dbt_description = NULL, dbt_project = NULL"
                     " WHERE schema_name = %s AND table_name LIKE %s", (SCHEMA, PREFIX + "%"))
        conn.execute("UPDATE ip_workbench.table_metadata SET dbt_description = NULL WHERE table_id = ANY(%s)",
                     (list(ids.values()),))
    return time.perf_counter() - started


def _clean() -> None:
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.dq_tests WHERE dbt_project = 'bench'")
        conn.execute("DELETE FROM ip_workbench.lineage WHERE origin = 'dbt' AND origin_key LIKE 'dbt:bench:%'")
        conn.execute("DELETE FROM ip_workbench.dbt_projects WHERE name = 'bench'")
        for i in range(MODELS):
            conn.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{_name(i)}")
    catalog_sync.sync(trigger="cli", embed=False)


def run() -> None:
    """The import of a 1,000-model manifest, first and repeated, against the raw-write baseline."""
    engineer = bench_user("dbt-bench@example.com", "engineer", "dbt bench")
    _create_tables()
    try:
        with db.connection() as conn:
            database = conn.execute("SELECT current_database()").fetchone()[0]
        manifest, run_results = _artifacts(database)
        baseline = _baseline(manifest)
        started = time.perf_counter()
        first = importer.import_files(engineer, manifest, run_results)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = importer.import_files(engineer, manifest, run_results)
        again_s = time.perf_counter() - started
        write("dbt_import_1000_models", figure=first_s, unit="s", baseline=baseline,
              baseline_label="json.loads + raw psycopg writes of the same 21,000 descriptions", goal="<= 10 s",
              details={"models": first.models, "columns_described": first.columns_described,
                       "table_edges": first.table_edges, "column_edges": first.column_edges,
                       "tests": first.tests, "results": first.results, "written": first.written,
                       "manifest_mb": round(len(manifest) / 2**20, 2), "second_import_s": round(again_s, 3),
                       "second_import_written": again.written})
    finally:
        _clean()
