"""The pipeline canvas (assets/pipeline_canvas.jsx): React Flow with a node palette, wrapped for Reflex."""

from __future__ import annotations

from typing import Any

import reflex as rx


class PipelineCanvas(rx.NoSSRComponent):
    """Nodes and edges come from the page's state; every drop, connection, move and deletion goes back."""

    library = "$/public/pipeline_canvas.jsx"
    tag = "PipelineCanvas"
    lib_dependencies: list[str] = ["@xyflow/react@12.12.1"]

    nodes: rx.Var[list[dict[str, Any]]]
    edges: rx.Var[list[dict[str, Any]]]
    editable: rx.Var[bool]
    height: rx.Var[str]

    on_add_node: rx.EventHandler[lambda kind, x, y: [kind, x, y]]
    on_connect_nodes: rx.EventHandler[lambda source, target: [source, target]]
    on_move_node: rx.EventHandler[lambda node_id, x, y: [node_id, x, y]]
    on_select_node: rx.EventHandler[lambda node_id: [node_id]]
    on_delete_edges: rx.EventHandler[lambda edge_ids: [edge_ids]]


pipeline_canvas = PipelineCanvas.create
