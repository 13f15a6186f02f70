"""Lineage over the API: the graph around a table (as a JSON file) and impact analysis."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from services.identity.users import User
from services.lineage import graph as lineage_graph
from workbench.api.deps import attachment, key_or_session, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.lineage import ImpactOut, LineageGraphOut

router = APIRouter(tags=["lineage"])


@router.get("/api/lineage/{qualified}.json", response_model=LineageGraphOut, responses=error_responses(*COMMON))
async def lineage_json(qualified: str, depth: int = 2, direction: str = "both",
                       user: User = Depends(key_or_session)):  # noqa: B008
    """The lineage graph around schema.table (nodes with hops from it, edges with their origins and SQL)."""
    graph = await asyncio.to_thread(lineage_graph.neighbourhood, user, qualified, depth=depth, direction=direction)
    body = LineageGraphOut.of(graph, depth, direction)
    return JSONResponse(body.model_dump(mode="json"),
                        headers=attachment(f"lineage-{graph.center}.json"))


@router.get("/api/lineage/{qualified}/impact", responses=error_responses(*COMMON))
async def lineage_impact(qualified: str, column: str | None = None, depth: int = 10,
                         user: User = Depends(principal)) -> ImpactOut:  # noqa: B008
    """Every table and column downstream of schema.table (or one column), with a path to each."""
    found = await asyncio.to_thread(lineage_graph.impact, user, qualified, column, depth=depth)
    return ImpactOut.of(found)
