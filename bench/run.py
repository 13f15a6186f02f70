"""`make bench`: run the benchmarks in a private WORKBENCH_HOME and write bench/results/*.json.

    python -m bench.run [--only demo,home,sql,sql_overhead,catalog,lineage_extraction,lineage_impact,
                         llm_gateway,genie,pipelines,quality,agents,integrations,dbt,scale,make_run]
                        [--scales 1,10] [--warm-caches]
"""

from __future__ import annotations

import argparse
import os
import tempfile

os.environ["WORKBENCH_HOME"] = os.environ.get("WORKBENCH_BENCH_HOME") or tempfile.mkdtemp(prefix="wbbench-")
os.environ.pop("WORKBENCH_DATABASE_URL", None)

ALL = ("demo", "home", "sql", "sql_overhead", "catalog", "lineage_extraction", "lineage_impact", "llm_gateway",
       "genie", "pipelines", "quality", "agents", "integrations", "dbt", "scale", "make_run")


def _demo_warehouse() -> None:
    """The demo warehouse, loaded once when a benchmark needs it."""
    from services.demo import load as demo

    if demo.warehouse_is_empty():
        demo.load(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated subset of " + ", ".join(ALL))
    parser.add_argument("--scales", default="1,10", help="demo load scales")
    parser.add_argument("--warm-caches", action="store_true", help="make_run: keep pip/npm/bun caches")
    args = parser.parse_args()
    chosen = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = set(chosen) - set(ALL)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    from services.core import db, migrations
    from services.sql import execution as query_execution
    from services.sql import roles as query_roles

    migrations.upgrade("head")
    query_roles.prepare()
    try:
        if "demo" in chosen:
            from bench import demo_load

            for scale in (int(s) for s in args.scales.split(",")):
                demo_load.run(scale)
        if "home" in chosen:
            from bench import home_page

            home_page.run()
        if "sql" in chosen:
            from bench import query_service

            _demo_warehouse()
            query_service.run()
        if "sql_overhead" in chosen and "sql" not in chosen:
            from bench import query_service

            _demo_warehouse()
            query_service.overhead()
        if "catalog" in chosen:
            from bench import catalog

            _demo_warehouse()
            catalog.run()
        if "lineage_extraction" in chosen:
            from bench import lineage

            lineage.run_extraction()
        if "lineage_impact" in chosen:
            from bench import lineage

            lineage.run_impact()
        if "pipelines" in chosen:
            from bench import pipelines

            _demo_warehouse()
            pipelines.run()
        if "quality" in chosen:
            from bench import quality

            _demo_warehouse()
            quality.run_tests_over_demo()
            quality.alert_latency()
            quality.run()
        if "llm_gateway" in chosen:
            from bench import genie

            genie.run_overhead()
        if "genie" in chosen:
            from bench import genie

            _demo_warehouse()
            genie.run_accuracy()
            genie.run_cli()
        if "agents" in chosen:
            from bench import agents

            _demo_warehouse()
            agents.observability_queries()
            agents.budget_check_overhead()
            agents.run_tasks()
        if "integrations" in chosen:
            from bench import integrations

            integrations.secret_read_cost()
            integrations.odoo_pull_throughput()
        if "dbt" in chosen:
            from bench import dbt

            _demo_warehouse()
            dbt.run()
        if "scale" in chosen:
            from bench import scale

            _demo_warehouse()
            scale.run()
        if "make_run" in chosen:
            from bench import make_run

            make_run.run(cold=not args.warm_caches)
    finally:
        query_execution.close_pools()
        db.close_pool()


if __name__ == "__main__":
    main()
