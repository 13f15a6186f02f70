"""Settings › Integrations (admins): one card per integration with its status, Test, edit and actions."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.pages.quality_alerts import channel_form, channel_row
from workbench.state.alerts import AlertsState
from workbench.state.integrations import ODOO_MODELS, WEBHOOK_EVENTS, IntegrationsState

S = IntegrationsState
A = AlertsState


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"), control, spacing="1", width="100%")


def _odoo_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Odoo", size="4"),
                  rx.cond(S.odoo_configured, rx.badge("configured", color_scheme="green", id="odoo-badge"),
                          rx.badge("not configured", color_scheme="gray", id="odoo-badge")),
                  rx.spacer(),
                  rx.text("Last success: ", S.odoo_last_success, size="1", color_scheme="gray", id="odoo-success"),
                  width="100%", align="center"),
        rx.cond(S.odoo_last_error != "", rx.text("Last error: ", S.odoo_last_error, size="1", color_scheme="red",
                                                 id="odoo-last-error")),
        rx.grid(
            _field("URL", rx.input(value=S.odoo_url, on_change=S.set_odoo_url, placeholder="https://odoo.example.com",
                                   id="odoo-url", width="100%")),
            _field("Database", rx.input(value=S.odoo_database, on_change=S.set_odoo_database, id="odoo-database",
                                        width="100%")),
            _field("User (login)", rx.input(value=S.odoo_login, on_change=S.set_odoo_login, id="odoo-login",
                                            width="100%")),
            _field("API key", rx.input(value=S.odoo_key, on_change=S.set_odoo_key, type="password", id="odoo-key",
                                       placeholder=rx.cond(S.odoo_key_hint != "",
                                                           S.odoo_key_hint + " (leave empty to keep)",
                                                           "Odoo › Preferences › Account Security › New API Key"),
                                       width="100%")),
            columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        rx.hstack(rx.button("Save", on_click=S.save_odoo, id="odoo-save"),
                  rx.button("Test connection", on_click=S.test_odoo, variant="soft", id="odoo-test",
                            disabled=~S.odoo_configured),
                  spacing="2"),
        rx.cond(S.odoo_test_message != "",
                rx.callout(S.odoo_test_message, color_scheme=rx.cond(S.odoo_test_ok, "green", "red"), size="1",
                           id="odoo-test-message")),
        rx.divider(),
        rx.text("Pull into bronze (incremental by write_date; at most WORKBENCH_ODOO_REQUESTS_PER_MINUTE calls a"
                " minute)", size="2", weight="bold"),
        rx.hstack(rx.select(ODOO_MODELS, value=S.pull_model, on_change=S.set_pull_model, id="pull-model"),
                  rx.input(value=S.pull_target, on_change=S.set_pull_target, id="pull-target", width="280px"),
                  rx.button(rx.icon("download", size=14), "Pull", on_click=S.pull, variant="soft", id="odoo-pull",
                            disabled=~S.odoo_configured),
                  spacing="2", align="center"),
        rx.cond(S.pull_message != "", rx.text(S.pull_message, size="2", id="pull-message")),
        spacing="3", width="100%"), width="100%", id="odoo-card")


def _provider_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["name"]), rx.table.cell(row["kind"]), rx.table.cell(row["models"]),
        rx.table.cell(row["base"]), rx.table.cell(row["key"]),
        rx.table.cell(rx.hstack(
            rx.button("Test", size="1", variant="soft", on_click=S.test_provider(row["name"])),
            rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=S.delete_provider(row["name"])),
            spacing="2")),
        class_name="provider-row")


def _providers_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("LLM providers", size="4"),
        rx.text("Keys for OpenAI, Anthropic or any LiteLLM provider, and the models Genie and agents may use. The"
                " local model needs none and stays the default.", size="2", color_scheme="gray"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Name", "Provider", "Models", "API base", "Key", "")])),
            rx.table.body(rx.foreach(S.provider_rows, _provider_row)), width="100%", size="1", id="providers"),
        rx.cond(S.provider_rows.length() == 0, rx.text("No providers yet: Genie and agents use the local model.",
                                                       size="1", color_scheme="gray", id="providers-empty")),
        rx.cond(S.provider_message != "", rx.text(S.provider_message, size="2", id="provider-message")),
        rx.grid(
            _field("Name", rx.input(value=S.provider_name, on_change=S.set_provider_name, placeholder="openai-prod",
                                    id="provider-name", width="100%")),
            _field("Provider", rx.input(value=S.provider_kind, on_change=S.set_provider_kind, id="provider-kind",
                                        width="100%")),
            _field("Models (comma-separated)", rx.input(value=S.provider_models, on_change=S.set_provider_models,
                                                        placeholder="openai/gpt-4o-mini", id="provider-models",
                                                        width="100%")),
            _field("API base (optional)", rx.input(value=S.provider_base, on_change=S.set_provider_base,
                                                   id="provider-base", width="100%")),
            _field("API key", rx.input(value=S.provider_key, on_change=S.set_provider_key, type="password",
                                       placeholder="kept encrypted; leave empty to keep the stored one",
                                       id="provider-key", width="100%")),
            columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%"),
        rx.button("Save provider", on_click=S.save_provider, id="provider-save"),
        spacing="3", width="100%"), width="100%", id="providers-card")


def _langfuse_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Langfuse", size="4"), rx.badge(S.langfuse_source, id="langfuse-source"),
                  align="center"),
        rx.text("Traces of every model call (an agent run's calls in one trace). LANGFUSE_* variables in the"
                " environment win over what is saved here.", size="2", color_scheme="gray"),
        rx.grid(
            _field("Host", rx.input(value=S.langfuse_base, on_change=S.set_langfuse_base,
                                    placeholder="https://cloud.langfuse.com", id="langfuse-base", width="100%")),
            _field("Public key", rx.input(value=S.langfuse_public, on_change=S.set_langfuse_public,
                                          placeholder="pk-lf-…", id="langfuse-public", width="100%")),
            _field("Secret key", rx.input(value=S.langfuse_secret, on_change=S.set_langfuse_secret, type="password",
                                          placeholder=rx.cond(S.langfuse_hint != "",
                                                              S.langfuse_hint + " (leave empty to keep)", "sk-lf-…"),
                                          id="langfuse-secret", width="100%")),
            columns=rx.breakpoints(initial="1", md="3"), spacing="3", width="100%"),
        rx.button("Save Langfuse", on_click=S.save_langfuse, variant="soft", id="langfuse-save"),
        spacing="3", width="100%"), width="100%", id="langfuse-card")


def _n8n_card() -> rx.Component:
    def endpoint(row: rx.Var) -> rx.Component:
        return rx.table.row(rx.table.cell(row["kind"]), rx.table.cell(row["name"]),
                            rx.table.cell(rx.code(row["curl"], size="1")),
                            rx.table.cell(rx.button(rx.icon("copy", size=12), size="1", variant="ghost",
                                                    on_click=rx.set_clipboard(row["curl"]))),
                            class_name="endpoint-row")

    def webhook(row: rx.Var) -> rx.Component:
        return rx.table.row(rx.table.cell(row["name"]), rx.table.cell(row["hint"]), rx.table.cell(row["events"]),
                            rx.table.cell(rx.button("Delete", size="1", variant="soft", color_scheme="red",
                                                    on_click=S.delete_webhook(row["name"]))),
                            class_name="webhook-row")

    def delivery(row: rx.Var) -> rx.Component:
        return rx.table.row(*[rx.table.cell(row[k]) for k in ("at", "event", "target", "status", "attempts",
                                                               "error")], class_name="delivery-row")

    return rx.card(rx.vstack(
        rx.heading("n8n", size="4"),
        rx.text("In: n8n starts deployed agents and pipelines with a service key (Header Auth: Authorization:"
                " Bearer …).", size="2", weight="bold"),
        rx.hstack(rx.button("Create a service key", on_click=S.create_service_key, variant="soft",
                            id="create-service-key"),
                  rx.cond(S.service_key != "", rx.code(S.service_key, id="service-key")), align="center"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Kind", "Name", "Trigger", "")])), rx.table.body(rx.foreach(S.endpoint_rows, endpoint)), width="100%",
            size="1", id="endpoints"),
        rx.text("Out: events POSTed as JSON to n8n Webhook nodes (5 s timeout, retried until they arrive).",
                size="2", weight="bold"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Name", "URL", "Events", "")])), rx.table.body(rx.foreach(S.webhook_rows, webhook)), width="100%",
            size="1", id="webhooks"),
        rx.cond(S.webhook_rows.length() == 0, rx.text("No webhooks yet: add an n8n Webhook node's URL below.",
                                                      size="1", color_scheme="gray")),
        rx.hstack(rx.input(value=S.webhook_name, on_change=S.set_webhook_name, placeholder="name", id="webhook-name",
                           width="160px"),
                  rx.input(value=S.webhook_url, on_change=S.set_webhook_url,
                           placeholder="https://n8n.example.com/webhook/…", id="webhook-url", width="100%"),
                  rx.button("Add webhook", on_click=S.add_webhook, variant="soft", id="add-webhook"),
                  width="100%"),
        rx.hstack(*[rx.checkbox(event, checked=S.webhook_events.contains(event),
                                on_change=lambda _v, e=event: S.toggle_webhook_event(e), id=f"event-{i}")
                    for i, event in enumerate(WEBHOOK_EVENTS)], spacing="3", wrap="wrap"),
        rx.text("Delivery log", size="2", weight="bold"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "At", "Event", "To", "Status", "Attempts", "Last error")])),
            rx.table.body(rx.foreach(S.delivery_rows, delivery)), width="100%", size="1", id="deliveries"),
        rx.cond(S.delivery_rows.length() == 0, rx.text("Nothing delivered yet.", size="1", color_scheme="gray")),
        spacing="3", width="100%"), width="100%", id="n8n-card")


def integrations_page() -> rx.Component:
    """/settings/integrations"""
    return page_frame(
        "Integrations",
        rx.text("Credentials are kept encrypted (WORKBENCH_SECRET_KEY or the key file) and never shown again.",
                size="2", color_scheme="gray"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", size="1", id="integrations-error")),
        rx.cond(S.notice != "", rx.callout(S.notice, color_scheme="green", size="1", id="integrations-notice")),
        _odoo_card(),
        _providers_card(),
        _langfuse_card(),
        _n8n_card(),
        rx.card(rx.vstack(
            rx.heading("Notification channels", size="4"),
            rx.text("Slack, Mattermost, email and webhook channels (Apprise URLs, kept encrypted, shown masked);"
                    " the rules that use them are in Data Quality › Alerts.", size="2", color_scheme="gray"),
            rx.cond(A.error != "", rx.callout(A.error, color_scheme="red", size="1", id="alerts-error")),
            rx.cond(A.notice != "", rx.callout(A.notice, color_scheme="green", size="1", id="alerts-notice")),
            rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                "Name", "Kind", "URL (masked)", "Added", "")])), rx.table.body(rx.foreach(A.channel_rows, channel_row)),
                width="100%", size="1", id="channels"),
            channel_form(),
            rx.link("Rules and their delivery log: Data Quality › Alerts", href="/quality/alerts", id="channels-link"),
            spacing="2", width="100%"), width="100%", id="channels-card"),
    )
