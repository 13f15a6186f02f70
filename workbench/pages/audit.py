"""Settings › Audit Logs (Admin): the append-only trail, filterable."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.audit import AuditState


def _row(entry: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(entry["when"], white_space="nowrap"),
        rx.table.cell(entry["actor"]),
        rx.table.cell(rx.badge(entry["action"], variant="soft"), class_name="audit-action"),
        rx.table.cell(entry["target"]),
        rx.table.cell(entry["client"]),
        rx.table.cell(rx.text(entry["details"], size="1", color_scheme="gray")),
        class_name="audit-row",
    )


def audit_page() -> rx.Component:
    """The page."""
    return page_frame(
        "Audit Logs",
        rx.hstack(
            rx.select(AuditState.actions, value=AuditState.action, on_change=AuditState.set_action,
                      id="audit-action-filter"),
            rx.form(
                rx.hstack(rx.input(name="search", placeholder="search actor or target", id="audit-search"),
                          rx.button("Search", type="submit", variant="soft")),
                on_submit=AuditState.apply_search,
            ),
            spacing="3", align="center",
        ),
        rx.cond(AuditState.error != "", rx.callout(AuditState.error, color_scheme="red", width="100%")),
        rx.table.root(
            rx.table.header(rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("When", "Actor", "Action", "Target", "Client", "Details")])),
            rx.table.body(rx.foreach(AuditState.rows, _row)),
            width="100%", size="1", id="audit-table",
        ),
        rx.cond(AuditState.has_more, rx.button("Load more", variant="soft", on_click=AuditState.more)),
    )
