"""The browser's session cookie: set HttpOnly on a real HTTP response after sign-in, cleared on sign-out."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from services.core.config import settings
from services.core.errors import NotAuthenticated
from services.identity import auth
from workbench.api.deps import client_address
from workbench.navigation import safe_next

router = APIRouter(tags=["session"], include_in_schema=False)
SESSION_COOKIE = "wb_session"


def _served_over_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


@router.get("/api/session/start")
async def start_session(request: Request, code: str = "", next: str = "/") -> RedirectResponse:  # noqa: A002
    """Exchange the one-time sign-in code for the session cookie (HttpOnly, SameSite=Strict, Secure over HTTPS)."""
    try:
        signed = await asyncio.to_thread(auth.complete_sign_in, code, client_address=client_address(request))
    except NotAuthenticated:
        return RedirectResponse("/login", status_code=303)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, signed.token, max_age=int(settings().session_hours * 3600), path="/",
                        httponly=True, samesite="strict", secure=_served_over_https(request))
    return response


@router.get("/api/session/end")
async def end_session(request: Request) -> RedirectResponse:
    """Forget the cookie (the session itself was ended by the sign-out) and show the login page."""
    await asyncio.to_thread(auth.logout, request.cookies.get(SESSION_COOKIE), client_address=client_address(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_served_over_https(request))
    return response
