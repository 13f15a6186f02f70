"""Data quality and alerts over HTTP: the same shapes as the CLI, the matrix (every role views scorecards,
only admins configure alerts), queued runs answer 202, bad YAML is a 400 that changes nothing, and a channel's
URL never comes back."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.catalog import sync as catalog_sync
from services.core import db
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def table(demo_warehouse) -> str:
    name = source_table("id int, vendor_id int", "SELECT g, CASE WHEN g = 5 THEN NULL ELSE g END"
                        " FROM generate_series(1, 10) g", prefix="api_dq")
    catalog_sync.sync(embed=False)
    return name


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_tests_runs_scorecards_and_results(api_url, key_for, table):
    _engineer, engineer = key_for("engineer")
    _viewer, viewer = key_for("viewer")
    yaml = f"version: 2\nmodels:\n  - name: {table}\n    columns:\n      - name: vendor_id\n        tests: [not_null]\n"
    applied = httpx.post(f"{api_url}/api/dq/tests", content=yaml, headers={**_auth(engineer),
                         "Content-Type": "application/yaml"}, timeout=30)
    assert applied.status_code == 200, applied.text
    assert applied.json() == {"added": 1, "updated": 0, "removed": 0, "unchanged": 0}
    ran = httpx.post(f"{api_url}/api/dq/tables/{table}/runs", headers=_auth(engineer), timeout=60)
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert (body["table"], body["score"]) == (table, 90.0)
    assert {k: body["tests"][0][k] for k in ("name", "type", "column", "passed", "failing_rows", "severity")} == {
        "name": "not_null_vendor_id", "type": "not_null", "column": "vendor_id", "passed": False,
        "failing_rows": 1, "severity": "error"}
    queued = httpx.post(f"{api_url}/api/dq/tables/{table}/runs", params={"wait": "false"}, headers=_auth(engineer),
                        timeout=30)
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    denied = httpx.post(f"{api_url}/api/dq/tables/{table}/runs", headers=_auth(viewer), timeout=30)
    assert denied.status_code == 403
    cards = httpx.get(f"{api_url}/api/dq/scorecards", headers=_auth(viewer), timeout=30).json()
    card = next(c for c in cards if c["table"] == table)
    assert (card["score"], card["tests_failed"], card["failing"]) == (90.0, 1, ["not_null_vendor_id"])
    results = httpx.get(f"{api_url}/api/dq/results", params={"table": table, "status": "failed"},
                        headers=_auth(viewer), timeout=30).json()
    assert [r["test"] for r in results] == ["not_null_vendor_id"]
    detail = httpx.get(f"{api_url}/api/dq/results/{results[0]['id']}", headers=_auth(viewer), timeout=30).json()
    assert detail["sample"][0]["vendor_id"] is None and "IS NULL" in detail["sql"] and detail["remediation"]
    scorecard = httpx.get(f"{api_url}/api/dq/tables/{table}", headers=_auth(viewer), timeout=30).json()
    assert scorecard["dimensions"] == {"completeness": 90.0} and scorecard["history"][-1]["score"] == 90.0


def test_bad_yaml_is_a_400_that_changes_nothing(api_url, key_for, table):
    _engineer, engineer = key_for("engineer")
    with db.connection() as conn:
        before = conn.execute("SELECT count(*) FROM ip_workbench.dq_tests").fetchone()[0]
    for text in ("version: 2\nmodels: [", f"version: 2\nmodels:\n  - name: {table}\n    tests: [sparkly]\n"):
        answer = httpx.post(f"{api_url}/api/dq/tests", content=text, headers={**_auth(engineer),
                            "Content-Type": "application/yaml"}, timeout=30)
        assert answer.status_code == 400 and answer.json()["error"]
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.dq_tests").fetchone()[0] == before


def test_only_admins_configure_alerts_and_urls_never_come_back(api_url, key_for):
    _admin, admin = key_for("admin")
    name = f"api-{uuid.uuid4().hex[:6]}"
    secret = "zzSecretTokenzz"
    for role in ("viewer", "engineer"):
        _user, key = key_for(role)
        answer = httpx.post(f"{api_url}/api/alerts/channels", json={"name": name, "url": f"json://h/{secret}"},
                            headers=_auth(key), timeout=30)
        assert answer.status_code == 403
        assert httpx.get(f"{api_url}/api/alerts/rules", headers=_auth(key), timeout=30).status_code == 403
    created = httpx.post(f"{api_url}/api/alerts/channels", json={"name": name, "url": f"mmost://h/{secret}"},
                         headers=_auth(admin), timeout=30)
    assert created.status_code == 201, created.text
    listed = httpx.get(f"{api_url}/api/alerts/channels", headers=_auth(admin), timeout=30)
    assert secret not in created.text and secret not in listed.text and name in listed.text
    rule = httpx.post(f"{api_url}/api/alerts/rules", json={"name": name, "event": "score_below", "channel": name,
                      "threshold": 80}, headers=_auth(admin), timeout=30)
    assert rule.status_code == 201 and rule.json()["threshold"] == 80
    bad = httpx.post(f"{api_url}/api/alerts/rules", json={"name": name + "x", "event": "sometimes", "channel": name},
                     headers=_auth(admin), timeout=30)
    assert bad.status_code == 400 and "Unknown event" in bad.json()["error"]
