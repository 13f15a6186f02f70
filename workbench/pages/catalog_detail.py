"""Catalog › a schema (/catalog/schemas/NAME) and Catalog › a column (/catalog/columns/SCHEMA.TABLE/COLUMN)."""

from __future__ import annotations

import reflex as rx

from workbench.components.shell import page_frame
from workbench.state.catalog_detail import ColumnDetailState as C
from workbench.state.catalog_detail import SchemaDetailState as S


def _fact(label: str, value: rx.Var | str, element_id: str) -> rx.Component:
    return rx.hstack(rx.text(label, weight="medium", size="2", min_width="120px"),
                     rx.text(value, size="2", id=element_id), spacing="3")


def _table(headers: tuple[str, ...], rows: rx.Var, cells, element_id: str, row_class: str) -> rx.Component:
    return rx.table.root(
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*cells(r), class_name=row_class))),
        size="1", width="100%", id=element_id)


def _edges(title: str, rows: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="medium", size="2"),
        rx.cond(rows.length() > 0,
                _table(("From", "To"), rows, lambda e: (rx.table.cell(e["source"]), rx.table.cell(e["target"])),
                       element_id, "schema-edge"),
                rx.text("none", size="2", color_scheme="gray")),
        spacing="1", width="100%")


def schema_detail_page() -> rx.Component:
    """The schema's page."""
    table_link = lambda t: rx.link(t["name"], href="/catalog?table=" + t["name"].to(str))  # noqa: E731
    return page_frame(
        "Schema",
        rx.link("← Catalog", href="/catalog", size="2"),
        rx.cond(S.error != "", rx.callout(S.error, color_scheme="red", width="100%", id="schema-detail-error")),
        rx.cond(S.name != "", rx.vstack(
            rx.card(rx.vstack(
                rx.heading(S.name, size="5", id="schema-detail-name"),
                _fact("Tables", S.tables.length().to(str), "schema-detail-count"),
                _fact("Rows", S.total_rows, "schema-detail-rows"),
                _fact("Size", S.total_size, "schema-detail-size"),
                _fact("Owners", S.owners, "schema-detail-owners"),
                _fact("Data quality", S.dq, "schema-detail-dq"),
                spacing="2"), width="100%"),
            rx.card(_table(("Table", "Kind", "Rows", "Size", "DQ", "Description"), S.tables, lambda t: (
                rx.table.cell(table_link(t)), rx.table.cell(t["kind"]), rx.table.cell(t["rows"], text_align="right"),
                rx.table.cell(t["size"], text_align="right"), rx.table.cell(t["dq"]),
                rx.table.cell(rx.text(t["description"], size="1"))), "schema-tables", "schema-table-row"),
                width="100%"),
            rx.card(rx.vstack(rx.heading("Lineage across the schema", size="4"),
                              _edges("Into this schema", S.lineage_in, "schema-lineage-in"),
                              _edges("Out of this schema", S.lineage_out, "schema-lineage-out"),
                              spacing="3", width="100%"), width="100%"),
            spacing="4", width="100%")),
    )


def _flows(title: str, rows: rx.Var, element_id: str, empty: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, weight="medium", size="2"),
        rx.cond(rows.length() > 0,
                _table(("Column", "Hops", "Path"), rows, lambda f: (
                    rx.table.cell(f["column"]), rx.table.cell(f["depth"]),
                    rx.table.cell(rx.text(f["path"], size="1"))), element_id, "column-flow"),
                rx.text(empty, size="2", color_scheme="gray")),
        spacing="1", width="100%")


def column_detail_page() -> rx.Component:
    """The column's page."""
    return page_frame(
        "Column",
        rx.link("← Catalog", href="/catalog?table=" + C.table, size="2"),
        rx.cond(C.error != "", rx.callout(C.error, color_scheme="red", width="100%", id="column-detail-error")),
        rx.cond(C.column != "", rx.vstack(
            rx.card(rx.vstack(
                rx.heading(C.table, ".", C.column, size="5", id="column-detail-name"),
                _fact("Type", C.data_type, "column-detail-type"),
                _fact("Nullable", C.nullable, "column-detail-nullable"),
                rx.cond(C.key != "", _fact("Key", C.key, "column-detail-key")),
                _fact("Description", C.description, "column-detail-description"),
                spacing="2"), width="100%"),
            rx.card(rx.vstack(
                rx.heading("Profile", size="4"),
                rx.cond(C.profile.length() > 0, rx.vstack(
                    rx.text("profiled ", C.profiled_at, size="1", color_scheme="gray"),
                    rx.foreach(C.profile, lambda p: _fact(p["label"], p["value"], "profile-" + p["label"].to(str))),
                    spacing="1", id="column-profile"),
                    rx.text("Not profiled yet (Data Quality › profile the table).", size="2", color_scheme="gray",
                            id="column-profile-empty")),
                spacing="2", width="100%"), width="100%"),
            rx.cond(C.sees_lineage, rx.card(rx.vstack(
                rx.heading("Lineage", size="4"),
                _flows("Comes from", C.sources, "column-sources", "no recorded source"),
                _flows("Flows to", C.dependants, "column-dependants", "nothing reads it downstream"),
                spacing="3", width="100%"), width="100%")),
            rx.card(rx.vstack(
                rx.heading("Tests on this column", size="4"),
                rx.cond(C.tests.length() > 0,
                        _table(("Test", "Type", "Severity", "Latest", "When"), C.tests, lambda t: (
                            rx.table.cell(t["name"]), rx.table.cell(t["type"]), rx.table.cell(t["severity"]),
                            rx.table.cell(rx.badge(t["outcome"], color_scheme=rx.match(
                                t["outcome"], ("passed", "green"), ("failed", "red"), "gray"))),
                            rx.table.cell(t["when"])), "column-tests", "column-test-row"),
                        rx.text("No tests on this column.", size="2", color_scheme="gray")),
                spacing="3", width="100%"), width="100%"),
            spacing="4", width="100%")),
    )
