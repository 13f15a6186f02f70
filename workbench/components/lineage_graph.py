"""The lineage graph (assets/lineage_graph.jsx): React Flow with pinned packages, wrapped for Reflex."""

from __future__ import annotations

from typing import Any

import reflex as rx


class LineageGraph(rx.NoSSRComponent):
    """Nodes placed by the server (left to right by hops); clicks go back to the page's state."""

    library = "$/public/lineage_graph.jsx"
    tag = "LineageGraph"
    lib_dependencies: list[str] = ["@xyflow/react@12.12.1", "html-to-image@1.11.13"]

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    file_name: rx.Var[str]
    height: rx.Var[str]

    on_node_click: rx.EventHandler[lambda node_id: [node_id]]
    on_edge_click: rx.EventHandler[lambda edge_id: [edge_id]]


lineage_graph = LineageGraph.create
