"""The n8n workflow a deployed agent hands out: a Webhook node (POST, body {"prompt": …}) → an HTTP Request
node calling the agent's trigger URL with a Workbench API key (an n8n "Header Auth" credential to fill in),
in n8n's workflow JSON, ready to import."""

from __future__ import annotations

from typing import Any

from services.agents.registry import Agent

CREDENTIAL_NAME = "Workbench API key"


def workflow(agent: Agent, base_url: str) -> dict[str, Any]:
    """The workflow JSON for `agent`, calling `base_url`."""
    slug = "".join(c if c.isalnum() else "-" for c in agent.spec.name.lower()).strip("-") or "agent"
    return {
        "name": f"Workbench agent: {agent.spec.name}",
        "nodes": [
            {"parameters": {"httpMethod": "POST", "path": f"workbench-{slug}", "responseMode": "lastNode"},
             "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 1, "position": [250, 300],
             "webhookId": f"workbench-{agent.id}"},
            {"parameters": {"method": "POST", "url": f"{base_url}/api/agents/{agent.id}/runs",
                            "authentication": "genericCredentialType", "genericAuthType": "httpHeaderAuth",
                            "sendBody": True, "specifyBody": "json",
                            "jsonBody": "={{ JSON.stringify({prompt: $json.body.prompt}) }}"},
             "name": "Start agent run", "type": "n8n-nodes-base.httpRequest", "typeVersion": 4.2,
             "position": [500, 300],
             "credentials": {"httpHeaderAuth": {"id": "", "name": CREDENTIAL_NAME}}},
        ],
        "connections": {"Webhook": {"main": [[{"node": "Start agent run", "type": "main", "index": 0}]]}},
        "settings": {},
        "meta": {"note": f"Create a Header Auth credential named '{CREDENTIAL_NAME}': Authorization = Bearer"
                         " <a Workbench API key of a user who may run agents>."},
    }
