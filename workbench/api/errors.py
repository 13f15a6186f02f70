"""Error responses as the OpenAPI document declares them and as the API sends them."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.core.errors import QueryFailed, RateLimited, WorkbenchError
from workbench.responses.common import ErrorBody

_MEANINGS = {
    400: "Bad input: malformed SQL (with sqlstate and position), parameters or body",
    401: "No valid API key (or session cookie, where a download accepts one)",
    403: "The role does not allow this, or the SQL policy refused a statement",
    404: "No such resource",
    405: "This path does not take that method (see the Allow header)",
    409: "The query was cancelled, or the resource's state does not allow this (e.g. a run that already ended)",
    413: "The request body is too large",
    429: "Too many requests, or too many failed authentications from this address (see Retry-After)",
    502: "The model behind Genie did not answer",
    503: "The database is not reachable right now (see Retry-After)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each code with the error body's schema."""
    return {code: {"model": ErrorBody, "description": _MEANINGS[code]} for code in codes}


COMMON = (400, 401, 403, 404, 413, 429)


POSTGREST_PREFIX = "/rest/v1/"


def error_body(request: Request, message: str, code: str | None = None, **extra: Any) -> dict[str, Any]:
    """`{"error": message, ...}`; under /rest/v1 also PostgREST's fields (message, code, details, hint), so
    Supabase-style clients read the error as they read PostgREST's."""
    body: dict[str, Any] = {"error": message, **extra}
    if request.url.path.startswith(POSTGREST_PREFIX):
        body.update(message=message, code=code, details=None, hint=None)
    return body


async def workbench_error(request: Request, exc: WorkbenchError) -> JSONResponse:
    """A service's error as its status code and the error body."""
    sqlstate = exc.sqlstate if isinstance(exc, QueryFailed) else None
    body = error_body(request, str(exc), sqlstate)
    headers = {}
    if isinstance(exc, QueryFailed):
        body.update(sqlstate=exc.sqlstate, position=exc.position)
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after_s)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def database_unavailable(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
    """The database went away (restart, network): 503 with a message to retry, never a bare 500."""
    return JSONResponse(error_body(request, "The database is not reachable right now (it may be restarting); try"
                                            " again in a moment."), status_code=503, headers={"Retry-After": "5"})


async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """FastAPI's own HTTP errors (an unreadable body, …) with the same error body as ours."""
    return JSONResponse(error_body(request, str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's validation errors as a 400 with one readable line."""
    problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
    return JSONResponse(error_body(request, f"Invalid request: {problems}"), status_code=400)
