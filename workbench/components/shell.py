"""The app shell: header with user menu, left navigation, page frame with the access guard."""

from __future__ import annotations

import reflex as rx

from workbench.state.auth import AuthState
from workbench.state.search import SearchState


def _logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.box(rx.text("W", weight="bold", color="white"), background="var(--indigo-9)",
                   border_radius="6px", padding_x="8px", padding_y="2px"),
            rx.heading("Workbench", size="4"),
            align="center", spacing="2",
        ),
        href="/", underline="none", color="inherit",
    )


def user_menu() -> rx.Component:
    """Avatar with name, role and sign-out."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=AuthState.user_initials, size="2", radius="full"),
                rx.vstack(
                    rx.text(AuthState.user_name, size="2", weight="medium", id="user-name"),
                    rx.text(AuthState.user_role, size="1", color_scheme="gray", id="user-role"),
                    spacing="0", align="start",
                ),
                variant="ghost", id="user-menu", height="auto", padding="4px",
            ),
        ),
        rx.menu.content(
            rx.menu.item(rx.text(AuthState.user_email), disabled=True),
            rx.menu.separator(),
            rx.menu.item("Sign out", on_click=AuthState.logout, id="logout", color_scheme="red"),
        ),
    )


def _suggestion(item: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon(rx.cond(item["kind"] == "table", "table", "columns-2"), size=14, color="var(--gray-10)"),
        rx.text(item["label"], size="2"),
        rx.spacer(),
        rx.text(item["match"], size="1", color_scheme="gray"),
        on_mouse_down=SearchState.open_table(item["table"]), cursor="pointer", width="100%", padding_x="10px",
        padding_y="6px", align="center", class_name="search-suggestion", _hover={"background": "var(--gray-3)"},
    )


def header_search() -> rx.Component:
    """Catalog search in the header: suggestions while typing, Enter for every result."""
    return rx.box(
        rx.form(
            rx.debounce_input(
                rx.input(value=SearchState.query, on_change=SearchState.suggest, name="q", id="header-search",
                         placeholder="Search the catalog…", width="100%", auto_complete="off",
                         on_blur=SearchState.hide, on_key_down=SearchState.key),
                debounce_timeout=200),
            on_submit=SearchState.submit, width="100%",
        ),
        rx.cond(
            (SearchState.suggestions.length() > 0) | (SearchState.message != ""),
            rx.vstack(
                rx.foreach(SearchState.suggestions, _suggestion),
                rx.cond(SearchState.message != "", rx.text(SearchState.message, size="1", padding="8px")),
                position="absolute", top="36px", left="0", width="100%", spacing="0", z_index="50",
                background="var(--color-panel-solid)", border="1px solid var(--gray-6)", border_radius="8px",
                box_shadow="0 8px 24px rgba(0,0,0,0.12)", id="search-suggestions", padding_y="4px",
            ),
        ),
        position="relative", width="420px",
    )


def header() -> rx.Component:
    """Top bar."""
    return rx.hstack(
        _logo(),
        rx.spacer(),
        rx.cond(AuthState.user_role != "", header_search()),
        rx.spacer(),
        user_menu(),
        align="center", width="100%", padding_x="20px", padding_y="10px",
        border_bottom="1px solid var(--gray-5)", background="var(--color-panel-solid)",
    )


def _nav_link(item: rx.Var) -> rx.Component:
    active = AuthState.router.url.path == item["route"]
    return rx.link(
        rx.text(item["label"], size="2"),
        href=item["route"],
        underline="none",
        color=rx.cond(active, "var(--indigo-11)", "var(--gray-12)"),
        background=rx.cond(active, "var(--indigo-3)", "transparent"),
        padding_x="10px", padding_y="6px", border_radius="6px", width="100%",
        class_name="nav-link",
    )


def sidebar() -> rx.Component:
    """Left navigation: PRD section 2 order, only what the role may open."""
    return rx.vstack(
        rx.foreach(
            AuthState.nav_items,
            lambda item: rx.vstack(
                rx.cond(item["heading"] != "",
                        rx.text(item["heading"], size="1", color_scheme="gray", weight="bold",
                                padding_x="10px", padding_top="8px")),
                _nav_link(item),
                spacing="1", width="100%",
            ),
        ),
        width="220px", min_width="220px", padding="12px", spacing="1", id="sidebar",
        border_right="1px solid var(--gray-5)", min_height="calc(100vh - 58px)",
    )


def flash_banner() -> rx.Component:
    """The message left by an access check that sent the user here."""
    return rx.cond(
        AuthState.flash != "",
        rx.callout.root(
            rx.hstack(
                rx.callout.icon(rx.icon("shield-alert")),
                rx.callout.text(AuthState.flash, id="flash-message"),
                rx.spacer(),
                rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1",
                               on_click=AuthState.dismiss_flash, aria_label="Dismiss"),
                align="center", width="100%",
            ),
            color_scheme="amber", width="100%",
        ),
    )


def page_frame(title: str, *children: rx.Component) -> rx.Component:
    """Shell around a page; its content renders only after the server's access check passes."""
    return rx.vstack(
        header(),
        rx.hstack(
            sidebar(),
            rx.vstack(
                flash_banner(),
                rx.cond(
                    AuthState.page_ready,
                    rx.vstack(rx.heading(title, size="6"), *children, spacing="4", width="100%"),
                    rx.center(rx.spinner(size="3"), width="100%", padding="40px"),
                ),
                padding="24px", spacing="4", width="100%", max_width="1280px", min_width="0",
            ),
            align="start", spacing="0", width="100%",
        ),
        spacing="0", width="100%", min_height="100vh",
    )
