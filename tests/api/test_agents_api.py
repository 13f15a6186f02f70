"""Agents over HTTP: a service key starts a run of a deployed agent (202 at once, the result after a worker's
turn), viewers see and run nothing, the n8n workflow imports the trigger, prices are admins'."""

from __future__ import annotations

import uuid

import httpx
import pytest

from devtools.openai_peer import running_peer
from services.agents import runner
from services.llm import gateway


def _auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def peer(monkeypatch):
    gateway.reset_breakers()
    with running_peer() as server:
        for name, value in {"WORKBENCH_LLM_MODEL": "openai/peer-model", "WORKBENCH_LLM_API_BASE": server.url,
                            "WORKBENCH_LLM_API_KEY": "none", "WORKBENCH_LLM_BACKOFF_S": "0.01"}.items():
            monkeypatch.setenv(name, value)
        yield server
    gateway.reset_breakers()


def test_a_service_key_triggers_a_deployed_agent(api_url, key_for, peer):
    _engineer, engineer = key_for("engineer")
    _service, service = key_for("service")
    _viewer, viewer = key_for("viewer")
    name = f"api agent {uuid.uuid4().hex[:6]}"
    created = httpx.post(f"{api_url}/api/agents", headers=_auth(engineer), timeout=30,
                         json={"name": name, "tools": ["calculator"], "budget_usd": 0.5})
    assert created.status_code == 200 and created.json()["created"] is True, created.text
    agent_id = created.json()["agent"]["id"]
    early = httpx.post(f"{api_url}/api/agents/{agent_id}/runs", json={"prompt": "2+2?"}, headers=_auth(service),
                       timeout=30)
    assert early.status_code == 409 and "not deployed" in early.json()["error"]
    assert httpx.post(f"{api_url}/api/agents/{agent_id}/deploy", headers=_auth(engineer),
                      timeout=30).json()["deployed"] is True
    started = httpx.post(f"{api_url}/api/agents/{agent_id}/runs", json={"prompt": "What is 2+2?"},
                         headers=_auth(service), timeout=30)
    assert started.status_code == 202 and set(started.json()) == {"run_id", "status"}
    assert started.json()["status"] == "pending"
    run_id = started.json()["run_id"]
    peer.will(("ok", '{"tool": "calculator", "input": "2+2"}'), ("ok", '{"answer": "4"}'))
    assert runner.execute(run_id, "test") == "completed"
    result = httpx.get(f"{api_url}/api/agent-runs/{run_id}", headers=_auth(service), timeout=30).json()
    assert (result["status"], result["output"], result["trigger"]) == ("completed", "4", "api")
    assert [s["kind"] for s in result["steps"]] == ["model", "tool", "model"]
    for path in ("/api/agents", f"/api/agent-runs/{run_id}"):
        assert httpx.get(f"{api_url}{path}", headers=_auth(viewer), timeout=30).status_code == 403
    denied = httpx.post(f"{api_url}/api/agents/{agent_id}/runs", json={"prompt": "hi"}, headers=_auth(viewer),
                        timeout=30)
    assert denied.status_code == 403
    workflow = httpx.get(f"{api_url}/api/agents/{agent_id}/n8n-workflow", headers=_auth(engineer), timeout=30).json()
    assert [n["type"] for n in workflow["nodes"]] == ["n8n-nodes-base.webhook", "n8n-nodes-base.httpRequest"]
    assert workflow["nodes"][1]["parameters"]["url"] == f"{api_url}/api/agents/{agent_id}/runs"
    assert workflow["connections"]["Webhook"]["main"][0][0]["node"] == "Start agent run"


def test_prices_and_costs_are_for_admins(api_url, key_for):
    _admin, admin = key_for("admin")
    _engineer, engineer = key_for("engineer")
    model = f"openai/test-{uuid.uuid4().hex[:6]}"
    body = {"input_per_1m": 0.5, "output_per_1m": 1.5}
    assert httpx.put(f"{api_url}/api/llm/prices/{model}", json=body, headers=_auth(engineer),
                     timeout=30).status_code == 403
    saved = httpx.put(f"{api_url}/api/llm/prices/{model}", json=body, headers=_auth(admin), timeout=30)
    assert saved.status_code == 200 and saved.json()["source"] == "admin" and saved.json()["model"] == model
    costs = httpx.get(f"{api_url}/api/costs", params={"since": "2026-01-01"}, headers=_auth(admin), timeout=30)
    assert costs.status_code == 200 and {"total_usd", "by_service", "by_model", "by_agent"} <= set(costs.json())
    bad = httpx.get(f"{api_url}/api/costs", params={"since": "yesterday"}, headers=_auth(admin), timeout=30)
    assert bad.status_code == 400
    assert httpx.get(f"{api_url}/api/costs", headers=_auth(engineer), timeout=30).status_code == 403
