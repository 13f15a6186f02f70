"""The catalog over the API: tables (PostgREST-style filters), columns, search, DDL."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from services.catalog import ddl as catalog_ddl
from services.catalog import search as catalog_search
from services.catalog import tables as catalog
from services.identity.users import User
from services.sql.output import json_value
from workbench.api.deps import attachment, key_or_session, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.catalog import ColumnOut, SearchHitOut

router = APIRouter(tags=["catalog"])


@router.get("/api/tables", responses=error_responses(*COMMON))
@router.get("/rest/v1/tables", responses=error_responses(*COMMON))
async def list_tables(request: Request, user: User = Depends(principal)) -> list[dict[str, Any]]:  # noqa: B008
    """Catalogued tables, PostgREST-style: select=a,b  schema_name=eq.gold  order=table_name.desc  limit, offset."""
    rows = await asyncio.to_thread(catalog.query_tables, user, dict(request.query_params))
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


@router.get("/api/tables/{table_id}/columns", responses=error_responses(*COMMON))
async def table_columns(table_id: str, user: User = Depends(principal)) -> list[ColumnOut]:  # noqa: B008
    """One table's columns with types, keys, defaults and descriptions (ours, else the database's comment)."""
    columns = await asyncio.to_thread(catalog.table_columns_by_id, user, table_id)
    return [ColumnOut.of(c) for c in columns]


@router.get("/api/search", responses=error_responses(*COMMON))
async def search_catalog(q: str, limit: int = 10, user: User = Depends(principal)) -> list[SearchHitOut]:  # noqa: B008
    """Tables and columns ranked for q: exact and prefix names, then full text, then meaning."""
    hits = await asyncio.to_thread(catalog_search.search, user, q, limit=limit)
    return [SearchHitOut.of(h) for h in hits]


@router.get("/api/ddl/{qualified}.sql", responses={
    200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The CREATE statements"},
    **error_responses(*COMMON)})
async def export_ddl(qualified: str, user: User = Depends(key_or_session)):  # noqa: B008
    """CREATE statements (constraints, indexes, comments) of schema.table, as a file."""
    ddl = await asyncio.to_thread(catalog_ddl.export_ddl, user, qualified)
    return PlainTextResponse(ddl, headers=attachment(f"{qualified}.sql"))
