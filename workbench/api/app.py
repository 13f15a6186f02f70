"""FastAPI app: API-key auth, rate limit, error mapping, and the routes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field

from services.catalog import ddl as catalog_ddl
from services.catalog import search as catalog_search
from services.catalog import tables as catalog
from services.core.config import settings
from services.core.errors import NotAuthenticated, QueryFailed, RateLimited, WorkbenchError
from services.core.rate_limit import SlidingWindowLimiter
from services.identity import api_keys, auth
from services.identity.users import User
from services.lineage import graph as lineage_graph
from services.sql import execution as query_execution
from services.sql import export as query_export
from services.sql.output import json_value

REQUESTS_PER_MINUTE = 1000

api = FastAPI(title="Workbench API", version="0.2.0", openapi_url="/api/openapi.json", docs_url="/api/docs",
              redoc_url=None)
limiter = SlidingWindowLimiter(REQUESTS_PER_MINUTE)


@api.exception_handler(WorkbenchError)
async def _workbench_error(_request: Request, exc: WorkbenchError) -> JSONResponse:
    body: dict[str, Any] = {"error": str(exc)}
    headers = {}
    if isinstance(exc, QueryFailed):
        body.update(sqlstate=exc.sqlstate, position=exc.position)
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


@api.exception_handler(RequestValidationError)
async def _invalid_body(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
    return JSONResponse({"error": f"Invalid request: {problems}"}, status_code=400)


async def principal(request: Request) -> User:
    """The user behind the request's API key, after the rate limit."""
    header = request.headers.get("authorization", "")
    key = header[7:].strip() if header.lower().startswith("bearer ") else None
    user, key_id = await asyncio.to_thread(api_keys.authenticate, key)
    limiter.hit(key_id)
    return user


class ExecuteSqlRequest(BaseModel):
    sql: str = Field(..., description="One or more SQL statements; the last one's rows are returned.")


class ExecuteSqlResponse(BaseModel):
    rows: list[list[Any]]
    columns: list[str]
    column_types: list[str]
    execution_time_ms: int
    row_count: int
    truncated: bool = Field(description="True when the result stopped at the row cap.")


def _run_sql(user: User, sql_text: str, client: str | None) -> ExecuteSqlResponse:
    result = query_execution.execute_all(user, sql_text, source="api", client_address=client)
    rows = result.rows
    truncated = len(rows) >= settings().query_row_cap
    return ExecuteSqlResponse(
        rows=[[json_value(v) for v in row] for row in rows], columns=[c.name for c in result.columns],
        column_types=[c.type_name for c in result.columns], execution_time_ms=result.execution_time_ms,
        row_count=len(rows), truncated=truncated)


@api.post("/api/rpc/execute_sql", response_model=ExecuteSqlResponse, tags=["sql"])
async def execute_sql(body: ExecuteSqlRequest, request: Request,
                      user: User = Depends(principal)):  # noqa: B008 - FastAPI's dependency idiom
    """Run SQL with the key's user's role (PRD section 5)."""
    client = request.client.host if request.client else None
    return await asyncio.to_thread(_run_sql, user, body.sql, client)


@api.get("/api/health", tags=["meta"])
async def health() -> dict[str, str]:
    """Liveness (no auth)."""
    return {"status": "ok"}


async def key_or_session(request: Request) -> User:
    """An API key when one is sent, else the browser's session cookie (for downloads from the app)."""
    if request.headers.get("authorization"):
        return await principal(request)
    user = await asyncio.to_thread(auth.resolve_session, request.cookies.get("wb_session"))
    if user is None:
        raise NotAuthenticated("Sign in, or send an API key as 'Authorization: Bearer <key>'.")
    return user


@api.get("/api/export/{history_id}.{fmt}", tags=["sql"],
         responses={200: {"content": {media: {} for media in query_export.FORMATS.values()}}})
async def export_query(history_id: str, fmt: str, request: Request,
                       user: User = Depends(key_or_session)):  # noqa: B008
    """Stream the whole result of a query from your history as csv, xlsx or json (up to the export cap)."""
    client = request.client.host if request.client else None
    export = await asyncio.to_thread(query_export.export_history_entry, user, history_id, fmt,
                                     client_address=client)
    return StreamingResponse(export.chunks, media_type=export.media_type,
                             headers={"Content-Disposition": f'attachment; filename="{export.filename}"'})


