"""Integrations: one shape for the API and `workbench odoo … --json`. Secrets appear only as masked hints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from services.activity.event_webhooks import DeliveryRow, EventWebhook
from services.integrations.odoo import OdooStatus, TestResult
from services.integrations.odoo_pull import PullResult
from services.llm.langfuse_config import LangfuseStatus
from services.llm.provider_check import ProviderTest
from services.llm.providers import Provider


class OdooStatusOut(BaseModel):
    configured: bool
    url: str | None
    database: str | None
    login: str | None
    api_key_hint: str | None = Field(description="The API key masked (never the key)")
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None

    @classmethod
    def of(cls, found: OdooStatus) -> OdooStatusOut:
        return cls(**found.__dict__)


class OdooTestOut(BaseModel):
    ok: bool
    server_version: str | None
    uid: int | None
    message: str

    @classmethod
    def of(cls, found: TestResult) -> OdooTestOut:
        return cls(**found.__dict__)


class OdooPullOut(BaseModel):
    fetched: int = Field(description="records Odoo returned")
    inserted: int = Field(description="records appended to the bronze table")
    rejected: int = Field(description="records refused (not an object, no integer id, no write_date)")
    model: str
    target: str
    pages: int
    seconds: float
    watermark: dict[str, Any] | None = Field(description="where the next pull starts: write_date and id")
    rejected_examples: list[str]

    @classmethod
    def of(cls, found: PullResult) -> OdooPullOut:
        return cls(**found.__dict__)


class ProviderOut(BaseModel):
    name: str
    kind: str = Field(description="The LiteLLM provider: openai, anthropic, …")
    api_base: str | None
    models: list[str]
    key_hint: str | None = Field(description="The API key masked (never the key)")
    updated_at: datetime | None

    @classmethod
    def of(cls, found: Provider) -> ProviderOut:
        return cls(**found.__dict__)


class ProviderTestOut(BaseModel):
    ok: bool
    model: str
    latency_ms: int | None
    message: str

    @classmethod
    def of(cls, found: ProviderTest) -> ProviderTestOut:
        return cls(**found.__dict__)


class LangfuseOut(BaseModel):
    configured: bool
    source: str = Field(description="environment (LANGFUSE_* variables win), settings or none")
    base_url: str | None
    public_key: str | None
    secret_key_hint: str | None = Field(description="The secret key masked (never the key)")
    updated_at: datetime | None

    @classmethod
    def of(cls, found: LangfuseStatus) -> LangfuseOut:
        return cls(**found.__dict__)


class EventWebhookOut(BaseModel):
    id: int
    name: str
    url_hint: str = Field(description="Scheme and host only: the URL stays encrypted")
    events: list[str]
    created_at: datetime

    @classmethod
    def of(cls, found: EventWebhook) -> EventWebhookOut:
        return cls(**found.__dict__)


class DeliveryLogOut(BaseModel):
    id: int
    event: str | None
    target: str = Field(description="A pipeline webhook's URL, or an event webhook's hint")
    status: str = Field(description="pending, delivered or failed")
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, found: DeliveryRow) -> DeliveryLogOut:
        return cls(**found.__dict__)


class ServiceKeyOut(BaseModel):
    key: str = Field(description="Shown once: n8n sends it as Authorization: Bearer …")
    user: str
    key_prefix: str
