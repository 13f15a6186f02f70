"""Liveness, readiness and the Prometheus scrape over real HTTP."""

from __future__ import annotations

import httpx
import pytest


def test_liveness_and_readiness(api_url):
    assert httpx.get(f"{api_url}/api/health").json() == {"status": "ok"}
    answer = httpx.get(f"{api_url}/api/ready", timeout=30)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    checks = {c["name"]: c for c in body["checks"]}
    assert body["status"] == "ready"
    assert set(checks) == {"database", "migrations", "queue", "scheduler", "model_server"}
    assert checks["database"]["ok"] and checks["database"]["required"]
    assert checks["migrations"]["ok"] and checks["migrations"]["detail"].startswith("at head (")
    assert not checks["model_server"]["required"]


def test_metrics_are_off_without_a_token(api_url, monkeypatch):
    monkeypatch.delenv("WORKBENCH_METRICS_TOKEN", raising=False)
    answer = httpx.get(f"{api_url}/metrics")
    assert answer.status_code == 404
    assert "WORKBENCH_METRICS_TOKEN" in answer.json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", "scrape-token-for-tests"])
def test_metrics_refuse_a_missing_or_wrong_token(api_url, monkeypatch, header):
    monkeypatch.setenv("WORKBENCH_METRICS_TOKEN", "scrape-token-for-tests")
    answer = httpx.get(f"{api_url}/metrics", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        series, value = line.rsplit(" ", 1)
        metric, _, rest = series.partition("{")
        if metric == name and ",".join(sorted(rest.rstrip("}").split(","))) == wanted:
            return float(value)
    return 0.0


def test_metrics_count_requests_per_route_and_sql_from_the_database(api_url, key_for, monkeypatch):
    monkeypatch.setenv("WORKBENCH_METRICS_TOKEN", "scrape-token-for-tests")
    scrape = {"Authorization": "Bearer scrape-token-for-tests"}
    _, key = key_for("engineer")
    before = httpx.get(f"{api_url}/metrics", headers=scrape)
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    for _ in range(3):
        httpx.get(f"{api_url}/api/health")
    ran = httpx.post(f"{api_url}/api/rpc/execute_sql", json={"sql": "SELECT 1"},
                     headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert ran.status_code == 200, ran.text
    after = httpx.get(f"{api_url}/metrics", headers=scrape).text
    health = {"method": "GET", "route": "/api/health", "status": "200"}
    assert _sample(after, "workbench_http_requests_total", **health) == \
        _sample(before.text, "workbench_http_requests_total", **health) + 3
    assert _sample(after, "workbench_http_request_duration_seconds_count", method="GET", route="/api/health") >= 3
    sql = {"source": "api", "status": "completed"}
    assert _sample(after, "workbench_sql_executions_total", **sql) == \
        _sample(before.text, "workbench_sql_executions_total", **sql) + 1
    for family in ("workbench_llm_calls_total", "workbench_queue_workers", "workbench_runs",
                   "workbench_scheduler_leaders"):
        assert f"# TYPE {family} " in after, family
