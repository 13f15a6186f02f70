"""A rate limit every process of an install shares (several app processes and workers act as one): a log of
calls per key in Postgres, read and written under an advisory lock. A call's entry is stamped when it is
admitted and again when it ends, and a new call is admitted only when fewer than `limit` entries are younger
than `window_s` — so however long calls take on the wire, the far side never sees more than `limit` of them
start in any `window_s` seconds. Callers wait for a free slot (outside services are called at their pace)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

from services.core import db
from services.core.errors import RateLimited


def _admit(key: str, limit: int, window_s: float, max_wait_s: float) -> tuple[int, float]:
    started = time.monotonic()
    while True:
        with db.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"rate:{key}",))
            conn.execute("DELETE FROM ip_workbench.rate_events WHERE key = %s"
                         " AND at < clock_timestamp() - make_interval(secs => %s)", (key, window_s))
            used, wait = conn.execute(
                "SELECT count(*), extract(epoch FROM min(at) + make_interval(secs => %s) - clock_timestamp())"
                " FROM ip_workbench.rate_events WHERE key = %s", (window_s, key)).fetchone()
            if used < limit:
                entry = conn.execute("INSERT INTO ip_workbench.rate_events (key) VALUES (%s) RETURNING id",
                                     (key,)).fetchone()[0]
                return entry, time.monotonic() - started
        pause = max(float(wait or 0), 0.01)
        if time.monotonic() - started + pause > max_wait_s:
            raise RateLimited(f"{key}: {limit} calls per {window_s:g} s are taken; retry in {pause:.0f} s.",
                              retry_after_s=max(1, round(pause)))
        time.sleep(pause)


@contextlib.contextmanager
def slot(key: str, limit: int, window_s: float = 60.0, *, max_wait_s: float = 300.0) -> Iterator[float]:
    """Hold one call's slot while the block runs (waiting for one first, up to `max_wait_s`, else RateLimited);
    yields the seconds waited."""
    entry, waited = _admit(key, limit, window_s, max_wait_s)
    try:
        yield waited
    finally:
        with db.connection() as conn:
            conn.execute("UPDATE ip_workbench.rate_events SET at = clock_timestamp() WHERE id = %s", (entry,))
