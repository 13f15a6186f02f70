"""Settings › Users & Roles (Admin): create users, change roles, disable and re-enable."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.users import UsersState


def _create_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.hstack(
                rx.input(name="email", placeholder="email", type="email", required=True, id="new-email",
                         width="260px"),
                rx.input(name="full_name", placeholder="full name", id="new-name", width="220px"),
                rx.select(UsersState.roles, value=UsersState.new_role, on_change=UsersState.set_new_role,
                          id="new-role"),
                rx.button("Create user", type="submit", id="create-user"),
                spacing="3", align="center", wrap="wrap",
            ),
            on_submit=UsersState.create,
            reset_on_submit=True,
        ),
        width="100%",
    )


def _created_notice() -> rx.Component:
    return rx.cond(
        UsersState.created_message != "",
        rx.callout.root(
            rx.vstack(
                rx.callout.text(UsersState.created_message, id="created-message"),
                rx.cond(
                    UsersState.created_password != "",
                    rx.hstack(
                        rx.text("Password (shown once):", size="2"),
                        rx.code(UsersState.created_password, id="created-password"),
                        rx.button("Done", size="1", variant="soft", on_click=UsersState.forget_password),
                        align="center",
                    ),
                ),
                spacing="2",
            ),
            color_scheme="green", width="100%",
        ),
    )


def _row(user: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(user["email"], href="/settings/users/" + user["id"]), class_name="user-email"),
        rx.table.cell(user["name"]),
        rx.table.cell(
            rx.select(UsersState.roles, value=user["role"], size="1",
                      on_change=lambda role: UsersState.change_role(user["email"], role)),
        ),
        rx.table.cell(rx.badge(user["status"], color_scheme=rx.cond(user["status"] == "active", "green", "gray"))),
        rx.table.cell(user["last_login"]),
        rx.table.cell(
            rx.button(rx.cond(user["status"] == "active", "Disable", "Enable"), size="1", variant="soft",
                      color_scheme=rx.cond(user["status"] == "active", "red", "green"),
                      on_click=UsersState.toggle_active(user["email"], user["status"])),
        ),
        class_name="user-row",
    )


def users_page() -> rx.Component:
    """The page."""
    return page_frame(
        "Users & Roles",
        _create_form(),
        _created_notice(),
        rx.cond(UsersState.error != "", rx.callout(UsersState.error, color_scheme="red", id="users-error",
                                                    width="100%")),
        rx.table.root(
            rx.table.header(rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Email", "Name", "Role", "Status", "Last sign-in", "")])),
            rx.table.body(rx.foreach(UsersState.rows, _row)),
            width="100%", id="users-table",
        ),
    )
