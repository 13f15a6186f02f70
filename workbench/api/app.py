"""The FastAPI app: input limits, error mapping, the routers of each domain, and honest 404/405 answers
for anything else under /api (instead of the web app's HTML page)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Awaitable, Callable
from importlib import metadata

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from services.core.errors import WorkbenchError
from services.runtime import metrics as runtime_metrics
from workbench.api import errors
from workbench.api.limits import InputLimits
from workbench.api.routes import (
    agents,
    alerts,
    audit,
    catalog,
    dbt,
    genie,
    integrations,
    lineage,
    meta,
    pipelines,
    quality,
    session,
    sql,
)

api = FastAPI(title="Workbench API", version=metadata.version("workbench"), openapi_url="/api/openapi.json",
              docs_url="/api/docs", redoc_url=None)
api.add_middleware(InputLimits)
api.add_exception_handler(WorkbenchError, errors.workbench_error)
api.add_exception_handler(RequestValidationError, errors.invalid_request)
api.add_exception_handler(StarletteHTTPException, errors.http_error)
api.add_exception_handler(psycopg.OperationalError, errors.database_unavailable)
for routes in (sql, catalog, lineage, genie, pipelines, quality, alerts, agents, integrations, dbt, session,
               audit, meta):
    api.include_router(routes.router)


_HOST = socket.gethostname()


@api.middleware("http")
async def count_requests(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every answered request in the metrics, labelled by its route's path template (not the raw path), and
    named with the process that served it (X-Workbench-Process: host:pid) for whoever runs several."""
    started, status = time.perf_counter(), 500
    try:
        response = await call_next(request)
        status = response.status_code
        response.headers["X-Workbench-Process"] = f"{_HOST}:{os.getpid()}"
        return response
    finally:
        route = getattr(request.scope.get("route"), "path", None) or "other"
        runtime_metrics.observe_request(request.method, route, status, time.perf_counter() - started)


_CATCH_ALL = ("/api/{rest:path}", "/rest/v1/{rest:path}")
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def _leaf_routes(routes: list) -> list:
    """Every route with methods, also inside included routers."""
    found = []
    for route in routes:
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            found += _leaf_routes(inner)
        elif getattr(route, "methods", None) and route.path not in _CATCH_ALL:
            found.append(route)
    return found


def _allowed_methods(request: Request) -> set[str]:
    """The methods the API's routes take at this path."""
    allowed: set[str] = set()
    for route in _leaf_routes(api.router.routes):
        match, _child = route.matches({**request.scope, "method": next(iter(route.methods))})
        if match == Match.FULL:
            allowed |= set(route.methods)
    return allowed


@api.api_route("/api/{rest:path}", methods=_METHODS, include_in_schema=False)
@api.api_route("/rest/v1/{rest:path}", methods=_METHODS, include_in_schema=False)
async def not_an_api_route(request: Request, rest: str) -> Response:
    """405 with Allow when the path exists with other methods (OPTIONS lists them); 404 otherwise."""
    allowed = _allowed_methods(request)
    path = request.url.path
    if not allowed:
        return JSONResponse(errors.error_body(request, f"No API route at {path}."), status_code=404)
    allow = ", ".join(sorted(allowed | {"OPTIONS"}))
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    return JSONResponse(errors.error_body(request, f"{path} does not take {request.method}; it takes {allow}."),
                        status_code=405, headers={"Allow": allow})
