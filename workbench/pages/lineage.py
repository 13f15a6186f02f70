"""Lineage & Graph (PRD 3.6): graph viewer, impact card, column lineage tree, Lineage Detail, exports."""

from __future__ import annotations

import reflex as rx

from services.core.warehouse import LAYERS
from workbench.components.lineage_graph import lineage_graph
from workbench.components.shell import page_frame
from workbench.state.lineage import LineageState

S = LineageState
LAYER_COLOURS = {"bronze": "brown", "silver": "gray", "gold": "amber", "platinum": "violet"}


def _controls() -> rx.Component:
    return rx.hstack(
        rx.text("Centre:", size="2", color_scheme="gray"),
        rx.heading(S.center, size="4", id="lineage-center"),
        rx.spacer(),
        rx.text("Depth", size="2"),
        rx.select(["1", "2", "3", "4", "5", "6"], value=S.depth_text, on_change=S.set_depth, id="lineage-depth",
                  size="1"),
        rx.text("Direction", size="2"),
        rx.select(["both", "upstream", "downstream"], value=S.direction, on_change=S.set_direction, size="1",
                  id="lineage-direction"),
        rx.link(rx.button(rx.icon("download", size=14), "JSON", variant="soft", size="1"), href=S.json_href,
                is_external=True, id="export-json"),
        rx.cond(S.can_edit, rx.button(rx.icon("plus", size=14), "Add edge", size="1", variant="soft",
                                      on_click=S.set_add_open(True), id="add-edge")),
        width="100%", align="center", spacing="3", wrap="wrap",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        rx.text("Layers", size="1", color_scheme="gray"),
        *[rx.badge(layer, color_scheme=LAYER_COLOURS[layer], cursor="pointer", id=f"layer-{layer}",
                   variant=rx.cond(S.hidden_layers.contains(layer), "outline", "solid"),
                   on_click=S.toggle_layer(layer)) for layer in LAYERS],
        rx.input(placeholder="Filter tables by name", value=S.name_filter, on_change=S.set_name_filter,
                 size="1", width="220px", id="lineage-filter"),
        align="center", spacing="2", wrap="wrap",
    )


def _node_detail() -> rx.Component:
    return rx.cond(S.selected.contains("name"), rx.card(rx.vstack(
        rx.text(S.selected["name"], weight="bold", id="selected-node"),
        rx.text(S.selected["kind"], " · ", S.selected["layer"], " · ", S.selected["where"], size="1",
                color_scheme="gray"),
        rx.hstack(
            rx.button("Centre here", size="1", on_click=S.recenter(S.selected["name"]), id="recenter"),
            rx.link(rx.button("Open in catalog", size="1", variant="soft"),
                    href="/catalog?table=" + S.selected["name"].to(str)),
            spacing="2"),
        spacing="2"), width="100%"))


def _impact_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.icon("triangle-alert", size=16), rx.text("Impact of a change here", weight="bold"),
                  align="center", spacing="2"),
        rx.text(S.impact_tables.length(), " tables and ", S.impact_columns.length(), " columns downstream",
                size="2", id="impact-summary"),
        rx.cond(S.impact_notice != "", rx.text(S.impact_notice, size="1", color_scheme="amber")),
        rx.foreach(S.impact_tables, lambda i: rx.tooltip(
            rx.text(i["table"], rx.text.span("  ", i["depth"], " hop(s)", color="var(--gray-10)"), size="1",
                    class_name="impact-table"), content=i["path"])),
        rx.cond(S.impact_columns.length() > 0, rx.text("Columns", size="1", weight="bold", padding_top="6px")),
        rx.box(rx.foreach(S.impact_columns, lambda i: rx.tooltip(
            rx.text(i["column"], size="1", class_name="impact-column"), content=i["path"])),
            max_height="180px", overflow_y="auto", width="100%"),
        spacing="1", width="100%"), width="100%", id="impact-card")


