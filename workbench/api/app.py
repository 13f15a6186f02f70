"""FastAPI app: API-key auth, rate limit, error mapping, and the routes."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import json
import uuid
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from services import api_keys, query_execution
from services.config import settings
from services.errors import QueryFailed, RateLimited, WorkbenchError
from services.rate_limit import SlidingWindowLimiter
from services.users import User

REQUESTS_PER_MINUTE = 1000

api = FastAPI(title="Workbench API", version="0.2.0", openapi_url="/api/openapi.json", docs_url="/api/docs",
              redoc_url=None)
limiter = SlidingWindowLimiter(REQUESTS_PER_MINUTE)


def jsonable(value: Any) -> Any:
    """JSON-safe values that keep their meaning: exact numerics as strings, ISO dates, NULL as null."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, default=str))
    return str(value)


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
    result = query_execution.execute(user, sql_text, source="api", client_address=client)
    rows = list(result.rows)
    has_more = result.has_more
    while has_more:
        page = query_execution.fetch_more(user, result.run_id)
        rows.extend(page.rows)
        has_more = page.has_more
    truncated = len(rows) >= settings().query_row_cap
    return ExecuteSqlResponse(
        rows=[[jsonable(v) for v in row] for row in rows], columns=[c.name for c in result.columns],
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
