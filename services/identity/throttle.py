"""Failed sign-ins and API-key checks counted per client address in Postgres (so every app process sees
the same count): past the limit in a minute, that address waits, whatever account or key it tries."""

from __future__ import annotations

from services.core import db
from services.core.config import settings
from services.core.errors import RateLimited

WINDOW_S = 60


def check(kind: str, client_address: str | None) -> None:
    """RateLimited when `client_address` already failed `kind` ("password" or "api_key") too often."""
    if not client_address:
        return
    with db.connection() as conn:
        row = conn.execute(
            "SELECT failures, ceil(extract(epoch FROM window_start + make_interval(secs => %s) - now()))::int"
            " FROM ip_workbench.auth_failures WHERE client_address = %s AND kind = %s"
            " AND window_start > now() - make_interval(secs => %s)",
            (WINDOW_S, client_address, kind, WINDOW_S)).fetchone()
    if row and row[0] >= settings().auth_failures_per_minute:
        wait = max(1, row[1])
        what = "sign-in attempts" if kind == "password" else "requests with an invalid API key"
        raise RateLimited(f"Too many failed {what} from your address; retry in {wait} s.", retry_after_s=wait)


def record_failure(kind: str, client_address: str | None) -> None:
    """Count one failure of `kind` for `client_address` in the current window (a new window after a minute)."""
    if not client_address:
        return
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO ip_workbench.auth_failures AS f (client_address, kind, window_start, failures)"
            " VALUES (%(address)s, %(kind)s, now(), 1) ON CONFLICT (client_address, kind) DO UPDATE SET"
            " failures = CASE WHEN f.window_start <= now() - make_interval(secs => %(window)s) THEN 1"
            "                 ELSE f.failures + 1 END,"
            " window_start = CASE WHEN f.window_start <= now() - make_interval(secs => %(window)s) THEN now()"
            "                     ELSE f.window_start END",
            {"address": client_address, "kind": kind, "window": WINDOW_S})