def _column_tree() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text("Column lineage", weight="bold"),
        rx.select(S.columns, placeholder="Pick a column of the centre", value=S.trace_column,
                  on_change=S.trace_column_sources, size="1", id="trace-column"),
        rx.cond(S.trace_column != "", rx.vstack(
            rx.text(S.center, ".", S.trace_column, size="1", weight="bold"),
            rx.foreach(S.trace, lambda t: rx.tooltip(
                rx.text("← ", t["column"], size="1", padding_left=t["indent"], class_name="trace-source"),
                content=t["path"])),
            spacing="0", width="100%", id="column-tree")),
        spacing="2", width="100%"), width="100%")


def _edge_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Lineage detail"),
        rx.text(S.edge_detail["path"], size="2", weight="medium", id="edge-path"),
        rx.foreach(S.edge_steps, lambda step: rx.vstack(
            rx.hstack(rx.text(step["edge"], size="2", weight="bold"),
                      rx.badge(step["origins"], variant="soft"), spacing="2", align="center"),
            rx.box(rx.code_block(step["sql"], language="sql", wrap_long_lines=True), max_height="240px",
                   overflow_y="auto", width="100%"),
            rx.cond(S.can_edit & (step["manual_key"] != ""),
                    rx.button("Remove this edge", size="1", color_scheme="red", variant="soft",
                              on_click=S.remove_edge(step["manual_key"]), class_name="remove-edge")),
            spacing="1", width="100%", class_name="edge-step", padding_top="8px")),
        rx.hstack(rx.dialog.close(rx.button("Close", variant="soft")), justify="end", padding_top="8px"),
        max_width="900px", id="edge-dialog"), open=S.edge_open, on_open_change=S.set_edge_open)


def _add_dialog() -> rx.Component:
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Add a lineage edge"),
        rx.dialog.description("For data flows SQL cannot show (exports, manual loads, other systems).", size="2"),
        rx.form(rx.vstack(
            rx.input(name="source", placeholder="Source table (schema.table)", id="edge-source", width="100%"),
            rx.input(name="target", placeholder="Target table (schema.table)", default_value=S.center,
                     id="edge-target", width="100%"),
            rx.input(name="columns", placeholder="Column pairs: source_column:target_column, …", id="edge-columns",
                     width="100%"),
            rx.input(name="note", placeholder="Why this edge exists", id="edge-note", width="100%"),
            rx.cond(S.error != "", rx.text(S.error, color_scheme="red", size="2", id="edge-error")),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                      rx.button("Add", type="submit", id="edge-save"), justify="end", width="100%"),
            spacing="3"), on_submit=S.add_edge),
        max_width="560px"), open=S.add_open, on_open_change=S.set_add_open)


def lineage_page() -> rx.Component:
    """The Lineage & Graph page."""
    return page_frame(
        "Lineage & Graph",
        _controls(),
        _filters(),
        rx.cond(S.error != "", rx.callout.root(rx.callout.text(S.error, id="lineage-error"), color_scheme="red")),
        rx.cond(S.notice != "", rx.callout.root(rx.callout.text(S.notice), color_scheme="amber")),
        rx.hstack(
            rx.vstack(
                lineage_graph(nodes=S.nodes, edges=S.edges, on_node_click=S.select_node,
                              on_edge_click=S.open_edge, file_name="lineage-" + S.center, height="560px",
                              id="lineage-graph"),
                rx.hstack(
                    rx.button(rx.icon("arrow-left", size=14), "Expand upstream", size="1", variant="soft",
                              on_click=S.expand("upstream"), id="expand-upstream"),
                    rx.button("Expand downstream", rx.icon("arrow-right", size=14), size="1", variant="soft",
                              on_click=S.expand("downstream"), id="expand-downstream"),
                    rx.spacer(),
                    rx.text("Click a node for its detail, an edge for the SQL behind it.", size="1",
                            color_scheme="gray"),
                    width="100%", align="center"),
                width="100%", min_width="0", spacing="2"),
            rx.vstack(_node_detail(), _impact_card(), _column_tree(), width="340px", min_width="340px",
                      spacing="3"),
            align="start", spacing="4", width="100%"),
        _edge_dialog(),
        _add_dialog(),
    )
