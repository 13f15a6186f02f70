"""Odoo's external API over XML-RPC (`xmlrpc.client` from the standard library): `/xmlrpc/2/common` for the
version and authentication, `/xmlrpc/2/object` `execute_kw` for everything else. Every call takes a slot of
the install-wide rate limit (WORKBENCH_ODOO_REQUESTS_PER_MINUTE, shared by all processes) and is retried up to
3 times with 1 s / 2 s backoff when the server is unreachable, times out or fails inside; refused
credentials, unknown models and bad arguments are not retried and say what is wrong."""

from __future__ import annotations

import http.client
import socket
import time
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

from services.core import shared_limit
from services.core.config import settings
from services.core.errors import ExternalServiceError, InvalidInput

RATE_KEY = "odoo"
RATE_WINDOW_S = 60.0
ATTEMPTS = 3
BACKOFF_S = (1.0, 2.0)


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def make_connection(self, host):  # noqa: ANN001, ANN201 (the standard library's signature)
        connection = super().make_connection(host)
        connection.timeout = self.timeout_s
        return connection


class _SafeTimeoutTransport(xmlrpc.client.SafeTransport):
    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def make_connection(self, host):  # noqa: ANN001, ANN201
        connection = super().make_connection(host)
        connection.timeout = self.timeout_s
        return connection


@dataclass(frozen=True)
class OdooConnection:
    url: str
    database: str
    login: str
    api_key: str


def _proxy(url: str, path: str) -> xmlrpc.client.ServerProxy:
    timeout = settings().odoo_timeout_s
    transport = _SafeTimeoutTransport(timeout) if url.startswith("https://") else _TimeoutTransport(timeout)
    return xmlrpc.client.ServerProxy(f"{url.rstrip('/')}{path}", transport=transport, allow_none=True)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, ConnectionError | socket.timeout | TimeoutError | http.client.HTTPException | OSError):
        return True
    if isinstance(exc, xmlrpc.client.ProtocolError):
        return exc.errcode >= 500 or exc.errcode == 429
    return isinstance(exc, xmlrpc.client.Fault) and "Internal Server Error" in str(exc.faultString)


def _fault_error(fault: xmlrpc.client.Fault, what: str) -> Exception:
    text = str(fault.faultString).strip().splitlines()[-1] if fault.faultString else "an error"
    if "Access Denied" in text or "access" in text.lower() and "denied" in text.lower():
        return ExternalServiceError("Odoo refused the credentials (Access Denied): check the user and API key.")
    if "doesn't exist" in text or "does not exist" in text:
        return InvalidInput(f"Odoo says: {text}.")
    return ExternalServiceError(f"Odoo could not {what}: {text}")


def _call(what: str, function) -> Any:  # noqa: ANN001 (a zero-argument callable)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with shared_limit.slot(RATE_KEY, settings().odoo_requests_per_minute, RATE_WINDOW_S):
                return function()
        except Exception as exc:
            if not _transient(exc) or attempt == ATTEMPTS:
                if isinstance(exc, xmlrpc.client.Fault):
                    raise _fault_error(exc, what) from None
                if _transient(exc):
                    raise ExternalServiceError(f"Odoo did not answer ({type(exc).__name__}: {exc}) after"
                                               f" {ATTEMPTS} attempts; is the server up?") from None
                raise ExternalServiceError(f"Odoo could not {what}: {type(exc).__name__}: {exc}") from None
            time.sleep(BACKOFF_S[attempt - 1])
    raise AssertionError("unreachable")


def version(url: str) -> dict[str, Any]:
    """The server's version (no credentials needed)."""
    return _call("say its version", lambda: _proxy(url, "/xmlrpc/2/common").version())


def authenticate(connection: OdooConnection) -> int:
    """The user's id; ExternalServiceError when Odoo refuses the credentials."""
    uid = _call("authenticate", lambda: _proxy(connection.url, "/xmlrpc/2/common").authenticate(
        connection.database, connection.login, connection.api_key, {}))
    if not uid:
        raise ExternalServiceError("Odoo refused the credentials: check the database, user and API key.")
    return int(uid)


def execute(connection: OdooConnection, uid: int, model: str, method: str, args: list,
            kwargs: dict | None = None) -> Any:
    """`execute_kw` of one model method."""
    return _call(f"run {model}.{method}", lambda: _proxy(connection.url, "/xmlrpc/2/object").execute_kw(
        connection.database, uid, connection.api_key, model, method, args, kwargs or {}))
