"""The FastAPI app: error mapping and the routers of each domain."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from services.core.errors import QueryFailed, RateLimited, WorkbenchError
from workbench.api.routes import catalog, genie, lineage, meta, sql

api = FastAPI(title="Workbench API", version="0.2.0", openapi_url="/api/openapi.json", docs_url="/api/docs",
              redoc_url=None)
for routes in (sql, catalog, lineage, genie, meta):
    api.include_router(routes.router)


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
