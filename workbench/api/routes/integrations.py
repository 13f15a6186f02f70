"""Integrations over the API (Configure Integrations: admins): the Odoo connection (the API key is write-only:
sent, never returned), its test, and pulls into bronze. Same shapes as `workbench odoo … --json`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from services.activity import event_webhooks
from services.identity.users import User
from services.integrations import n8n, odoo, odoo_pull
from services.llm import langfuse_config, provider_check, providers
from workbench.api.deps import client_address, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.integrations import (
    DeliveryLogOut,
    EventWebhookOut,
    LangfuseOut,
    OdooPullOut,
    OdooStatusOut,
    OdooTestOut,
    ProviderOut,
    ProviderTestOut,
    ServiceKeyOut,
)

router = APIRouter(tags=["integrations"])


class OdooRequest(BaseModel):
    url: str = Field(..., max_length=500)
    database: str = Field(..., max_length=200)
    login: str = Field(..., max_length=200)
    api_key: str | None = Field(None, max_length=500, description="Omit to keep the stored key")


class ProviderRequest(BaseModel):
    kind: str = Field(..., max_length=40, description="The LiteLLM provider: openai, anthropic, …")
    models: list[str] = Field(..., max_length=100)
    api_base: str | None = Field(None, max_length=500)
    api_key: str | None = Field(None, max_length=1000, description="Omit to keep the stored key")


class LangfuseRequest(BaseModel):
    base_url: str = Field("", max_length=500, description="Default https://cloud.langfuse.com")
    public_key: str = Field(..., max_length=200)
    secret_key: str | None = Field(None, max_length=500, description="Omit to keep the stored key")


class WebhookRequest(BaseModel):
    name: str = Field(..., max_length=63)
    url: str = Field(..., max_length=2000, description="An n8n Webhook node's production URL")
    events: list[str] = Field(..., max_length=10, description=" | ".join(event_webhooks.EVENTS))


class PullRequest(BaseModel):
    model: str = Field(..., max_length=200, description="An Odoo model, e.g. hr.expense")
    into: str = Field(..., max_length=200, description="bronze.TABLE (created when missing)")
    fields: list[str] | None = Field(None, max_length=500)
    domain: list | None = Field(None, description='An Odoo domain, e.g. [["state", "=", "done"]]')


@router.get("/api/integrations/odoo", responses=error_responses(*COMMON))
async def odoo_status(user: User = Depends(principal)) -> OdooStatusOut:  # noqa: B008
    """The Odoo connection, its key masked, and its last outcome."""
    return OdooStatusOut.of(await asyncio.to_thread(odoo.status, user))


@router.put("/api/integrations/odoo", responses=error_responses(*COMMON))
async def odoo_configure(body: OdooRequest, request: Request,
                         user: User = Depends(principal)) -> OdooStatusOut:  # noqa: B008
    """Set the Odoo connection."""
    return OdooStatusOut.of(await asyncio.to_thread(odoo.configure, user, body.url, body.database, body.login,
                                                    body.api_key, client_address=client_address(request)))


@router.post("/api/integrations/odoo/test", responses=error_responses(*COMMON))
async def odoo_test(request: Request, user: User = Depends(principal)) -> OdooTestOut:  # noqa: B008
    """Ask Odoo its version and sign in with the stored settings."""
    return OdooTestOut.of(await asyncio.to_thread(odoo.test_connection, user,
                                                  client_address=client_address(request)))


@router.post("/api/integrations/odoo/pull", responses=error_responses(*COMMON))
async def odoo_pull_records(body: PullRequest, request: Request,
                            user: User = Depends(principal)) -> OdooPullOut:  # noqa: B008
    """Append the model's records changed since the last pull into the bronze table."""
    return OdooPullOut.of(await asyncio.to_thread(
        odoo_pull.pull, user, body.model, body.into, fields=body.fields, domain=odoo_pull.parse_domain(body.domain),
        client_address=client_address(request)))