@api.get("/api/tables", tags=["catalog"])
async def list_tables(request: Request, user: User = Depends(principal)):  # noqa: B008
    """Catalogued tables, PostgREST-style: select=a,b  schema_name=eq.gold  order=table_name.desc  limit, offset."""
    rows = await asyncio.to_thread(catalog.query_tables, user, dict(request.query_params))
    return [{k: json_value(v) for k, v in row.items()} for row in rows]


@api.get("/api/tables/{table_id}/columns", tags=["catalog"])
async def table_columns(table_id: str, user: User = Depends(principal)):  # noqa: B008
    """One table's columns with types, keys, defaults and descriptions (ours, else the database's comment)."""
    columns = await asyncio.to_thread(catalog.table_columns_by_id, user, table_id)
    return [{"name": c.name, "data_type": c.data_type, "is_nullable": c.is_nullable,
             "is_primary_key": c.is_primary_key, "default": c.column_default,
             "description": c.shown_description or None, "db_comment": c.db_comment} for c in columns]


@api.get("/api/search", tags=["catalog"])
async def search_catalog(q: str, limit: int = 10, user: User = Depends(principal)):  # noqa: B008
    """Tables and columns ranked for q: exact and prefix names, then full text, then meaning."""
    hits = await asyncio.to_thread(catalog_search.search, user, q, limit=limit)
    return [{"schema_name": h.schema_name, "table_name": h.table_name, "column_name": h.column_name,
             "score": h.score, "match": h.match} for h in hits]


@api.get("/api/ddl/{qualified}.sql", tags=["catalog"], response_class=PlainTextResponse)
async def export_ddl(qualified: str, user: User = Depends(key_or_session)):  # noqa: B008
    """CREATE statements (constraints, indexes, comments) of schema.table, as a file."""
    ddl = await asyncio.to_thread(catalog_ddl.export_ddl, user, qualified)
    return PlainTextResponse(ddl, headers={"Content-Disposition": f'attachment; filename="{qualified}.sql"'})


@api.get("/api/lineage/{qualified}.json", tags=["lineage"])
async def lineage_json(qualified: str, depth: int = 2, direction: str = "both",
                       user: User = Depends(key_or_session)):  # noqa: B008
    """The lineage graph around schema.table (nodes with hops from it, edges with their origins and SQL)."""
    graph = await asyncio.to_thread(lineage_graph.neighbourhood, user, qualified, depth=depth, direction=direction)
    body = {"center": graph.center, "depth": depth, "direction": direction, "notice": graph.notice or None,
            "nodes": [{"table": n.name, "schema_name": n.schema_name, "kind": n.kind, "layer": n.layer,
                       "hops": n.depth} for n in graph.nodes],
            "edges": [{"source": e.source, "target": e.target, "origins": list(e.origins), "sql": list(e.sql)}
                      for e in graph.edges]}
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="lineage-{graph.center}.json"'})


@api.get("/api/lineage/{qualified}/impact", tags=["lineage"])
async def lineage_impact(qualified: str, column: str | None = None, depth: int = 10,
                         user: User = Depends(principal)):  # noqa: B008
    """Every table and column downstream of schema.table (or one column), with a path to each."""
    found = await asyncio.to_thread(lineage_graph.impact, user, qualified, column, depth=depth)
    return {"start": found.start, "notice": found.notice or None,
            "tables": [{"table": i.table, "depth": i.depth, "path": list(i.path)} for i in found.tables],
            "columns": [{"table": i.table, "column": i.column, "depth": i.depth, "path": list(i.path)}
                        for i in found.columns]}


class GenieRequest(BaseModel):
    question: str = Field(..., description="A question about the warehouse, in plain language.")
    conversation_id: str | None = Field(None, description="Continue a conversation (from an earlier answer).")


@api.post("/api/genie/ask", tags=["genie"])
async def genie_ask(body: GenieRequest, user: User = Depends(principal)):  # noqa: B008
    """Answer a question with SQL run read-only as the key's user (use_ai_assist): SQL, rows, attempts."""
    from services.genie.ask import ask

    answer = await asyncio.to_thread(ask, user, body.question, conversation_id=body.conversation_id)
    return {"question": answer.question, "status": answer.status, "sql": answer.sql or None,
            "explanation": answer.explanation or None, "columns": answer.columns,
            "rows": [[json_value(v) for v in row] for row in answer.rows],
            "attempts": [{"sql": a.sql, "error": a.error} for a in answer.attempts],
            "message": answer.message or None, "conversation_id": answer.conversation_id,
            "turn_id": answer.turn_id}
