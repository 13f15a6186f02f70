"""dbt over HTTP: an engineer uploads artifacts (manifest and run results) or names a project folder under
WORKBENCH_DBT_PROJECTS_DIR and gets the CLI's shape back; a repeat writes nothing; viewers and service
accounts are refused; malformed bodies get a clear 400 and change nothing."""

from __future__ import annotations

import json
import uuid

import httpx

from services.catalog import sync as catalog_sync
from services.core import db
from services.core.config import settings


def _tables() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:8]
    source, mart = f"api_dbt_src_{suffix}", f"api_dbt_mart_{suffix}"
    with db.connection() as conn:
        conn.execute(f"CREATE TABLE silver.{source} (id int, amount numeric)")
        conn.execute(f"INSERT INTO silver.{source} VALUES (1, 10), (2, NULL)")
        conn.execute(f"CREATE TABLE gold.{mart} AS SELECT id, amount * 2 AS doubled FROM silver.{source}")
        database = conn.execute("SELECT current_database()").fetchone()[0]
    catalog_sync.sync(trigger="cli", embed=False)
    return source, mart, database, suffix


def _artifacts(source: str, mart: str, database: str, project: str) -> dict:
    model, src = f"model.{project}.{mart}", f"source.{project}.raw.{source}"
    test = f"test.{project}.not_null_{mart}_doubled"
    manifest = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
                             "dbt_version": "1.11.8", "project_name": project},
                "sources": {src: {"resource_type": "source", "name": source, "identifier": source,
                                  "database": database, "schema": "silver", "description": "Raw amounts.",
                                  "columns": {"amount": {"name": "amount", "description": "In pesos."}}}},
                "nodes": {model: {"resource_type": "model", "name": mart, "alias": mart, "database": database,
                                  "schema": "gold", "config": {"materialized": "table"},
                                  "description": "Doubled amounts.", "depends_on": {"nodes": [src]},
                                  "columns": {"doubled": {"name": "doubled", "description": "Twice the amount."}},
                                  "compiled_code": f'select id, amount * 2 as doubled from "{database}"."silver".'
                                                   f'"{source}"'},
                          test: {"resource_type": "test", "name": f"not_null_{mart}_doubled", "attached_node": model,
                                 "column_name": "doubled", "config": {"severity": "ERROR"},
                                 "depends_on": {"nodes": [model]},
                                 "test_metadata": {"name": "not_null", "kwargs": {"column_name": "doubled"}},
                                 "compiled_code": f'select doubled from "{database}"."gold"."{mart}"'
                                                  " where doubled is null"}}}
    run_results = {"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
                                "invocation_id": str(uuid.uuid4())},
                   "results": [{"unique_id": test, "status": "fail", "failures": 1, "execution_time": 0.02,
                                "message": "Got 1 result, configured to fail if != 0"}]}
    return {"manifest": manifest, "run_results": run_results}


def _post(api_url: str, key: str, path: str, body) -> httpx.Response:
    return httpx.post(f"{api_url}{path}", content=json.dumps(body) if not isinstance(body, bytes) else body,
                      headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}, timeout=120)


def test_an_engineer_uploads_artifacts_and_a_repeat_writes_nothing(api_url, key_for):
    _engineer, key = key_for("engineer")
    source, mart, database, suffix = _tables()
    body = _artifacts(source, mart, database, f"api_{suffix}")
    first = _post(api_url, key, "/api/dbt/import", body)
    assert first.status_code == 200, first.text
    found = first.json()
    assert list(found)[:9] == ["models", "seeds", "snapshots", "sources", "columns_described", "table_edges",
                               "column_edges", "tests", "results"]
    assert (found["models"], found["sources"], found["table_edges"], found["tests"], found["results"]) == \
        (1, 1, 1, 1, 1)
    assert found["column_edges"] == 2 and found["columns_described"] == 2 and found["written"] > 0
    again = _post(api_url, key, "/api/dbt/import", body)
    assert again.status_code == 200 and again.json()["written"] == 0
    listed = httpx.get(f"{api_url}/api/dbt/projects", headers={"Authorization": f"Bearer {key}"}).json()
    assert any(p["name"] == f"api_{suffix}" and p["counts"]["tests"] == 1 for p in listed)
    with db.connection() as conn:
        shown = conn.execute("SELECT coalesce(description, dbt_description) FROM ip_workbench.tables"
                             " WHERE schema_name = 'gold' AND table_name = %s", (mart,)).fetchone()[0]
    assert shown == "Doubled amounts."


def test_a_project_folder_on_the_server_is_imported_by_name(api_url, key_for):
    _engineer, key = key_for("engineer")
    source, mart, database, suffix = _tables()
    folder = settings().dbt_projects_dir / f"api_{suffix}" / "target"
    folder.mkdir(parents=True)
    body = _artifacts(source, mart, database, f"apifolder_{suffix}")
    (folder / "manifest.json").write_text(json.dumps(body["manifest"]))
    response = _post(api_url, key, "/api/dbt/import-folder", {"path": f"api_{suffix}"})
    assert response.status_code == 200, response.text
    assert response.json()["project"] == f"apifolder_{suffix}" and response.json()["results"] == 0
    outside = _post(api_url, key, "/api/dbt/import-folder", {"path": "/etc"})
    assert outside.status_code == 400 and "outside" in outside.json()["error"]
    missing = _post(api_url, key, "/api/dbt/import-folder", {"path": "no-such-project"})
    assert missing.status_code == 404


def test_viewers_and_service_accounts_are_refused(api_url, key_for):
    for role in ("viewer", "service"):
        _user, key = key_for(role)
        response = _post(api_url, key, "/api/dbt/import", {"manifest": {"metadata": {}}})
        assert response.status_code in (400, 403)
        response = _post(api_url, key, "/api/dbt/import-folder", {"path": "x"})
        assert response.status_code == 403, response.text


def test_malformed_bodies_get_a_clear_400(api_url, key_for):
    _engineer, key = key_for("engineer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM ip_workbench.dbt_projects").fetchone()[0]
    for body, message in [(b"{not json", "not JSON"), ([], '"manifest"'), ({"manifest": 1}, '"manifest"'),
                          ({"manifest": {}, "extra": 1}, "Unknown keys"),
                          ({"manifest": {"metadata": {"dbt_schema_version": "v1"}}}, "is not a dbt manifest")]:
        response = _post(api_url, key, "/api/dbt/import", body)
        assert response.status_code == 400, (body, response.text)
        assert message in response.json()["error"]
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.dbt_projects").fetchone()[0] == before
