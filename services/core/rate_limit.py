"""A sliding one-minute window per key (per process)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from services.core.errors import RateLimited


class SlidingWindowLimiter:
    """At most `limit` calls per `window_s` seconds for each key."""

    def __init__(self, limit: int, window_s: float = 60.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one call, or raise RateLimited saying when to retry."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(key, deque())
            while calls and now - calls[0] >= self.window_s:
                calls.popleft()
            if len(calls) >= self.limit:
                retry = max(1, math.ceil(self.window_s - (now - calls[0])))
                raise RateLimited(f"Rate limit of {self.limit} requests per minute reached; retry in {retry} s.",
                                  retry_after_s=retry)
            calls.append(now)
