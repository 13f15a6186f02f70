"""Home (PRD 3.1): KPI cards, recent activity, quick actions, alerts."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.auth import AuthState
from workbench.state.home import HomeState


def _alert(alert: rx.Var) -> rx.Component:
    color = rx.match(alert["severity"], ("error", "red"), ("warning", "amber"), "blue")
    return rx.hstack(
        rx.icon("triangle-alert", size=18),
        rx.vstack(
            rx.text(alert["message"], size="2", class_name="alert-message"),
            rx.text(alert["source"], " · ", alert["when"], size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        rx.icon_button(rx.icon("x", size=14), variant="ghost", size="1", aria_label="Dismiss alert",
                       on_click=HomeState.dismiss(alert["id"]), class_name="dismiss-alert"),
        align="center", width="100%", padding="12px", border_radius="8px",
        background=f"var(--{color}-3)", color=f"var(--{color}-11)", class_name="alert-banner",
    )


def _kpi_card(kpi: rx.Var) -> rx.Component:
    card = rx.card(
        rx.vstack(
            rx.text(kpi["title"], size="2", color_scheme="gray"),
            rx.heading(kpi["value"], size="7", id="kpi-" + kpi["key"].to(str)),
            rx.text(kpi["caption"], size="1", color_scheme="gray"),
            rx.cond(kpi["trend"] != "", rx.text(kpi["trend"], size="1", weight="medium",
                                                id="kpi-trend-" + kpi["key"].to(str))),
            spacing="1",
        ),
        width="100%",
    )
    return rx.cond(kpi["link"] != "", rx.link(card, href=kpi["link"], underline="none", width="100%",
                                              class_name="kpi-link"), card)


def _activity_row(item: rx.Var) -> rx.Component:
    title = rx.cond(item["link"] != "", rx.link(item["title"], href=item["link"], class_name="activity-link"),
                    rx.text(item["title"]))
    return rx.table.row(
        rx.table.cell(item["when"], white_space="nowrap"),
        rx.table.cell(rx.badge(item["kind"], variant="soft")),
        rx.table.cell(title),
        rx.table.cell(item["status"]),
        class_name="activity-row",
    )


def home_page() -> rx.Component:
    """The dashboard."""
    return page_frame(
        "Home",
        rx.cond(HomeState.error != "", rx.callout(HomeState.error, color_scheme="red")),
        rx.vstack(rx.foreach(HomeState.alerts, _alert), width="100%", spacing="2", id="alerts"),
        rx.grid(
            rx.vstack(rx.foreach(HomeState.kpis, _kpi_card), spacing="3", width="100%", id="kpis"),
            rx.card(
                rx.vstack(
                    rx.heading("Recent activity", size="4"),
                    rx.cond(
                        HomeState.activity.length() > 0,
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell("When"), rx.table.column_header_cell("Kind"),
                                rx.table.column_header_cell("What"), rx.table.column_header_cell("Status"))),
                            rx.table.body(rx.foreach(HomeState.activity, _activity_row)),
                            size="1", width="100%", id="activity",
                        ),
                        rx.text("No activity yet.", color_scheme="gray"),
                    ),
                    spacing="3", width="100%",
                ),
                width="100%",
            ),
            rx.card(
                rx.vstack(
                    rx.heading("Quick actions", size="4"),
                    rx.cond(
                        AuthState.quick_actions.length() > 0,
                        rx.vstack(
                            rx.foreach(AuthState.quick_actions, lambda a: rx.link(
                                rx.button(a["label"], variant="soft", width="100%"), href=a["route"],
                                width="100%")),
                            width="100%", id="quick-actions",
                        ),
                        rx.text("Nothing to start from here for your role yet.", color_scheme="gray", size="2"),
                    ),
                    spacing="3", width="100%",
                ),
                width="100%",
            ),
            columns="1fr 2fr 1fr", spacing="4", width="100%",
        ),
    )
