"""SQL Editor (PRD 3.3): catalog sidebar, CodeMirror editor, results, history, saved snippets, exports."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.components.sql_editor import sql_editor
from workbench.formatting import NULL
from workbench.state.sql_editor import SqlEditorState

S = SqlEditorState


def _sidebar() -> rx.Component:
    return rx.vstack(
        rx.text("Catalog", weight="bold", size="2"),
        rx.foreach(S.tables, lambda t: rx.vstack(
            rx.link(t["name"], on_click=S.toggle_table(t["name"]), size="1", class_name="catalog-table",
                    cursor="pointer", underline="hover"),
            rx.cond(S.open_table == t["name"], rx.vstack(
                rx.foreach(S.open_columns, lambda c: rx.text(
                    c["name"], rx.text.span(" ", c["type"], color="var(--gray-10)"), size="1",
                    class_name="catalog-column")),
                spacing="0", padding_left="10px")),
            spacing="0", width="100%")),
        width="240px", min_width="240px", spacing="1", max_height="calc(100vh - 140px)", overflow_y="auto",
        padding_right="8px", border_right="1px solid var(--gray-5)", id="sql-catalog",
    )


def _toolbar() -> rx.Component:
    export = lambda fmt, label: rx.link(  # noqa: E731
        rx.button(label, variant="soft", size="2"), href="/api/export/" + S.history_id + "." + fmt,
        is_external=True, id=f"export-{fmt}")
    return rx.hstack(
        rx.button(rx.icon("play", size=14), "Run", on_click=rx.call_script("window.wbRunSelection()"),
                  loading=S.running, id="run-sql"),
        rx.button("Cancel", on_click=S.cancel, color_scheme="red", variant="soft", disabled=~S.running,
                  id="cancel-sql"),
        rx.button("Format", on_click=S.format_sql, variant="soft", id="format-sql"),
        rx.button("Save snippet", on_click=S.open_save, variant="soft", id="save-snippet"),
        rx.cond(S.editing_id != "", rx.button("Update snippet", on_click=S.update_snippet, variant="soft",
                                              color_scheme="green", id="update-snippet")),
        rx.cond(S.history_id != "", rx.hstack(rx.text("Export", size="2", color_scheme="gray"),
                                                export("csv", "CSV"), export("xlsx", "Excel"),
                                                export("json", "JSON"), align="center", spacing="2")),
        rx.spacer(),
        rx.text("Ctrl/⌘+Enter runs the selection or everything", size="1", color_scheme="gray"),
        width="100%", align="center", spacing="2", wrap="wrap",
    )


def _save_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Save snippet"),
            rx.form(
                rx.vstack(
                    rx.input(name="name", placeholder="Name", required=True, id="snippet-name", width="100%"),
                    rx.text_area(name="description", placeholder="Description", id="snippet-description",
                                 width="100%"),
                    rx.input(name="tags", placeholder="tags, comma separated", id="snippet-tags", width="100%"),
                    rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                              rx.button("Save", type="submit", id="snippet-save"), justify="end", width="100%"),
                    spacing="3",
                ),
                on_submit=S.save_snippet, reset_on_submit=True,
            ),
        ),
        open=S.save_open, on_open_change=S.set_save_open,
    )


def _cell(value: rx.Var, index: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.cond(value == NULL, rx.text("NULL", color="var(--gray-9)", style={"font-style": "italic"}), value),
        text_align=rx.cond(S.numeric[index], "right", "left"), white_space="pre", class_name="result-cell",
        on_click=S.copy_cell(value), cursor="copy", title="Click to copy",
    )


def _results() -> rx.Component:
    header = rx.table.row(rx.foreach(S.columns, lambda name, i: rx.table.column_header_cell(
        rx.vstack(rx.text(name, size="2"), rx.text(S.column_types[i], size="1", color_scheme="gray",
                                                   weight="regular"), spacing="0"),
        on_click=S.sort_by(i), cursor="pointer", text_align=rx.cond(S.numeric[i], "right", "left"),
        class_name="result-header")))
    pager = rx.cond(S.rows.length() > 0, rx.hstack(
        rx.text(S.page_label, size="1", color_scheme="gray"),
        rx.button("‹", size="1", variant="soft", on_click=S.previous_page, disabled=S.page == 0),
        rx.button("›", size="1", variant="soft", on_click=S.next_page, disabled=S.page >= S.last_page),
        rx.cond(S.has_more, rx.button("Load 1,000 more", size="1", on_click=S.load_more, id="load-more")),
        align="center", spacing="2"))
    return rx.vstack(
        rx.hstack(rx.text(S.summary, size="2", id="result-summary"), rx.spacer(), pager,
                  width="100%", align="center", spacing="2"),
        rx.cond((S.summary == "") & ~S.running, rx.text(
            "Run a query (Ctrl/⌘+Enter) to see its rows here.", size="2", color_scheme="gray")),
        rx.cond(S.columns.length() > 0, rx.box(
            rx.table.root(rx.table.header(header),
                          rx.table.body(rx.foreach(S.page_rows, lambda row: rx.table.row(
                              rx.foreach(row, _cell), class_name="result-row"))),
                          size="1", variant="surface", id="results-table"),
            overflow_x="auto", width="100%")),
        width="100%", spacing="2",
    )


def _search_form(placeholder: str, input_id: str, on_submit) -> rx.Component:
    return rx.form(rx.hstack(rx.input(name="q", placeholder=placeholder, id=input_id),
                             rx.button("Search", type="submit", variant="soft")), on_submit=on_submit)


def _history() -> rx.Component:
    return rx.vstack(
        _search_form("search your history", "history-search", S.search_history),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("When", "User", "SQL", "Status", "Rows", "ms")])),
            rx.table.body(rx.foreach(S.history, lambda h: rx.table.row(
                rx.table.cell(h["when"], white_space="nowrap"), rx.table.cell(h["user"]),
                rx.table.cell(rx.link(rx.code(h["sql"], size="1"), on_click=S.load_sql(h["sql"]),
                                      cursor="pointer"), max_width="520px"),
                rx.table.cell(rx.badge(h["status"], color_scheme=rx.match(
                    h["status"], ("completed", "green"), ("failed", "red"), ("cancelled", "amber"), "gray")),
                    title=h["error"]),
                rx.table.cell(h["rows"], text_align="right"), rx.table.cell(h["ms"], text_align="right"),
                class_name="history-row"))),
            size="1", width="100%", id="history-table"),
        rx.cond(S.history.length() == 0, rx.text("No queries found.", size="2", color_scheme="gray")),
        width="100%",
    )


def _snippets() -> rx.Component:
    return rx.vstack(
        _search_form("search by name or tag", "snippet-search", S.search_snippets),
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Name", "Tags", "Owner", "SQL", "")])),
            rx.table.body(rx.foreach(S.snippet_rows, lambda s: rx.table.row(
                rx.table.cell(rx.vstack(rx.link(s["name"], href="/sql/snippets/" + s["id"], weight="medium",
                                                class_name="snippet-link"),
                                        rx.text(s["description"], size="1", color_scheme="gray"), spacing="0")),
                rx.table.cell(s["tags"]), rx.table.cell(s["owner"]),
                rx.table.cell(rx.code(s["sql"], size="1"), max_width="420px"),
                rx.table.cell(rx.hstack(
                    rx.button("Load", size="1", variant="soft", on_click=S.load_sql(s["sql"]), class_name="load"),
                    rx.cond(s["mine"] == "yes", rx.hstack(
                        rx.button("Edit", size="1", variant="soft", class_name="edit",
                                  on_click=S.edit_snippet(s["id"], s["name"], s["sql"])),
                        rx.button("Delete", size="1", variant="soft", color_scheme="red", class_name="delete",
                                  on_click=S.delete_snippet(s["id"])))))),
                class_name="snippet-row"))),
            size="1", width="100%", id="snippets-table"),
        rx.cond(S.snippet_rows.length() == 0, rx.text("No snippets found. Save one with Save snippet.",
                                                      size="2", color_scheme="gray")),
        width="100%",
    )


def sql_editor_page() -> rx.Component:
    """The page."""
    return page_frame(
        "SQL Editor",
        rx.hstack(
            _sidebar(),
            rx.vstack(
                _toolbar(),
                sql_editor(value=S.sql_text, revision=S.text_revision, schema=S.schema, error_pos=S.error_pos,
                           error_message=S.error, on_change=S.set_sql_text, on_run=S.run, id="sql-editor",
                           height="260px"),
                rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", id="sql-error", width="100%")),
                rx.cond(S.notice != "", rx.text(S.notice, size="2", color_scheme="green", id="sql-notice")),
                rx.tabs.root(
                    rx.tabs.list(rx.tabs.trigger("Results", value="results", id="tab-results"),
                                 rx.tabs.trigger("History", value="history", id="tab-history"),
                                 rx.tabs.trigger("Saved Snippets", value="snippets", id="tab-snippets")),
                    rx.tabs.content(_results(), value="results", padding_top="8px"),
                    rx.tabs.content(_history(), value="history", padding_top="8px"),
                    rx.tabs.content(_snippets(), value="snippets", padding_top="8px"),
                    value=S.tab, on_change=S.set_tab, width="100%",
                ),
                width="100%", min_width="0", spacing="3",
            ),
            width="100%", align="start", spacing="4",
        ),
        _save_dialog(),
    )
