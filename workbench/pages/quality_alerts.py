"""Data Quality › Alerts (admins): channels, rules, and the delivery log."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.pages.quality import tabs
from workbench.state.alerts import EVENTS, AlertsState

A = AlertsState


def channel_row(row: rx.Var) -> rx.Component:
    """One channel: name, kind, masked URL, Test and Delete (also on Settings › Integrations)."""
    return rx.table.row(
        rx.table.cell(row["name"]), rx.table.cell(row["kind"]), rx.table.cell(rx.code(row["hint"])),
        rx.table.cell(row["created"]),
        rx.table.cell(rx.hstack(
            rx.button("Send test", size="1", variant="soft", on_click=A.send_test(row["name"]),
                      id="test-" + row["name"].to(str)),
            rx.button("Delete", size="1", variant="soft", color_scheme="red", on_click=A.delete_channel(row["name"])),
            spacing="2")),
        class_name="channel-row")


def _rule_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        *[rx.table.cell(row[k]) for k in ("name", "event", "channel", "table", "threshold", "recipients",
                                          "cooldown", "enabled")],
        rx.table.cell(rx.button("Delete", size="1", variant="soft", color_scheme="red",
                                on_click=A.delete_rule(row["name"]))),
        class_name="rule-row")


def _delivery_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["at"]), rx.table.cell(rx.badge(row["status"], color_scheme=row["colour"])),
        *[rx.table.cell(row[k]) for k in ("channel", "rule", "event", "title", "recipients", "attempts", "error")],
        class_name="delivery-row")


def channel_form() -> rx.Component:
    """The form that adds a channel (also on Settings › Integrations)."""
    return rx.card(rx.vstack(
        rx.text("Add a channel", weight="bold", size="2"),
        rx.text("An Apprise URL: slack://TokenA/TokenB/TokenC, mmost://host/token, "
                "mailto://user:password@smtp.host?to=team@company.ph, json://host/path. It is stored encrypted and"
                " only a masked form is shown again.", size="1", color_scheme="gray"),
        rx.hstack(rx.input(value=A.channel_name, on_change=A.set_channel_name, placeholder="name", id="channel-name",
                           width="180px"),
                  rx.input(value=A.channel_url, on_change=A.set_channel_url, placeholder="slack://…", type="password",
                           id="channel-url", width="100%"),
                  rx.button("Add channel", on_click=A.add_channel, id="add-channel"), width="100%"),
        spacing="2", width="100%"), width="100%")


def _rule_form() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text("Add a rule", weight="bold", size="2"),
        rx.hstack(
            rx.input(value=A.rule_name, on_change=A.set_rule_name, placeholder="name", id="rule-name", width="160px"),
            rx.select(EVENTS, value=A.rule_event, on_change=A.set_rule_event, id="rule-event"),
            rx.select(A.channel_names, value=A.rule_channel, on_change=A.set_rule_channel, id="rule-channel",
                      placeholder="channel"),
            rx.input(value=A.rule_table, on_change=A.set_rule_table, placeholder="schema.table (optional)",
                     id="rule-table", width="200px"),
            rx.input(value=A.rule_threshold, on_change=A.set_rule_threshold, placeholder="threshold",
                     id="rule-threshold", width="100px"),
            rx.input(value=A.rule_recipients, on_change=A.set_rule_recipients, placeholder="recipients (emails)",
                     id="rule-recipients", width="220px"),
            rx.input(value=A.rule_cooldown, on_change=A.set_rule_cooldown, id="rule-cooldown", width="70px"),
            rx.text("min", size="1"),
            rx.button("Add rule", on_click=A.add_rule, id="add-rule"),
            spacing="2", wrap="wrap", align="center"),
        spacing="2", width="100%"), width="100%")


def alerts_page() -> rx.Component:
    """/quality/alerts"""
    return page_frame(
        "Alerts",
        tabs("Alerts"),
        rx.cond(A.error != "", rx.callout(A.error, color_scheme="red", size="1", id="alerts-error")),
        rx.cond(A.notice != "", rx.callout(A.notice, color_scheme="green", size="1", id="alerts-notice")),
        rx.text("Channels", weight="bold", size="3"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Name", "Kind", "URL (masked)", "Added", "")])), rx.table.body(rx.foreach(A.channel_rows, channel_row)),
            width="100%", id="channels"),
        channel_form(),
        rx.text("Rules", weight="bold", size="3"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "Name", "Event", "Channel", "Table", "Threshold", "Recipients", "Cooldown", "", "")])),
            rx.table.body(rx.foreach(A.rule_rows, _rule_row)), width="100%", id="rules"),
        _rule_form(),
        rx.text("Delivery log", weight="bold", size="3"),
        rx.table.root(rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
            "When", "Status", "Channel", "Rule", "Event", "Title", "Recipients", "Attempts", "Last error")])),
            rx.table.body(rx.foreach(A.delivery_rows, _delivery_row)), width="100%", size="1", id="deliveries"),
    )
