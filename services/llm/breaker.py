"""A circuit breaker per model: 5 failures in a row open it for 60 s, then one probe decides."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """closed → (threshold failures) → open → (after open_s) → half-open: one probe; success closes it."""

    def __init__(self, threshold: int, open_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold, self.open_s, self.clock = threshold, open_s, clock
        self._lock = threading.Lock()
        self.failures = 0
        self.opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.open_s else "open"

    def allow(self) -> bool:
        """May a call go through now? In half-open only one probe at a time does."""
        with self._lock:
            state = self._state()
            if state == "closed":
                return True
            if state == "half-open" and not self._probing:
                self._probing = True
                return True
            return False

    def retry_in_s(self) -> float:
        with self._lock:
            return 0.0 if self.opened_at is None else max(0.0, self.open_s - (self.clock() - self.opened_at))

    def succeeded(self) -> None:
        with self._lock:
            self.failures, self.opened_at, self._probing = 0, None, False

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            if self._probing or self.failures >= self.threshold:
                self.opened_at = self.clock()
            self._probing = False