@router.get("/api/llm/providers", responses=error_responses(*COMMON))
async def list_providers(user: User = Depends(principal)) -> list[ProviderOut]:  # noqa: B008
    """LLM providers and the models they offer, keys masked."""
    return [ProviderOut.of(p) for p in await asyncio.to_thread(providers.list_providers, user)]


@router.put("/api/llm/providers/{name}", responses=error_responses(*COMMON))
async def save_provider(name: str, body: ProviderRequest, request: Request,
                        user: User = Depends(principal)) -> ProviderOut:  # noqa: B008
    """Add or change a provider (its key is write-only)."""
    return ProviderOut.of(await asyncio.to_thread(
        providers.save_provider, user, name, body.kind, body.models, api_key=body.api_key, api_base=body.api_base,
        client_address=client_address(request)))


@router.post("/api/llm/providers/{name}/test", responses=error_responses(*COMMON))
async def test_provider(name: str, request: Request, user: User = Depends(principal)) -> ProviderTestOut:  # noqa: B008
    """A one-token request to the provider's first model through the gateway."""
    return ProviderTestOut.of(await asyncio.to_thread(provider_check.test_provider, user, name,
                                                      client_address=client_address(request)))


@router.delete("/api/llm/providers/{name}", status_code=204, responses=error_responses(*COMMON))
async def delete_provider(name: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Remove a provider and its key."""
    await asyncio.to_thread(providers.delete_provider, user, name, client_address=client_address(request))


@router.get("/api/integrations/langfuse", responses=error_responses(*COMMON))
async def langfuse_status(user: User = Depends(principal)) -> LangfuseOut:  # noqa: B008
    """Where traces go; the secret key masked."""
    return LangfuseOut.of(await asyncio.to_thread(langfuse_config.status, user))


@router.put("/api/integrations/langfuse", responses=error_responses(*COMMON))
async def langfuse_configure(body: LangfuseRequest, request: Request,
                             user: User = Depends(principal)) -> LangfuseOut:  # noqa: B008
    """Save Langfuse's host and keys (LANGFUSE_* variables in the environment still win)."""
    return LangfuseOut.of(await asyncio.to_thread(langfuse_config.configure, user, body.base_url, body.public_key,
                                                  body.secret_key, client_address=client_address(request)))


@router.get("/api/integrations/webhooks", responses=error_responses(*COMMON))
async def list_webhooks(user: User = Depends(principal)) -> list[EventWebhookOut]:  # noqa: B008
    """Event webhooks (n8n out), URLs as hints."""
    return [EventWebhookOut.of(w) for w in await asyncio.to_thread(event_webhooks.list_webhooks, user)]


@router.post("/api/integrations/webhooks", status_code=201, responses=error_responses(*COMMON))
async def add_webhook(body: WebhookRequest, request: Request,
                      user: User = Depends(principal)) -> EventWebhookOut:  # noqa: B008
    """Subscribe a URL to events."""
    return EventWebhookOut.of(await asyncio.to_thread(event_webhooks.add_webhook, user, body.name, body.url,
                                                      body.events, client_address=client_address(request)))


@router.delete("/api/integrations/webhooks/{name}", status_code=204, responses=error_responses(*COMMON))
async def delete_webhook(name: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Remove a subscription."""
    await asyncio.to_thread(event_webhooks.delete_webhook, user, name, client_address=client_address(request))


@router.get("/api/integrations/deliveries", responses=error_responses(*COMMON))
async def deliveries(user: User = Depends(principal)) -> list[DeliveryLogOut]:  # noqa: B008
    """The newest webhook deliveries (pipeline and event webhooks)."""
    return [DeliveryLogOut.of(d) for d in await asyncio.to_thread(event_webhooks.delivery_log, user)]


@router.post("/api/integrations/n8n/keys", status_code=201, responses=error_responses(*COMMON))
async def n8n_key(request: Request, user: User = Depends(principal)) -> ServiceKeyOut:  # noqa: B008
    """A new API key for the n8n service principal (shown once)."""
    created = await asyncio.to_thread(n8n.create_service_key, user, client_address=client_address(request))
    return ServiceKeyOut(key=created.key, user=created.record.user_email, key_prefix=created.record.key_prefix)
