"""Pipelines over HTTP: the n8n trigger answers at once with the queued run, keys are checked against the
matrix, and bad bodies get a clear 400 that changes nothing."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.pipelines import runner
from tests.warehouse import source_table


@pytest.fixture(scope="module")
def source(demo_warehouse) -> str:
    return source_table("id int, amount numeric", "SELECT g, g FROM generate_series(1, 10) g", prefix="a")


def _file(source: str) -> dict:
    suffix = uuid.uuid4().hex[:8]
    return {"name": f"api_{suffix}", "description": "over HTTP", "domain": "test", "definition": {"nodes": [
        {"id": "n", "type": "silver", "data": {"target": f"silver.api_{suffix}", "sql": f"SELECT id FROM {source}"}}],
        "edges": []}}


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_create_then_trigger_with_a_service_key(api_url, key_for, source):
    _engineer, engineer_key = key_for("engineer")
    _service, service_key = key_for("service")
    body = _file(source)
    created = httpx.post(f"{api_url}/api/pipelines", json=body, headers=_auth(engineer_key), timeout=30)
    assert created.status_code == 200, created.text
    assert created.json()["created"] is True and created.json()["validation"]["ok"] is True
    pipeline_id = created.json()["pipeline"]["id"]
    triggered = httpx.post(f"{api_url}/api/pipelines/{pipeline_id}/runs", headers=_auth(service_key),
                           json={"pipeline_id": pipeline_id, "triggered_by": "n8n"}, timeout=30)
    assert triggered.status_code == 202, triggered.text
    assert set(triggered.json()) == {"job_run_id", "status"} and triggered.json()["status"] == "pending"
    run_id = triggered.json()["job_run_id"]
    runner.execute(run_id, "test")
    run = httpx.get(f"{api_url}/api/runs/{run_id}", headers=_auth(service_key), timeout=30).json()
    assert (run["status"], run["trigger"], run["rows_processed"]) == ("completed", "api", 10)
    assert [n["id"] for n in run["nodes"]] == ["n"]
    listed = httpx.get(f"{api_url}/api/pipelines/{body['name']}/runs", headers=_auth(service_key), timeout=30)
    assert [r["job_run_id"] for r in listed.json()] == [run_id]


def test_trigger_refused_without_a_key_or_with_a_viewer_key(api_url, key_for, source):
    _engineer, engineer_key = key_for("engineer")
    _viewer, viewer_key = key_for("viewer")
    body = _file(source)
    httpx.post(f"{api_url}/api/pipelines", json=body, headers=_auth(engineer_key), timeout=30).raise_for_status()
    url = f"{api_url}/api/pipelines/{body['name']}/runs"
    assert httpx.post(url, timeout=30).status_code == 401
    refused = httpx.post(url, headers=_auth(viewer_key), timeout=30)
    assert refused.status_code == 403 and "viewer" in refused.json()["error"]
    assert httpx.post(f"{api_url}/api/pipelines", json=_file(source), headers=_auth(viewer_key),
                      timeout=30).status_code == 403
    assert httpx.delete(f"{api_url}/api/pipelines/{body['name']}", headers=_auth(engineer_key),
                        timeout=30).status_code == 403
    assert httpx.get(f"{api_url}/api/pipelines/{body['name']}/runs", headers=_auth(viewer_key),
                     timeout=30).status_code == 200


def test_bad_bodies_are_clear_400s_and_change_nothing(api_url, key_for, source):
    _engineer, key = key_for("engineer")
    body = _file(source)
    httpx.post(f"{api_url}/api/pipelines", json=body, headers=_auth(key), timeout=30).raise_for_status()
    before = httpx.get(f"{api_url}/api/pipelines/{body['name']}", headers=_auth(key), timeout=30).json()
    malformed = httpx.post(f"{api_url}/api/pipelines", content=b'{"name": ', timeout=30,
                           headers={**_auth(key), "Content-Type": "application/json"})
    assert malformed.status_code == 400 and "error" in malformed.json()
    unknown = {**body, "definition": {"nodes": [{"id": "n", "type": "platinum"}], "edges": []}}
    response = httpx.post(f"{api_url}/api/pipelines", json=unknown, headers=_auth(key), timeout=30)
    assert response.status_code == 400 and "unknown node type" in response.json()["error"]
    bad_cron = httpx.put(f"{api_url}/api/pipelines/{body['name']}/schedule", json={"cron": "61 * * * *"},
                         headers=_auth(key), timeout=30)
    assert bad_cron.status_code == 400 and "minute" in bad_cron.json()["error"]
    after = httpx.get(f"{api_url}/api/pipelines/{body['name']}", headers=_auth(key), timeout=30).json()
    assert after == before


def test_schedule_preview_reads_the_cron_in_words(api_url, key_for):
    _viewer, key = key_for("viewer")
    preview = httpx.get(f"{api_url}/api/pipelines/schedule-preview", params={"cron": "0 2 * * 1-5",
                                                                             "timezone": "Asia/Manila"},
                        headers=_auth(key), timeout=30).json()
    assert preview["description"] == "At 02:00 AM, Monday through Friday" and len(preview["next_runs"]) == 5
    assert all(moment.endswith("+08:00") for moment in preview["next_runs"])
