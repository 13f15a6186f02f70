"""Lineage page state: the graph around one table, its impact, a column's sources, an edge's detail."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from services.catalog import tables as catalog
from services.identity import rbac
from services.identity.rbac import Permission
from services.lineage import graph as lineage_graph
from services.lineage import store as lineage_store
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

X_STEP, Y_STEP = 300, 90
DEFAULT_TABLE = "gold.finance_expenses"


def layout(graph: lineage_graph.Graph, hidden_layers: list[str], text: str) -> tuple[list[dict], list[dict]]:
    """Left to right by hops from the centre; nodes of one column spread around the middle."""
    shown = [n for n in graph.nodes if (n.layer not in hidden_layers and (not text or text in n.name))
             or n.depth == 0]
    by_depth: dict[int, list[lineage_graph.Node]] = {}
    for node in shown:
        by_depth.setdefault(node.depth, []).append(node)
    nodes = []
    for depth, members in by_depth.items():
        for index, node in enumerate(sorted(members, key=lambda n: n.name)):
            nodes.append({"id": node.name, "label": node.name, "layer": node.layer, "center": node.depth == 0,
                          "x": depth * X_STEP, "y": int((index - (len(members) - 1) / 2) * Y_STEP)})
    names = {n["id"] for n in nodes}
    edges = [{"id": f"{e.source}->{e.target}", "source": e.source, "target": e.target,
              "label": ", ".join(o.replace("_", " ") for o in e.origins)}
             for e in graph.edges if e.source in names and e.target in names]
    return nodes, edges


class LineageState(ServiceCalls, rx.State):
    center: str = ""
    depth: int = 2
    direction: str = "both"
    hidden_layers: list[str] = []
    name_filter: str = ""
    nodes: list[dict] = []
    edges: list[dict] = []
    notice: str = ""
    selected: dict[str, str] = {}
    impact_tables: list[dict[str, str]] = []
    impact_columns: list[dict[str, str]] = []
    impact_notice: str = ""
    columns: list[str] = []
    trace_column: str = ""
    trace: list[dict[str, str]] = []
    can_edit: bool = False
    add_open: bool = False
    edge_open: bool = False
    edge_detail: dict[str, str] = {}
    edge_steps: list[dict[str, str]] = []
    _graph: lineage_graph.Graph | None = None

    @rx.var
    def json_href(self) -> str:
        return f"/api/lineage/{quote(self.center)}.json?depth={self.depth}&direction={self.direction}"

    @rx.var
    def depth_text(self) -> str:
        return str(self.depth)

    async def load(self):
        """on_load: the table named in the address (or the demo's finance mart)."""
        if (auth := await self._ready_auth()) is None:
            return
        self.error = ""
        self.can_edit = rbac.is_allowed(auth.user_role, Permission.EDIT_LINEAGE)
        self.center = self.router.url.query_parameters.get("table", "") or self.center or DEFAULT_TABLE
        self.trace_column, self.trace, self.selected = "", [], {}
        await self._refresh()

    async def _refresh(self):
        user, _ip = await acting_user(self)
        center, depth, direction = self.center, self.depth, self.direction
        loaded = await self._call(lambda: (
            lineage_graph.neighbourhood(user, center, depth=depth, direction=direction),
            lineage_graph.impact(user, center, depth=10), catalog.get_table(user, center)))
        if loaded is FAILED:
            self.nodes, self.edges = [], []
            return
        graph, impact, table = loaded
        self._graph = graph
        self.notice = graph.notice
        self.nodes, self.edges = layout(graph, self.hidden_layers, self.name_filter.strip().lower())
        self.impact_tables = [{"table": i.table, "depth": str(i.depth), "path": " → ".join(i.path)}
                              for i in impact.tables]
        self.impact_columns = [{"column": f"{i.table}.{i.column}", "depth": str(i.depth),
                                "path": " → ".join(i.path)} for i in impact.columns]
        self.impact_notice = impact.notice
        self.columns = [c.name for c in table.columns]

    def _relayout(self):
        if self._graph is not None:
            self.nodes, self.edges = layout(self._graph, self.hidden_layers, self.name_filter.strip().lower())

    async def set_depth(self, value: str):
        self.depth = int(value)
        await self._refresh()

    async def set_direction(self, value: str):
        self.direction = value
        await self._refresh()

    def toggle_layer(self, layer: str):
        """Filter: hide or show a layer (the centre always shows)."""
        self.hidden_layers = ([x for x in self.hidden_layers if x != layer] if layer in self.hidden_layers
                              else [*self.hidden_layers, layer])
        self._relayout()

    def set_name_filter(self, text: str):
        self.name_filter = text
        self._relayout()

    def select_node(self, name: str):
        """A click on a node: its detail, with a way to centre on it or open it in the catalog."""
        node = next((n for n in (self._graph.nodes if self._graph else []) if n.name == name), None)
        if node is None:
            return
        where = "the centre" if node.depth == 0 else (f"{-node.depth} hop(s) upstream" if node.depth < 0
                                                      else f"{node.depth} hop(s) downstream")
        self.selected = {"name": node.name, "kind": node.kind.replace("_", " "), "layer": node.layer,
                         "where": where}

    async def recenter(self, name: str):
        """Expand from another table: it becomes the centre."""
        self.center, self.selected, self.trace_column, self.trace = name, {}, "", []
        await self._refresh()
        return rx.redirect(f"/lineage?table={quote(name)}", replace=True)

    async def expand(self, direction: str):
        """Expand upstream or downstream: one hop more in that direction."""
        self.direction = direction
        self.depth = min(self.depth + 1, 6)
        await self._refresh()

    async def trace_column_sources(self, column: str):
        """The column lineage tree of one of the centre's columns, back to its first sources."""
        self.trace_column = column
        user, _ip = await acting_user(self)
        if (found := await self._call(lineage_graph.column_sources, user, self.center, column)) is FAILED:
            return
        self.trace = [{"column": f"{i.table}.{i.column}", "depth": str(i.depth), "indent": f"{i.depth * 18}px",
                       "path": " ← ".join(i.path)} for i in found]

    def open_edge(self, edge_id: str):
        """Lineage Detail: the whole path through this edge to the centre, with each edge's SQL."""
        source, _, target = edge_id.partition("->")
        graph = self._graph
        if graph is None:
            return
        chain = lineage_graph.path_through_edge(graph, source, target)
        if not chain:
            return
        edges = {(e.source, e.target): e for e in graph.edges}
        steps = [(a, b) for a, b in zip(chain, chain[1:], strict=False) if (a, b) in edges]
        self.edge_detail = {"source": source, "target": target, "path": " → ".join(chain)}
        self.edge_steps = [{"edge": f"{a} → {b}", "origins": ", ".join(edges[(a, b)].origins),
                            "sql": "\n\n".join(s for s in edges[(a, b)].sql if s),
                            "manual_key": (edges[(a, b)].manual_keys or ("",))[0]} for a, b in steps]
        self.edge_open = True

    def set_edge_open(self, value: bool):
        self.edge_open = value

    def set_add_open(self, value: bool):
        self.add_open = value

    async def add_edge(self, form: dict):
        """An edge SQL cannot show, added by an engineer or admin (the service checks the role)."""
        if (pairs := await self._call(lineage_store.parse_column_pairs,
                                      str(form.get("columns", "")).split(","))) is FAILED:
            return
        user, ip = await acting_user(self)
        if await self._call(lineage_store.add_manual_edge, user, str(form.get("source", "")),
                                    str(form.get("target", "")), columns=pairs, note=str(form.get("note", "")),
                                    client_address=ip) is FAILED:
            return
        self.add_open, self.error = False, ""
        await self._refresh()

    async def remove_edge(self, key: str):
        """Remove an edge a person added."""
        user, ip = await acting_user(self)
        if await self._call(lineage_store.remove_manual_edge, user, key, client_address=ip) is FAILED:
            return
        self.edge_open = False
        await self._refresh()
