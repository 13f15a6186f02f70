"""n8n in: the service principal n8n calls Workbench as, and its API keys (created on Settings › Integrations,
shown once). Deployed agents and pipelines take runs at `POST /api/agents/{id}/runs` and
`POST /api/pipelines/{id}/runs` with such a key; n8n out is services/activity/event_webhooks.py."""

from __future__ import annotations

from typing import Any

from services.identity import api_keys, users
from services.identity.rbac import Permission, authorize

SERVICE_EMAIL = "n8n-service@workbench.local"


def create_service_key(actor: Any, *, client_address: str | None = None) -> api_keys.CreatedKey:
    """A new API key for the n8n service principal (created on first use, role service) (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    if users.find_by_email(SERVICE_EMAIL) is None:
        users.create_user(actor, SERVICE_EMAIL, "service", full_name="n8n", client_address=client_address)
    return api_keys.create_key(actor, SERVICE_EMAIL, "n8n")
