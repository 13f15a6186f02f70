"""Settings › Integrations (admins): the Odoo card (connection with a write-only API key, Test connection, pull a
model into bronze), LLM providers (keys write-only, Test) and where the other integrations are managed."""

from __future__ import annotations

import reflex as rx

from services.activity import event_webhooks
from services.agents import registry
from services.integrations import n8n, odoo, odoo_pull
from services.llm import langfuse_config, provider_check, providers
from services.pipelines import store as pipeline_store
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

WEBHOOK_EVENTS = list(event_webhooks.EVENTS)
ODOO_MODELS = ["hr.expense", "res.partner", "hr.expense.category"]


class IntegrationsState(ServiceCalls, rx.State):
    notice: str = ""
    odoo_configured: bool = False
    odoo_url: str = ""
    odoo_database: str = ""
    odoo_login: str = ""
    odoo_key: str = ""  # what the admin types; never filled from the store
    odoo_key_hint: str = ""
    odoo_last_success: str = ""
    odoo_last_error: str = ""
    odoo_test_message: str = ""
    odoo_test_ok: bool = False
    pull_model: str = "hr.expense"
    pull_target: str = "bronze.odoo_expense_events"
    pull_message: str = ""
    provider_rows: list[dict[str, str]] = []
    provider_name: str = ""
    provider_kind: str = "openai"
    provider_models: str = ""
    provider_base: str = ""
    provider_key: str = ""  # what the admin types; never filled from the store
    provider_message: str = ""
    langfuse_source: str = "none"
    langfuse_base: str = ""
    langfuse_public: str = ""
    langfuse_secret: str = ""  # what the admin types; never filled from the store
    langfuse_hint: str = ""
    endpoint_rows: list[dict[str, str]] = []
    service_key: str = ""  # shown once, right after it is made
    webhook_rows: list[dict[str, str]] = []
    webhook_name: str = ""
    webhook_url: str = ""
    webhook_events: list[str] = ["pipeline_run.failed", "dq_test.failed"]
    delivery_rows: list[dict[str, str]] = []

    async def load(self):
        """on_load for /settings/integrations."""
        if await self._ready_auth() is None:
            return
        self.error, self.notice, self.odoo_test_message, self.pull_message = "", "", "", ""
        self.service_key, self.provider_message = "", ""  # a key is shown once, never again after a reload
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(odoo.status, user)
        if found is FAILED:
            return
        self.odoo_configured = found.configured
        self.odoo_url, self.odoo_database, self.odoo_login = found.url or "", found.database or "", found.login or ""
        self.odoo_key_hint = found.api_key_hint or ""
        self.odoo_last_success = when(found.last_success_at) if found.last_success_at else "never"
        self.odoo_last_error = (f"{found.last_error} ({when(found.last_error_at)})" if found.last_error else "")
        tracing = await self._call(langfuse_config.status, user)
        if tracing is not FAILED:
            self.langfuse_source, self.langfuse_hint = tracing.source, tracing.secret_key_hint or ""
            self.langfuse_base, self.langfuse_public = tracing.base_url or "", tracing.public_key or ""
        await self._fetch_n8n(user)
        listed = await self._call(providers.list_providers, user)
        self.provider_rows = [] if listed is FAILED else [
            {"name": p.name, "kind": p.kind, "models": ", ".join(p.models), "base": p.api_base or "—",
             "key": p.key_hint or "none"} for p in listed]

    def set_odoo_url(self, value: str):
        self.odoo_url = value

    def set_odoo_database(self, value: str):
        self.odoo_database = value

    def set_odoo_login(self, value: str):
        self.odoo_login = value

    def set_odoo_key(self, value: str):
        self.odoo_key = value

    def set_pull_model(self, value: str):
        self.pull_model = value

    def set_pull_target(self, value: str):
        self.pull_target = value

    async def save_odoo(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        saved = await self._call(odoo.configure, user, self.odoo_url, self.odoo_database, self.odoo_login,
                                 self.odoo_key.strip() or None)
        self.odoo_key = ""
        if saved is not FAILED:
            self.notice = f"Odoo saved (API key {saved.api_key_hint})."
            await self._fetch()

    async def test_odoo(self):
        self.error, self.odoo_test_message = "", ""
        user, _ = await acting_user(self)
        result = await self._call(odoo.test_connection, user)
        if result is not FAILED:
            self.odoo_test_ok, self.odoo_test_message = result.ok, result.message
            await self._fetch()

    async def pull(self):
        self.error, self.pull_message = "", ""
        user, _ = await acting_user(self)
        self.pull_message = f"Pulling {self.pull_model}…"
        yield
        result = await self._call(odoo_pull.pull, user, self.pull_model.strip(), self.pull_target.strip())
        if result is FAILED:
            self.pull_message = ""
        else:
            self.pull_message = (f"{result.model} → {result.target}: {result.fetched:,} fetched, {result.inserted:,}"
                                 f" inserted, {result.rejected:,} rejected ({result.seconds:.1f} s).")
        await self._fetch()

    def set_provider_name(self, value: str):
        self.provider_name = value

    def set_provider_kind(self, value: str):
        self.provider_kind = value

    def set_provider_models(self, value: str):
        self.provider_models = value

    def set_provider_base(self, value: str):
        self.provider_base = value

    def set_provider_key(self, value: str):
        self.provider_key = value

    async def save_provider(self):
        self.error, self.notice, self.provider_message = "", "", ""
        user, _ = await acting_user(self)
        saved = await self._call(providers.save_provider, user, self.provider_name, self.provider_kind,
                                 self.provider_models.split(","), api_key=self.provider_key.strip() or None,
                                 api_base=self.provider_base.strip() or None)
        self.provider_key = ""
        if saved is not FAILED:
            self.notice = f"Provider {saved.name} saved (key {saved.key_hint or 'none'})."
            self.provider_name, self.provider_models, self.provider_base = "", "", ""
            await self._fetch()

    async def test_provider(self, name: str):
        self.error, self.provider_message = "", ""
        user, _ = await acting_user(self)
        result = await self._call(provider_check.test_provider, user, name)
        if result is not FAILED:
            self.provider_message = f"{name}: {result.message}"

    async def delete_provider(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(providers.delete_provider, user, name) is not FAILED:
            self.notice = f"Provider {name} deleted."
            await self._fetch()

    def set_langfuse_base(self, value: str):
        self.langfuse_base = value

    def set_langfuse_public(self, value: str):
        self.langfuse_public = value

    def set_langfuse_secret(self, value: str):
        self.langfuse_secret = value

    async def save_langfuse(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        saved = await self._call(langfuse_config.configure, user, self.langfuse_base, self.langfuse_public,
                                 self.langfuse_secret.strip() or None)
        self.langfuse_secret = ""
        if saved is not FAILED:
            self.notice = f"Langfuse saved (secret key {saved.secret_key_hint})."
            await self._fetch()

    async def _fetch_n8n(self, user) -> None:  # noqa: ANN001 (the acting user)
        agents = await self._call(registry.list_agents, user)
        pipelines = await self._call(pipeline_store.list_pipelines, user)
        rows = []
        for agent in [] if agents is FAILED else [a for a in agents if a.deployed]:
            rows.append(_endpoint("agent", agent.spec.name, f"/api/agents/{agent.id}/runs",
                                  '{"prompt": "{{ $json.prompt }}"}'))
        for pipeline in [] if pipelines is FAILED else pipelines:
            rows.append(_endpoint("pipeline", pipeline.name, f"/api/pipelines/{pipeline.id}/runs", "{}"))
        self.endpoint_rows = rows
        hooks = await self._call(event_webhooks.list_webhooks, user)
        self.webhook_rows = [] if hooks is FAILED else [
            {"name": h.name, "hint": h.url_hint, "events": ", ".join(h.events)} for h in hooks]
        log = await self._call(event_webhooks.delivery_log, user, 20)
        self.delivery_rows = [] if log is FAILED else [
            {"id": str(d.id), "event": d.event or "—", "target": d.target, "status": d.status,
             "attempts": str(d.attempts), "error": (d.last_error or "")[:120], "at": when(d.created_at)}
            for d in log]

    async def create_service_key(self):
        self.error, self.notice, self.service_key = "", "", ""
        user, _ = await acting_user(self)
        created = await self._call(n8n.create_service_key, user)
        if created is not FAILED:
            self.service_key = created.key
            self.notice = f"A key for {created.record.user_email}: copy it now, it is not shown again."

    def set_webhook_name(self, value: str):
        self.webhook_name = value

    def set_webhook_url(self, value: str):
        self.webhook_url = value

    def toggle_webhook_event(self, event: str):
        self.webhook_events = ([e for e in self.webhook_events if e != event] if event in self.webhook_events
                               else [*self.webhook_events, event])

    async def add_webhook(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        added = await self._call(event_webhooks.add_webhook, user, self.webhook_name, self.webhook_url,
                                 self.webhook_events)
        if added is not FAILED:
            self.notice = f"Webhook {added.name} ({added.url_hint}) gets {', '.join(added.events)}."
            self.webhook_name, self.webhook_url = "", ""
            await self._fetch()

    async def delete_webhook(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        if await self._call(event_webhooks.delete_webhook, user, name) is not FAILED:
            self.notice = f"Webhook {name} deleted."
            await self._fetch()


def _endpoint(kind: str, name: str, path: str, body: str) -> dict[str, str]:
    curl = (f'curl -X POST "$WORKBENCH_URL{path}" -H "Authorization: Bearer $WORKBENCH_API_KEY"'
            f" -H 'Content-Type: application/json' -d '{body}'")
    return {"kind": kind, "name": name, "path": path, "curl": curl}
