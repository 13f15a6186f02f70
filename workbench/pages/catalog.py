"""Catalog (PRD 3.2): schema tree, sortable table list, table detail with its actions, sync."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.formatting import NULL
from workbench.pages.catalog_dbt import import_button, import_dialog
from workbench.state.catalog import SORT_LABELS, CatalogState

S = CatalogState


def _messages() -> rx.Component:
    return rx.fragment(
        rx.cond(S.error != "", rx.callout.root(
            rx.callout.text(S.error, id="catalog-error"), color_scheme="red", width="100%")),
        rx.cond(S.notice != "", rx.callout.root(
            rx.callout.text(S.notice, id="catalog-notice"), color_scheme="green", width="100%")),
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.form(
            rx.hstack(
                rx.input(name="q", value=S.search_text, on_change=S.set_search_text, id="catalog-search",
                         placeholder="Search tables and columns: names, descriptions, meaning", width="380px"),
                rx.button(rx.icon("search", size=14), "Search", type="submit", variant="soft"),
                rx.cond(S.searched, rx.button("Clear", on_click=S.clear_search, variant="ghost", type="button")),
                spacing="2",
            ),
            on_submit=S.run_search,
        ),
        rx.spacer(),
        rx.vstack(
            rx.text(S.last_sync, size="1", color_scheme="gray", id="last-sync"),
            rx.text(S.next_sync, size="1", color_scheme="gray"),
            spacing="0", align="end",
        ),
        rx.cond(S.can_edit, rx.button(rx.icon("refresh-cw", size=14), "Sync now", on_click=S.sync_now,
                                      loading=S.syncing, id="sync-catalog", variant="soft")),
        rx.cond(S.can_edit, import_button()),
        width="100%", align="center", spacing="3", wrap="wrap",
    )


def _sync_progress() -> rx.Component:
    return rx.cond(S.syncing, rx.vstack(
        rx.progress(value=S.sync_percent, max=100, width="100%"),
        rx.text(S.sync_message, size="1", color_scheme="gray", id="sync-progress"),
        spacing="1", width="100%"))


def _expanded(schema: rx.Var) -> rx.Component:
    """Under the chosen schema: its tables (this page of the list) and a link to the schema's own page."""
    return rx.vstack(
        rx.foreach(S.tables, lambda t: rx.text(t["name"].to(str).split(".")[1], size="1", cursor="pointer",
                                               on_click=S.open_table(t["name"]), class_name="schema-tree-table",
                                               padding_left="26px")),
        rx.link("Schema details →", href="/catalog/schemas/" + schema.to(str), size="1", padding_left="26px",
                id="schema-details-link"),
        spacing="1", width="100%")


def _tree() -> rx.Component:
    def node(label, count, active, on_click, node_id) -> rx.Component:
        return rx.hstack(
            rx.icon("database", size=14), rx.text(label, size="2"), rx.spacer(),
            rx.badge(count, variant="soft", color_scheme="gray"),
            on_click=on_click, cursor="pointer", width="100%", padding_x="8px", padding_y="5px",
            border_radius="6px", align="center", id=node_id, class_name="schema-node",
            background=rx.cond(active, "var(--indigo-3)", "transparent"),
        )

    return rx.vstack(
        rx.text("Schemas", size="1", weight="bold", color_scheme="gray"),
        node("All schemas", S.total_tables, S.schema == "", S.pick_schema(""), "schema-all"),
        rx.foreach(S.schemas, lambda s: rx.vstack(
            rx.tooltip(node(s["name"], s["count"], S.schema == s["name"], S.pick_schema(s["name"]),
                            "schema-" + s["name"]), content=s["detail"]),
            rx.cond(S.schema == s["name"], _expanded(s["name"])),
            spacing="1", width="100%")),
        width="200px", min_width="200px", spacing="1", id="schema-tree",
    )


def _sort_header(key: str) -> rx.Component:
    arrow = rx.cond(S.sort == key, rx.cond(S.descending, " ↓", " ↑"), "")
    return rx.table.column_header_cell(
        rx.text(SORT_LABELS[key], arrow), on_click=S.sort_by(key), cursor="pointer", id=f"sort-{key}",
        white_space="nowrap")


