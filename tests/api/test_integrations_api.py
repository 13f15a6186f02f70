"""Integrations over HTTP: an admin key configures Odoo (the API key goes in and never comes back), tests it and
pulls into bronze with the CLI's shape; every other role is refused on every integration endpoint."""

from __future__ import annotations

import json
import uuid

import httpx

from devtools.odoo_peer import OdooPeer, running_odoo, seed_demo
from tests.services.test_cli import _run

ENDPOINTS = (("GET", "/api/integrations/odoo", None),
             ("PUT", "/api/integrations/odoo", {"url": "http://127.0.0.1:9", "database": "d", "login": "l",
                                                "api_key": "k"}),
             ("POST", "/api/integrations/odoo/test", None),
             ("POST", "/api/integrations/odoo/pull", {"model": "res.partner", "into": "bronze.x"}),
             ("GET", "/api/llm/providers", None),
             ("PUT", "/api/llm/providers/x", {"kind": "openai", "models": ["openai/x"], "api_key": "k"}),
             ("POST", "/api/llm/providers/x/test", None),
             ("DELETE", "/api/llm/providers/x", None),
             ("GET", "/api/integrations/langfuse", None),
             ("PUT", "/api/integrations/langfuse", {"public_key": "pk-lf-x", "secret_key": "sk-lf-x"}),
             ("GET", "/api/integrations/webhooks", None),
             ("POST", "/api/integrations/webhooks", {"name": "x", "url": "http://127.0.0.1:9/x",
                                                     "events": ["dq_test.failed"]}),
             ("DELETE", "/api/integrations/webhooks/x", None),
             ("GET", "/api/integrations/deliveries", None),
             ("POST", "/api/integrations/n8n/keys", None))


def _call(api_url: str, key: str, method: str, path: str, body: dict | None = None) -> httpx.Response:
    return httpx.request(method, f"{api_url}{path}", json=body, headers={"Authorization": f"Bearer {key}"},
                         timeout=120)


def test_an_admin_configures_tests_and_pulls_odoo(api_url, key_for):
    admin, key = key_for("admin")
    with running_odoo(seed_demo(OdooPeer(), expenses=50)) as peer:
        secret = f"odoo-key-{uuid.uuid4().hex}"
        peer.api_key = secret
        saved = _call(api_url, key, "PUT", "/api/integrations/odoo",
                      {"url": peer.url, "database": peer.database, "login": peer.login, "api_key": secret})
        assert saved.status_code == 200, saved.text
        assert secret not in saved.text and saved.json()["api_key_hint"] == "••••" + secret[-4:]
        shown = _call(api_url, key, "GET", "/api/integrations/odoo")
        assert secret not in shown.text and shown.json()["configured"] is True
        tested = _call(api_url, key, "POST", "/api/integrations/odoo/test").json()
        assert tested["ok"] is True and tested["server_version"] == "17.0"
        table = f"bronze.api_pull_{uuid.uuid4().hex[:6]}"
        pulled = _call(api_url, key, "POST", "/api/integrations/odoo/pull",
                       {"model": "hr.expense", "into": table, "domain": [["state", "!=", "refused"]]})
        assert pulled.status_code == 200, pulled.text
        expected = sum(1 for r in peer.records["hr.expense"].values() if r["state"] != "refused")
        assert (pulled.json()["fetched"], pulled.json()["inserted"], pulled.json()["rejected"]) == (expected,
                                                                                                  expected, 0)
        from_cli = _run("odoo", "pull", "hr.expense", "--into", table, "--as", admin.email, "--json")
        assert from_cli.returncode == 0, from_cli.stderr
        assert set(json.loads(from_cli.stdout)) == set(pulled.json())
        assert json.loads(from_cli.stdout)["fetched"] == 0  # the watermark is per model and table: nothing changed
        bad = _call(api_url, key, "POST", "/api/integrations/odoo/pull", {"model": "hr.expense", "into": table,
                                                                           "domain": [["state"]]})
        assert bad.status_code == 400 and "domain" in bad.json()["error"].lower()


def test_every_other_role_is_refused(api_url, key_for):
    for role in ("viewer", "engineer", "service"):
        _user, key = key_for(role)
        for method, path, body in ENDPOINTS:
            answer = _call(api_url, key, method, path, body)
            assert answer.status_code == 403, (role, path, answer.text)


def test_an_admin_keeps_a_provider_key_write_only(api_url, key_for):
    _admin, key = key_for("admin")
    name, secret = f"api-{uuid.uuid4().hex[:6]}", f"sk-{uuid.uuid4().hex}"
    saved = _call(api_url, key, "PUT", f"/api/llm/providers/{name}",
                  {"kind": "anthropic", "models": [f"anthropic/{name}"], "api_key": secret})
    assert saved.status_code == 200, saved.text
    assert secret not in saved.text and saved.json()["key_hint"] == "••••" + secret[-4:]
    listed = _call(api_url, key, "GET", "/api/llm/providers")
    assert secret not in listed.text and name in listed.text
    bad = _call(api_url, key, "PUT", f"/api/llm/providers/{name}", {"kind": "anthropic", "models": []})
    assert bad.status_code == 400 and "models" in bad.json()["error"]
    assert _call(api_url, key, "DELETE", f"/api/llm/providers/{name}").status_code == 204
    assert name not in _call(api_url, key, "GET", "/api/llm/providers").text


def test_n8n_gets_a_service_key_and_webhooks_keep_their_urls(api_url, key_for):
    _admin, key = key_for("admin")
    created = _call(api_url, key, "POST", "/api/integrations/n8n/keys")
    assert created.status_code == 201 and created.json()["user"] == "n8n-service@workbench.local"
    service = created.json()["key"]
    assert _call(api_url, service, "GET", "/api/pipelines").status_code == 200  # n8n can reach the triggers
    assert _call(api_url, service, "GET", "/api/integrations/webhooks").status_code == 403
    name, url = f"hook-{uuid.uuid4().hex[:6]}", f"http://127.0.0.1:9/webhook/{uuid.uuid4().hex}"
    added = _call(api_url, key, "POST", "/api/integrations/webhooks",
                  {"name": name, "url": url, "events": ["agent_run.finished"]})
    assert added.status_code == 201 and added.json()["url_hint"] == "http://127.0.0.1:9/…"
    listed = _call(api_url, key, "GET", "/api/integrations/webhooks")
    assert url not in listed.text and name in listed.text
    bad = _call(api_url, key, "POST", "/api/integrations/webhooks", {"name": "y", "url": url, "events": ["nope"]})
    assert bad.status_code == 400
    assert _call(api_url, key, "GET", "/api/integrations/deliveries").status_code == 200
    assert _call(api_url, key, "DELETE", f"/api/integrations/webhooks/{name}").status_code == 204
