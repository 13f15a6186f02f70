"""A request rate limit every process of an install shares (several app processes act as one): hits are
counted per key in one-second buckets in Postgres, and a hit is admitted while the buckets of the last
`window_s` seconds hold fewer than `limit`. One upsert and one sum over at most `window_s` rows per hit,
serialised per key by the bucket's row lock; a refused hit is not counted."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from services.core import db
from services.core.errors import RateLimited

BUCKET_S = 1


class SharedWindowLimiter:
    """At most `limit` calls per `window_s` seconds for each key, across every process."""

    def __init__(self, limit: int, window_s: float = 60.0, *, scope: str = "api") -> None:
        self.limit, self.window_s, self.scope = limit, window_s, scope

    def hit(self, key: str) -> None:
        """Count one call, or raise RateLimited saying when to retry."""
        name = f"{self.scope}:{key}"
        with db.connection() as conn:
            current, bucket, now = conn.execute(
                "WITH clock AS (SELECT clock_timestamp() AS now)"
                " INSERT INTO ip_workbench.rate_windows (key, window_start, hits)"
                " SELECT %(key)s, to_timestamp(floor(extract(epoch FROM now) / %(b)s) * %(b)s), 1 FROM clock"
                " ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1"
                " RETURNING hits, window_start, (SELECT now FROM clock)", {"key": name, "b": BUCKET_S}).fetchone()
            since = bucket - timedelta(seconds=self.window_s - BUCKET_S)
            buckets = conn.execute(
                "SELECT window_start, hits FROM ip_workbench.rate_windows WHERE key = %s AND window_start >= %s"
                " ORDER BY window_start", (name, since)).fetchall()
            if sum(hits for _start, hits in buckets) <= self.limit:
                if current == 1:  # once a second at most: this key's buckets that left the window go
                    conn.execute("DELETE FROM ip_workbench.rate_windows WHERE key = %s AND window_start < %s",
                                 (name, since))
                return
            conn.execute("UPDATE ip_workbench.rate_windows SET hits = hits - 1 WHERE key = %s AND window_start = %s",
                         (name, bucket))
        retry = self._retry_after([(start, hits - (1 if start == bucket else 0)) for start, hits in buckets], now)
        raise RateLimited(f"Rate limit of {self.limit} requests per {self.window_s:g} s reached; retry in {retry} s.",
                          retry_after_s=retry)

    def _retry_after(self, buckets: list[tuple[datetime, int]], now: datetime) -> int:
        """Seconds until enough of the oldest buckets leave the window for one more hit."""
        excess = sum(hits for _start, hits in buckets) + 1 - self.limit
        for start, hits in buckets:
            excess -= hits
            if excess <= 0:
                return max(1, math.ceil((start + timedelta(seconds=self.window_s) - now).total_seconds()))
        return max(1, math.ceil(self.window_s))

    def reset(self) -> None:
        """Forget every count of this limiter's scope (tests; an operator lifting a limit at once)."""
        with db.connection() as conn:
            conn.execute("DELETE FROM ip_workbench.rate_windows WHERE key LIKE %s", (f"{self.scope}:%",))