def _table_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.cond(row["favorite"] != "", rx.icon("star", size=14, color="var(--amber-9)")),
            rx.link(row["name"], on_click=S.open_table(row["name"]), cursor="pointer", class_name="table-link"),
            rx.badge(row["kind"], variant="outline", color_scheme="gray", size="1"),
            align="center", spacing="2"),
            rx.text(row["description"], size="1", color_scheme="gray", trim="end", max_width="420px",
                    white_space="nowrap", overflow="hidden", text_overflow="ellipsis", line_height="1.5")),
        rx.table.cell(row["rows"], text_align="right"),
        rx.table.cell(row["size"], text_align="right"),
        rx.table.cell(row["dq"], text_align="right"),
        rx.table.cell(row["updated"], white_space="nowrap"),
        class_name="catalog-row",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(rx.table.row(*[_sort_header(k) for k in SORT_LABELS])),
            rx.table.body(rx.foreach(S.tables, _table_row)),
            width="100%", size="1", id="catalog-list",
        ),
        rx.hstack(
            rx.text(S.range_label, size="1", color_scheme="gray", id="catalog-range"),
            rx.spacer(),
            rx.button("Previous", on_click=S.go_page(-1), disabled=S.page == 0, variant="soft", size="1"),
            rx.text(S.page + 1, " / ", S.page_count, size="1"),
            rx.button("Next", on_click=S.go_page(1), disabled=S.page + 1 >= S.page_count, variant="soft",
                      size="1", id="catalog-next"),
            width="100%", align="center", spacing="2",
        ),
        width="100%", spacing="2",
    )


def _search_results() -> rx.Component:
    return rx.cond(S.searched, rx.card(rx.vstack(
        rx.text("Search results for “", S.search_text, "”", weight="bold", size="2"),
        rx.cond(S.search_hits.length() == 0, rx.text("Nothing in the catalog matches.", size="2")),
        rx.foreach(S.search_hits, lambda h: rx.hstack(
            rx.icon(rx.cond(h["kind"] == "table", "table", "columns-2"), size=14),
            rx.link(h["label"], on_click=S.open_table(h["table"]), cursor="pointer", class_name="search-hit"),
            rx.badge(h["match"], variant="soft", size="1"),
            align="center", spacing="2")),
        spacing="1", width="100%"), width="100%", id="catalog-search-results"))


def _stat(label: str, value: rx.Var, *extra: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.hstack(rx.text(value, size="3", weight="medium", id="stat-" + label.lower().replace(" ", "-")),
                               *extra, align="center", spacing="2"),
                     spacing="0", min_width="120px")


def _dbt_badge(element_id: str | None = None, class_name: str = "") -> rx.Component:
    """The mark of a description that comes from a dbt project's docs."""
    return rx.badge("dbt", color_scheme="orange", variant="soft", size="1", title="Documented in dbt",
                    class_name=class_name, **({"id": element_id} if element_id else {}))


def _description() -> rx.Component:
    shown = rx.vstack(
        rx.hstack(
            rx.text(rx.cond(S.detail["description"] != "", S.detail["description"], "No description yet."),
                    size="2", id="table-description"),
            rx.cond(S.detail["origin"] == "dbt", _dbt_badge("dbt-badge")),
            rx.cond(S.can_edit, rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1",
                                               on_click=S.start_edit_description, id="edit-description",
                                               aria_label="Edit description")),
            align="start", spacing="2", width="100%"),
        rx.cond(S.detail["origin"] == "database",
                rx.text("From the database comment.", size="1", color_scheme="gray")),
        rx.cond(S.detail["origin"] == "dbt",
                rx.text("From the dbt docs of ", rx.code(S.detail["dbt_model"], variant="ghost"),
                        "; a description written here wins.", size="1", color_scheme="gray", id="dbt-origin")),
        rx.cond((S.detail["ours"] != "") & (S.detail["dbt"] != ""),
                rx.text("dbt: ", S.detail["dbt"], size="1", color_scheme="gray", id="dbt-description")),
        rx.cond((S.detail["ours"] != "") & (S.detail["db_comment"] != ""),
                rx.text("Database comment: ", S.detail["db_comment"], size="1", color_scheme="gray")),
        spacing="1", width="100%")
    editor = rx.form(rx.vstack(
        rx.text_area(name="description", default_value=S.detail["ours"], id="description-input", width="100%",
                     placeholder="Describe this table for the team (empty shows the database comment)"),
        rx.input(name="owner", default_value=S.detail["owner"], placeholder="Owner's email", id="owner-input",
                 width="320px"),
        rx.hstack(rx.button("Save", type="submit", id="save-description"),
                  rx.button("Cancel", variant="soft", type="button", on_click=S.cancel_edit), spacing="2"),
        spacing="2", width="100%"), on_submit=S.save_description, width="100%")
    return rx.cond(S.editing_description, editor, shown)


