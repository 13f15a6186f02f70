"""A request rate limit every process of an install shares (several app processes act as one): a
sliding-window counter in Postgres. Hits are counted per key in fixed windows; a hit is admitted while
this window's hits plus the previous window's, weighted by how much of the previous window the sliding
window still covers, stay within the limit. One upsert per hit, serialised per key by its row lock; a
refused hit is not counted."""

from __future__ import annotations

import math
from datetime import timedelta

from services.core import db
from services.core.errors import RateLimited


class SharedWindowLimiter:
    """At most `limit` calls per `window_s` seconds for each key, across every process."""

    def __init__(self, limit: int, window_s: float = 60.0, *, scope: str = "api") -> None:
        self.limit, self.window_s, self.scope = limit, window_s, scope

    def hit(self, key: str) -> None:
        """Count one call, or raise RateLimited saying when to retry."""
        name = f"{self.scope}:{key}"
        with db.connection() as conn:
            current, start, now = conn.execute(
                "WITH clock AS (SELECT clock_timestamp() AS now)"
                " INSERT INTO ip_workbench.rate_windows (key, window_start, hits)"
                " SELECT %(key)s, to_timestamp(floor(extract(epoch FROM now) / %(w)s) * %(w)s), 1 FROM clock"
                " ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1"
                " RETURNING hits, window_start, (SELECT now FROM clock)",
                {"key": name, "w": self.window_s}).fetchone()
            previous = conn.execute(
                "SELECT coalesce(max(hits), 0) FROM ip_workbench.rate_windows WHERE key = %s AND window_start = %s",
                (name, start - timedelta(seconds=self.window_s))).fetchone()[0]
            overlap = 1.0 - min((now - start).total_seconds() / self.window_s, 1.0)
            if current + previous * overlap <= self.limit:
                if current == 1:  # the first hit of a window clears this key's older windows
                    conn.execute("DELETE FROM ip_workbench.rate_windows WHERE key = %s AND window_start < %s",
                                 (name, start - timedelta(seconds=self.window_s)))
                return
            conn.execute("UPDATE ip_workbench.rate_windows SET hits = hits - 1 WHERE key = %s AND window_start = %s",
                         (name, start))
        retry = self._retry_after(current - 1, previous, (now - start).total_seconds())
        raise RateLimited(f"Rate limit of {self.limit} requests per {self.window_s:g} s reached; retry in {retry} s.",
                          retry_after_s=retry)

    def reset(self) -> None:
        """Forget every count of this limiter's scope (tests; an operator lifting a limit at once)."""
        with db.connection() as conn:
            conn.execute("DELETE FROM ip_workbench.rate_windows WHERE key LIKE %s", (f"{self.scope}:%",))

    def _retry_after(self, current: int, previous: int, elapsed: float) -> int:
        """Seconds until one more hit fits: when the previous window's share has shrunk enough, else the next
        window."""
        room = self.limit - current - 1
        share_left = 1.0 - room / previous if previous and room >= 0 else 1.0
        return max(1, math.ceil(self.window_s * share_left - elapsed))
