"""Lineage results: what a script reads and writes, impact, and the graph around a table."""

from __future__ import annotations

from pydantic import BaseModel

from services.lineage.extract import LineageResult
from services.lineage.graph import Graph, Impact


class ColumnEdgeOut(BaseModel):
    source_table: str | None
    source_column: str
    target_table: str
    target_column: str


class LineageExtraction(BaseModel):
    sources: list[str]
    targets: list[str]
    columns: list[ColumnEdgeOut]

    @classmethod
    def of(cls, result: LineageResult) -> LineageExtraction:
        edges = sorted(result.columns, key=lambda e: (e[2], e[3], e[0] or "", e[1]))
        return cls(sources=sorted(result.sources), targets=sorted(result.targets),
                   columns=[ColumnEdgeOut(source_table=s, source_column=c, target_table=t, target_column=tc)
                            for s, c, t, tc in edges])


class ImpactedTable(BaseModel):
    table: str
    depth: int
    path: list[str]


class ImpactedColumn(BaseModel):
    table: str
    column: str | None
    depth: int
    path: list[str]


class ImpactOut(BaseModel):
    start: str
    notice: str | None
    tables: list[ImpactedTable]
    columns: list[ImpactedColumn]

    @classmethod
    def of(cls, found: Impact) -> ImpactOut:
        return cls(start=found.start, notice=found.notice or None,
                   tables=[ImpactedTable(table=i.table, depth=i.depth, path=list(i.path)) for i in found.tables],
                   columns=[ImpactedColumn(table=i.table, column=i.column, depth=i.depth, path=list(i.path))
                            for i in found.columns])


class GraphNodeOut(BaseModel):
    table: str
    schema_name: str
    kind: str
    layer: str
    hops: int


class GraphEdgeOut(BaseModel):
    source: str
    target: str
    origins: list[str]
    sql: list[str]


class LineageGraphOut(BaseModel):
    center: str
    depth: int
    direction: str
    notice: str | None
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]

    @classmethod
    def of(cls, graph: Graph, depth: int, direction: str) -> LineageGraphOut:
        return cls(center=graph.center, depth=depth, direction=direction, notice=graph.notice or None,
                   nodes=[GraphNodeOut(table=n.name, schema_name=n.schema_name, kind=n.kind, layer=n.layer,
                                       hops=n.depth) for n in graph.nodes],
                   edges=[GraphEdgeOut(source=e.source, target=e.target, origins=list(e.origins), sql=list(e.sql))
                          for e in graph.edges])