def _column_row(col: rx.Var) -> rx.Component:
    editing = S.editing_column == col["name"]
    return rx.table.row(
        rx.table.cell(rx.link(col["name"], href="/catalog/columns/" + S.selected + "/" + col["name"].to(str),
                              weight="medium"), class_name="column-name"),
        rx.table.cell(rx.code(col["type"], variant="ghost"), class_name="column-type"),
        rx.table.cell(rx.cond(col["key"] != "", rx.badge(col["key"], color_scheme="amber"))),
        rx.table.cell(col["nullable"]),
        rx.table.cell(rx.cond(
            editing,
            rx.form(rx.hstack(
                rx.input(name="description", default_value=col["ours"], id="column-description-input",
                         width="100%"),
                rx.button("Save", type="submit", size="1", id="save-column-description"),
                rx.button("Cancel", type="button", size="1", variant="soft", on_click=S.cancel_edit),
                spacing="1", width="100%"), on_submit=S.save_column, width="100%"),
            rx.hstack(rx.text(col["description"], size="1", class_name="column-description"),
                      rx.cond(col["origin"] == "dbt", _dbt_badge(class_name="column-dbt-badge")),
                      rx.cond(S.can_edit, rx.icon_button(
                          rx.icon("pencil", size=12), variant="ghost", size="1",
                          on_click=S.start_edit_column(col["name"]), class_name="edit-column",
                          aria_label="Edit column description")),
                      align="center", spacing="1"))),
        class_name="column-row",
    )


def _columns() -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                       ("Column", "Type", "Key", "Nullable", "Description")])),
        rx.table.body(rx.foreach(S.columns, _column_row)),
        width="100%", size="1", id="column-list")


def _sample() -> rx.Component:
    return rx.vstack(
        rx.text(S.sample_note, size="1", color_scheme="gray", id="sample-note"),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(rx.foreach(S.sample_columns,
                                                    lambda c: rx.table.column_header_cell(c)))),
            rx.table.body(rx.foreach(S.sample_rows, lambda row: rx.table.row(rx.foreach(
                row, lambda v: rx.table.cell(rx.cond(v == NULL, rx.text("NULL", color="var(--gray-9)"), v),
                                             white_space="nowrap"))))),
            size="1", id="sample-table"), overflow_x="auto", width="100%", max_width="100%"),
        spacing="2", width="100%")


def _lineage_preview() -> rx.Component:
    def side(title: str, items: rx.Var, element_id: str) -> rx.Component:
        return rx.vstack(
            rx.text(title, size="1", weight="bold", color_scheme="gray"),
            rx.cond(items.length() == 0, rx.text("none", size="1", color_scheme="gray")),
            rx.foreach(items, lambda name: rx.link(name, on_click=S.open_table(name), size="2", cursor="pointer",
                                                   class_name="lineage-neighbour")),
            spacing="1", id=element_id, min_width="240px")

    return rx.hstack(side("Feeds from", S.upstream, "lineage-upstream"),
                     rx.icon("arrow-right", color="var(--gray-9)"),
                     rx.text(S.selected, weight="bold"),
                     rx.icon("arrow-right", color="var(--gray-9)"),
                     side("Feeds into", S.downstream, "lineage-downstream"), align="center", spacing="4")


