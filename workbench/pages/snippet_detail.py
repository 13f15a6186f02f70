"""SQL Editor › a saved snippet (everyone who may run SQL reads it; its owner and admins edit or delete)."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.snippet_detail import SnippetDetailState as S


def _fact(label: str, value: rx.Var | str, element_id: str) -> rx.Component:
    return rx.hstack(rx.text(label, weight="medium", size="2", min_width="110px"),
                     rx.text(value, size="2", id=element_id), spacing="3")


def _view() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.name, size="4", id="snippet-name-heading"),
        rx.text(S.description, size="2", id="snippet-detail-description"),
        _fact("Tags", S.tags, "snippet-detail-tags"),
        _fact("Owner", S.owner, "snippet-detail-owner"),
        _fact("Changed", S.updated, "snippet-detail-updated"),
        rx.code_block(S.sql, language="sql", width="100%", id="snippet-detail-sql"),
        rx.hstack(
            rx.link(rx.button("Open in SQL Editor", variant="soft"), href=S.editor_link, id="snippet-open"),
            rx.cond(S.mine, rx.hstack(
                rx.button("Edit", on_click=S.start_editing, id="snippet-edit"),
                rx.alert_dialog.root(
                    rx.alert_dialog.trigger(rx.button("Delete", color_scheme="red", variant="soft",
                                                      id="snippet-delete")),
                    rx.alert_dialog.content(
                        rx.alert_dialog.title("Delete this snippet?"),
                        rx.alert_dialog.description("The runs in the history stay."),
                        rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                                  rx.alert_dialog.action(rx.button("Delete", color_scheme="red", on_click=S.delete,
                                                                   id="snippet-delete-confirm")),
                                  justify="end", spacing="3"))),
                spacing="3")),
            spacing="3"),
        spacing="3", width="100%"), width="100%")


def _edit() -> rx.Component:
    return rx.card(rx.form(rx.vstack(
        rx.input(name="name", default_value=S.name, id="edit-name", width="100%", required=True),
        rx.text_area(name="description", default_value=S.description, id="edit-description", width="100%"),
        rx.input(name="tags", default_value=S.tags, placeholder="tags, comma separated", id="edit-tags",
                 width="100%"),
        rx.text_area(name="sql", default_value=S.sql, id="edit-sql", width="100%", rows="8",
                     style={"font-family": "monospace"}),
        rx.hstack(rx.button("Cancel", type="button", variant="soft", on_click=S.stop_editing),
                  rx.button("Save", type="submit", id="edit-save"), spacing="3"),
        spacing="3", width="100%"), on_submit=S.save), width="100%")


def _runs() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Runs of this SQL", size="4"),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("When", "User", "Status", "Rows", "ms")])),
            rx.table.body(rx.foreach(S.runs, lambda r: rx.table.row(
                rx.table.cell(r["when"], white_space="nowrap"), rx.table.cell(r["user"]),
                rx.table.cell(rx.badge(r["status"], color_scheme=rx.match(
                    r["status"], ("completed", "green"), ("failed", "red"), ("cancelled", "amber"), "gray")),
                    title=r["error"]),
                rx.table.cell(r["rows"], text_align="right"), rx.table.cell(r["ms"], text_align="right"),
                class_name="snippet-run-row"))),
            size="1", width="100%", id="snippet-runs"),
        rx.cond(S.runs.length() == 0, rx.text("Not run yet (by you).", size="2", color_scheme="gray")),
        spacing="3", width="100%"), width="100%")


def snippet_detail_page() -> rx.Component:
    """The page."""
    return page_frame(
        "Snippet",
        rx.link("← SQL Editor", href="/sql", size="2"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%", id="snippet-detail-error")),
        rx.cond(S.notice != "", rx.callout(S.notice, color_scheme="blue", width="100%", id="snippet-detail-notice")),
        rx.cond(S.name != "", rx.vstack(rx.cond(S.editing, _edit(), _view()), _runs(), spacing="4", width="100%")),
    )
