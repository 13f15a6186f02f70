"""Who is calling: an API key (rate-limited per key), or for downloads the browser's session cookie."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

from fastapi import Request

from services.core.config import settings
from services.core.errors import NotAuthenticated
from services.core.rate_limit import SharedWindowLimiter
from services.identity import api_keys, auth
from services.identity.users import User


def attachment(filename: str) -> dict[str, str]:
    """A Content-Disposition header for a download: a plain ASCII name (anything else becomes "_", so a
    newline in a table's name cannot end the header) and the exact name percent-encoded (RFC 6266)."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:150] or "download"
    return {"Content-Disposition": f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"}


def client_address(request: Request) -> str | None:
    """The caller's address, for the audit log."""
    return request.client.host if request.client else None


def _sent_key(request: Request) -> str | None:
    """The API key from `Authorization: Bearer <key>`, else from `apikey: <key>` (as Supabase clients send)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("apikey", "").strip() or None


async def principal(request: Request) -> User:
    """The user behind the request's API key, after the rate limit."""
    key = _sent_key(request)
    user, key_id = await asyncio.to_thread(api_keys.authenticate, key, client_address=client_address(request))
    limiter = SharedWindowLimiter(settings().api_requests_per_minute, scope="api-key")  # one count for all processes
    await asyncio.to_thread(limiter.hit, key_id)
    return user


async def key_or_session(request: Request) -> User:
    """An API key when one is sent, else the browser's session cookie (for downloads from the app)."""
    if request.headers.get("authorization") or request.headers.get("apikey"):
        return await principal(request)
    user = await asyncio.to_thread(auth.resolve_session, request.cookies.get("wb_session"))
    if user is None:
        raise NotAuthenticated("Sign in, or send an API key as 'Authorization: Bearer <key>'.")
    return user