def _ddl_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Export DDL: ", S.selected),
        rx.dialog.description("CREATE statements with constraints, indexes and comments.", size="2"),
        rx.box(rx.code_block(S.ddl_text, language="sql", wrap_long_lines=True), max_height="50vh",
               overflow_y="auto", id="ddl-text", margin_y="12px"),
        rx.hstack(
            rx.link(rx.button(rx.icon("download", size=14), "Download .sql"),
                    href="/api/ddl/" + S.selected + ".sql", is_external=True, id="ddl-download"),
            rx.dialog.close(rx.button("Close", variant="soft")),
            justify="end", spacing="2"),
        max_width="900px"), open=S.ddl_open, on_open_change=S.set_ddl_open)


def _detail() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(
            rx.button(rx.icon("arrow-left", size=14), "All tables", variant="ghost", on_click=S.close_detail,
                      id="back-to-list"),
            rx.heading(S.detail["name"], size="5", id="detail-name"),
            rx.badge(S.detail["kind"], variant="outline"),
            rx.spacer(),
            rx.icon_button(rx.icon("star", size=16, fill=rx.cond(S.favorite, "currentColor", "none")),
                           on_click=S.toggle_favorite, variant="soft",
                           color_scheme=rx.cond(S.favorite, "amber", "gray"), id="favorite-toggle",
                           aria_label=rx.cond(S.favorite, "Remove from favorites", "Add to favorites"),
                           title=rx.cond(S.favorite, "Remove from favorites", "Add to favorites")),
            rx.button(rx.icon("square-terminal", size=14), "Query", on_click=S.query_table, id="action-query"),
            rx.link(rx.button(rx.icon("git-fork", size=14), "View Lineage", variant="soft"),
                    href="/lineage?table=" + S.selected, id="action-lineage"),
            rx.button(rx.icon("file-code", size=14), "Export DDL", variant="soft", on_click=S.open_ddl,
                      id="action-ddl"),
            align="center", width="100%", spacing="2", wrap="wrap"),
        _description(),
        rx.hstack(
            _stat("Rows", S.detail["rows"], rx.button("Count exactly", size="1", variant="ghost",
                                                      on_click=S.count_exactly, id="count-exactly")),
            _stat("Size", S.detail["size"]), _stat("Last change", S.detail["updated"]),
            _stat("DQ score", S.detail["dq"]), _stat("Owner", rx.cond(S.detail["owner"] != "", S.detail["owner"],
                                                                    "—")),
            _stat("Columns", S.detail["columns"]),
            spacing="5", wrap="wrap", width="100%"),
        rx.text(S.detail["rows_note"], size="1", color_scheme="gray"),
        rx.tabs.root(
            rx.tabs.list(rx.tabs.trigger("Columns", value="columns", id="tab-columns"),
                         rx.tabs.trigger("Sample rows", value="sample", id="tab-sample"),
                         rx.tabs.trigger("Lineage", value="lineage", id="tab-lineage")),
            rx.tabs.content(_columns(), value="columns", padding_top="8px"),
            rx.tabs.content(_sample(), value="sample", padding_top="8px"),
            rx.tabs.content(_lineage_preview(), value="lineage", padding_top="8px"),
            value=S.tab, on_change=S.show_tab, width="100%"),
        spacing="3", width="100%"), width="100%", min_width="0", id="table-detail")


def catalog_page() -> rx.Component:
    """The Catalog page."""
    return page_frame(
        "Catalog",
        _toolbar(),
        _sync_progress(),
        rx.cond(S.search_status != "", rx.text(S.search_status, size="1", color_scheme="gray")),
        _messages(),
        rx.hstack(
            _tree(),
            rx.vstack(_search_results(), rx.cond(S.selected != "", _detail(), _list()), width="100%", spacing="3",
                      min_width="0"),
            align="start", spacing="4", width="100%"),
        _ddl_dialog(),
        import_dialog(),
    )
