"""Settings › Users & Roles › a user (Admin)."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.user_detail import UserDetailState as S


def _fact(label: str, value: rx.Var | str, element_id: str) -> rx.Component:
    return rx.hstack(rx.text(label, weight="medium", size="2", min_width="120px"), rx.text(value, size="2",
                                                                                       id=element_id), spacing="3")


def _account() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.email, size="4", id="detail-email"),
        _fact("Name", S.name, "detail-name"),
        _fact("Created", S.created, "detail-created"),
        _fact("Last sign-in", S.last_login, "detail-last-login"),
        rx.hstack(rx.text("Role", weight="medium", size="2", min_width="120px"),
                  rx.select(S.roles, value=S.role, on_change=S.change_role, id="detail-role", size="1"),
                  rx.badge(rx.cond(S.active, "active", "disabled"), color_scheme=rx.cond(S.active, "green", "gray"),
                           id="detail-status"), align="center", spacing="3"),
        rx.hstack(
            rx.button(rx.cond(S.active, "Disable", "Enable"), variant="soft", on_click=S.toggle_active,
                      color_scheme=rx.cond(S.active, "red", "green"), id="detail-toggle"),
            rx.button("Reset password", variant="soft", on_click=S.reset_password, id="detail-reset-password"),
            spacing="3"),
        spacing="2", width="100%"), width="100%")


def _secret() -> rx.Component:
    return rx.cond(S.secret != "", rx.callout.root(rx.hstack(
        rx.callout.text(S.secret_label), rx.code(S.secret, id="detail-secret"),
        rx.button("Done", size="1", variant="soft", on_click=S.forget_secret), align="center", wrap="wrap"),
        color_scheme="green", width="100%"))


def _key_row(key: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(key["prefix"])), rx.table.cell(key["name"]), rx.table.cell(key["created"]),
        rx.table.cell(key["last_used"]),
        rx.table.cell(rx.badge(key["status"], color_scheme=rx.cond(key["status"] == "active", "green", "gray"))),
        rx.table.cell(rx.cond(key["status"] == "active", rx.button("Revoke", size="1", color_scheme="red",
                                                                   variant="soft",
                                                                   on_click=S.revoke_key(key["prefix"])))),
        class_name="key-row")


def _keys() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("API keys", size="4"),
        rx.form(rx.hstack(rx.input(name="name", placeholder="key name, e.g. n8n", id="new-key-name"),
                          rx.button("Create key", type="submit", id="create-key"), spacing="2"),
                on_submit=S.create_key, reset_on_submit=True),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Prefix", "Name", "Created", "Last used", "Status", "")])),
            rx.table.body(rx.foreach(S.keys, _key_row)), size="1", width="100%", id="keys-table"),
        rx.cond(S.keys.length() == 0, rx.text("No keys yet.", size="2", color_scheme="gray")),
        spacing="3", width="100%"), width="100%")


def _recent() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Recent audit entries", size="4"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("When", "Actor", "Action", "Target", "Details")])),
            rx.table.body(rx.foreach(S.recent, lambda e: rx.table.row(
                rx.table.cell(e["when"], white_space="nowrap"), rx.table.cell(e["actor"]),
                rx.table.cell(rx.badge(e["action"], variant="soft")), rx.table.cell(e["target"]),
                rx.table.cell(rx.text(e["details"], size="1", color_scheme="gray")), class_name="user-audit-row"))),
            size="1", width="100%", id="user-audit"),
        spacing="3", width="100%"), width="100%")


def user_detail_page() -> rx.Component:
    """The page."""
    return page_frame(
        "User",
        rx.link("← Users & Roles", href="/settings/users", size="2"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%", id="detail-error")),
        rx.cond(S.notice != "", rx.callout(S.notice, color_scheme="blue", width="100%", id="detail-notice")),
        rx.cond(S.email != "", rx.vstack(_secret(), _account(), _keys(), _recent(), spacing="4", width="100%")),
    )
