"""dbt against the real embedded Postgres: a pipeline whose bronze node loads payments and whose dbt node
builds tests/data/dbt_shop with dbt-core (seeds, staging and mart models, a macro, generic, custom generic
and singular tests, one failing on purpose) as the writer role, then imports the artifacts. The catalog,
lineage and data quality must then equal what dbt wrote; re-imports are idempotent; a removed model goes;
bad artifacts change nothing; only engineers and admins import."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from services.catalog import tables as catalog_tables
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.integrations.dbt import importer
from services.quality import runs as quality_runs
from services.quality import scorecards
from services.sql import roles as query_roles
from tests.dbt_shop import OWNER as SHOP_OWNER
from workbench.cli.main import main as cli

RELATIONS = {"seed.workbench_shop.raw_customers": "bronze.raw_customers",
             "seed.workbench_shop.raw_orders": "bronze.raw_orders",
             "source.workbench_shop.shop.shop_payments": "bronze.shop_payments",
             "model.workbench_shop.stg_customers": "silver.stg_customers",
             "model.workbench_shop.stg_orders": "silver.stg_orders",
             "model.workbench_shop.stg_payments": "silver.stg_payments",
             "model.workbench_shop.customer_orders": "gold.customer_orders",
             "model.workbench_shop.daily_orders": "gold.daily_orders",
             "snapshot.workbench_shop.customers_snapshot": "silver.customers_snapshot"}


@pytest.fixture(scope="module")
def built(dbt_shop) -> dict:
    return {"status": dbt_shop.status, "run_id": dbt_shop.run_id, "artifacts": dbt_shop.artifacts}


@pytest.fixture(scope="module")
def engineer(dbt_shop):
    return dbt_shop.engineer


def _run_results(built) -> dict:
    return json.loads((built["artifacts"] / "run_results.json").read_text())


def _manifest(built) -> dict:
    return json.loads((built["artifacts"] / "manifest.json").read_text())


def test_the_dbt_node_fails_on_the_failing_test_and_streams_dbt_s_log(built):
    assert built["status"] == "failed"
    with db.connection() as conn:
        status, logs, error = conn.execute(
            "SELECT status, logs, error_message FROM ip_workbench.job_run_nodes WHERE job_run_id = %s"
            " AND node_id = 'shop'", (built["run_id"],)).fetchone()
        bronze = conn.execute("SELECT status FROM ip_workbench.job_run_nodes WHERE job_run_id = %s"
                              " AND node_id = 'payments'", (built["run_id"],)).fetchone()[0]
    assert bronze == "completed"
    assert status == "failed"
    assert "assert_every_customer_has_ordered" in error
    assert "Failure in test assert_every_customer_has_ordered" in logs  # dbt's own log, streamed
    assert "PASS=" in logs and "imported dbt artifacts" in logs


def test_the_second_run_merges_the_incremental_model_and_the_snapshot(built):
    with db.connection() as conn:
        logs = conn.execute("SELECT logs FROM ip_workbench.job_run_nodes WHERE job_run_id = %s AND node_id = 'shop'",
                            (built["run_id"],)).fetchone()[0]
        days = conn.execute("SELECT count(*), count(DISTINCT order_date) FROM gold.daily_orders").fetchone()
        versions = conn.execute("SELECT count(*) FROM silver.customers_snapshot").fetchone()[0]
    assert "OK created sql incremental model gold.daily_orders" in logs
    assert "OK snapshotted silver.customers_snapshot" in logs
    assert days[0] == days[1] == 6  # merged on order_date: no day twice
    assert versions == 5  # nothing changed between the runs: one version per customer


def test_descriptions_show_with_their_dbt_origin_and_owner(built, engineer):
    table = catalog_tables.get_table(engineer, "silver.stg_customers")
    assert table.dbt_description == "One row per customer, names joined and emails lower-cased."
    assert table.shown_description == table.dbt_description and table.description_origin == "dbt"
    assert table.dbt_project == "workbench_shop"
    assert table.owner_email == SHOP_OWNER  # meta.owner under config
    assert catalog_tables.get_table(engineer, "gold.customer_orders").owner_email == SHOP_OWNER  # top-level meta
    email = next(c for c in table.columns if c.name == "email")
    assert email.shown_description == "Lower-cased email address." and email.description_origin == "dbt"
    source = catalog_tables.get_table(engineer, "bronze.shop_payments")
    assert source.dbt_description.startswith("One row per payment")


def test_lineage_equals_the_manifest_s_dependencies(built):
    manifest = _manifest(built)
    expected = set()
    for unique_id, target in RELATIONS.items():
        node = manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]
        for parent in (node.get("depends_on") or {}).get("nodes", []):
            expected.add((RELATIONS[parent], target))
    with db.connection() as conn:
        found = set(conn.execute(
            "SELECT s.schema_name || '.' || s.table_name, t.schema_name || '.' || t.table_name"
            " FROM ip_workbench.lineage l JOIN ip_workbench.tables s ON s.id = l.source_table_id"
            " JOIN ip_workbench.tables t ON t.id = l.target_table_id WHERE l.origin = 'dbt'"
            " AND l.origin_key LIKE 'dbt:workbench\\_shop:%'").fetchall())
        columns = set(conn.execute(
            "SELECT s.schema_name || '.' || s.table_name || '.' || c.source_column,"
            " t.schema_name || '.' || t.table_name || '.' || c.target_column FROM ip_workbench.column_lineage c"
            " JOIN ip_workbench.lineage l ON l.id = c.lineage_id AND l.origin = 'dbt'"
            " AND l.origin_key LIKE 'dbt:workbench\\_shop:%'"
            " JOIN ip_workbench.tables s ON s.id = c.source_table_id"
            " JOIN ip_workbench.tables t ON t.id = c.target_table_id").fetchall())
    assert found == expected and len(expected) == 8
    for edge in [("bronze.raw_customers.first_name", "silver.stg_customers.full_name"),
                 ("bronze.raw_customers.email", "silver.stg_customers.email"),
                 ("bronze.shop_payments.method", "silver.stg_payments.payment_method"),
                 ("bronze.shop_payments.amount_cents", "silver.stg_payments.amount"),
                 ("silver.stg_customers.full_name", "gold.customer_orders.full_name"),
                 ("silver.stg_orders.order_id", "gold.customer_orders.order_count"),
                 ("silver.stg_payments.amount", "gold.customer_orders.lifetime_value"),
                 ("silver.stg_payments.amount", "gold.customer_orders.gift_card_amount")]:
        assert edge in columns, edge


def test_test_results_equal_run_results_one_for_one(built):
    results = _run_results(built)
    expected = {r["unique_id"]: (r["status"], r["failures"]) for r in results["results"]
                if r["unique_id"].startswith("test.")}
    with db.connection() as conn:
        stored = {row[0]: (row[1], row[2]) for row in conn.execute(
            "SELECT d.dbt_unique_id, r.status, r.failing_rows FROM ip_workbench.dq_test_results r"
            " JOIN ip_workbench.dq_tests d ON d.id = r.test_id WHERE r.run_id = %s::uuid",
            (results["metadata"]["invocation_id"],)).fetchall()}
        types = dict(conn.execute("SELECT name, test_type || '/' || dimension || '/' || severity"
                                  " FROM ip_workbench.dq_tests WHERE source = 'dbt'").fetchall())
    assert stored == expected and len(expected) == 14
    assert sorted(s for s, _f in expected.values()).count("fail") == 1
    assert sorted(s for s, _f in expected.values()).count("warn") == 1
    assert types["not_null_stg_orders_order_id"] == "not_null/completeness/error"
    assert types["unique_stg_orders_order_id"] == "unique/uniqueness/error"
    assert types["relationships_stg_orders_customer_id__customer_id__ref_stg_customers_"] == \
        "relationships/consistency/error"
    assert types["accepted_values_stg_payments_payment_method__card__bank_transfer"] == \
        "accepted_values/consistency/warn"
    assert types["positive_value_stg_payments_amount"] == "positive_value/validity/error"
    assert types["assert_every_customer_has_ordered"] == "singular/validity/error"


def test_the_failed_dbt_test_has_its_dbt_message_on_its_detail(built, engineer):
    failed = scorecards.results(engineer, table="gold.customer_orders", status="fail")
    assert [r.test for r in failed] == ["assert_every_customer_has_ordered"]
    detail = scorecards.result_detail(engineer, failed[0].id)
    assert detail.message == "Got 1 result, configured to fail if != 0"
    assert detail.dbt["status"] == "fail" and detail.dbt["unique_id"].startswith("test.workbench_shop.")
    assert "customer_orders" in detail.sql and detail.source == "dbt"
    log = "\n".join(detail.dbt["log"])  # dbt's own lines about this test, from the node's streamed log
    assert "FAIL 1 assert_every_customer_has_ordered" in log
    assert "Failure in test assert_every_customer_has_ordered" in log and "Got 1 result" in log
    assert "unique_customer_orders_customer_id" not in log
    assert detail.remediation.startswith("Read dbt's message")


def test_dq_run_runs_the_dbt_tests_with_the_table_s_other_tests(built, engineer):
    run = quality_runs.run_table(engineer, "gold.customer_orders")
    by_name = {t.name: t for t in run.tests}
    assert {"assert_every_customer_has_ordered", "unique_customer_orders_customer_id",
            "not_null_customer_orders_customer_id"} <= set(by_name)
    assert by_name["assert_every_customer_has_ordered"].failing_rows == 1
    assert by_name["assert_every_customer_has_ordered"].status == "fail"
    assert by_name["unique_customer_orders_customer_id"].passed


def _state() -> tuple:
    """Every row the import writes, with its xmin (a rewrite changes it)."""
    with db.connection() as conn:
        return tuple(conn.execute(q).fetchall() for q in (
            "SELECT id, xmin::text FROM ip_workbench.tables WHERE dbt_project IS NOT NULL ORDER BY id",
            "SELECT table_id, column_name, xmin::text FROM ip_workbench.table_metadata"
            " WHERE dbt_description IS NOT NULL ORDER BY 1, 2",
            "SELECT id, xmin::text FROM ip_workbench.lineage WHERE origin = 'dbt' ORDER BY id",
            "SELECT id, xmin::text FROM ip_workbench.column_lineage c ORDER BY id",
            "SELECT id, xmin::text FROM ip_workbench.dq_tests WHERE source = 'dbt' ORDER BY id",
            "SELECT count(*) FROM ip_workbench.dq_test_results",
            "SELECT name, xmin::text FROM ip_workbench.dbt_projects ORDER BY name"))


def test_a_second_import_writes_nothing(built, engineer):
    before = _state()
    report = importer.import_folder(engineer, built["artifacts"])
    assert report.written == 0
    assert (report.models, report.seeds, report.snapshots, report.sources, report.tests, report.results) == \
        (5, 2, 1, 1, 14, 14)
    assert _state() == before


def test_cli_json_has_exactly_the_contract_keys(built, engineer):
    result = CliRunner().invoke(cli, ["dbt", "import", str(built["artifacts"]), "--as", engineer.email, "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    contract = ["models", "seeds", "snapshots", "sources", "columns_described", "table_edges", "column_edges",
                "tests", "results"]
    assert list(found)[:9] == contract
    assert found["models"] == 5 and found["snapshots"] == 1 and found["table_edges"] == 8
    assert found["column_edges"] >= 8
    assert found["columns_described"] == 17 and found["written"] == 0


def test_a_description_written_in_workbench_still_wins(built, engineer):
    catalog_tables.edit_table(engineer, "silver.stg_orders", description="Orders, as the shop team reads them.")
    try:
        importer.import_folder(engineer, built["artifacts"])
        table = catalog_tables.get_table(engineer, "silver.stg_orders")
        assert table.shown_description == "Orders, as the shop team reads them."
        assert table.description_origin == "workbench" and table.dbt_description == "One row per order."
    finally:
        catalog_tables.edit_table(engineer, "silver.stg_orders", description="")


def test_a_model_removed_from_the_manifest_disappears(built, engineer, tmp_path):
    manifest = _manifest(built)
    gone = "model.workbench_shop.stg_payments"
    del manifest["nodes"][gone]
    for unique_id in [u for u, n in manifest["nodes"].items() if gone in (n.get("depends_on") or {}).get("nodes", [])]:
        node = manifest["nodes"][unique_id]
        if node["resource_type"] == "test":
            del manifest["nodes"][unique_id]
        else:
            node["depends_on"]["nodes"].remove(gone)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    try:
        report = importer.import_folder(engineer, tmp_path)
        assert report.models == 4 and report.written > 0
        table = catalog_tables.get_table(engineer, "silver.stg_payments")
        assert table.dbt_description is None and table.dbt_project is None
        assert all(c.dbt_description is None for c in table.columns)
        with db.connection() as conn:
            edges = conn.execute("SELECT count(*) FROM ip_workbench.lineage l JOIN ip_workbench.tables t"
                                 " ON t.id IN (l.source_table_id, l.target_table_id) WHERE l.origin = 'dbt'"
                                 " AND t.table_name = 'stg_payments'").fetchone()[0]
            tests = conn.execute("SELECT count(*) FROM ip_workbench.dq_tests WHERE source = 'dbt'"
                                 " AND name LIKE '%%stg_payments%%'").fetchone()[0]
        assert edges == 0 and tests == 0
    finally:
        importer.import_folder(engineer, built["artifacts"])
    assert catalog_tables.get_table(engineer, "silver.stg_payments").dbt_project == "workbench_shop"


@pytest.mark.parametrize("content, message", [
    (b"{\"metadata\": {", "manifest.json is not valid JSON"),
    (json.dumps({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v4.json"},
                 "nodes": {}, "sources": {}}).encode(), "schema v4"),
    (json.dumps({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/catalog/v1.json"}}).encode(),
     "is not a dbt manifest"),
    (json.dumps({"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
                              "project_name": "x"}, "nodes": {"model.x.a": {"name": "a"}}, "sources": {}}).encode(),
     "model.x.a has no resource_type"),
])
def test_bad_manifests_are_refused_and_change_nothing(built, engineer, tmp_path, content, message):
    before = _state()
    (tmp_path / "manifest.json").write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        importer.import_folder(engineer, tmp_path)
    with pytest.raises(InvalidInput, match=message):
        importer.import_files(engineer, content)
    assert _state() == before


def test_only_engineers_and_admins_import(built, make_user):
    for role in ("viewer", "service"):
        with pytest.raises(PermissionDenied):
            importer.import_folder(make_user(role)[0], built["artifacts"])


def test_the_page_s_server_folders_stay_inside_the_projects_folder(built, engineer):
    with pytest.raises(InvalidInput, match="outside it"):
        importer.import_folder(engineer, "../../", within_projects_dir=True)


def test_the_dbt_role_is_the_writer_plus_temporary_tables(demo_warehouse):
    with psycopg.connect(query_roles.conninfo_for("dbt"), autocommit=True) as conn:
        conn.execute("CREATE TEMPORARY TABLE dbt_scratch (a int)")  # snapshots and incremental models need this
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM ip_workbench.users")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT pg_advisory_lock(1)")
        timeout = conn.execute("SHOW statement_timeout").fetchone()[0]
    assert timeout == "10min"  # the pipeline's limit (WORKBENCH_PIPELINE_TIMEOUT_S), not the SQL editor's 30 s
    with db.connection() as conn:
        assert query_roles.hardening_gaps(conn) == []
