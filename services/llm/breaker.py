"""A circuit breaker per model that every process shares (a row of ip_workbench.circuit_breakers):
`threshold` failures in a row open it for `open_s`, then one probe decides. The probe holds a lease
(`probe_s`), so a process that died while probing does not keep the breaker shut."""

from __future__ import annotations

from services.core import db


class CircuitBreaker:
    """closed → (threshold failures) → open → (after open_s) → half-open: one probe; success closes it."""

    def __init__(self, name: str, threshold: int, open_s: float, probe_s: float = 120.0) -> None:
        self.name, self.threshold, self.open_s, self.probe_s = name, threshold, open_s, probe_s

    def _row(self) -> tuple[int, float | None]:
        """(failures, seconds since it opened or None when closed)."""
        with db.connection() as conn:
            row = conn.execute("SELECT failures, extract(epoch FROM clock_timestamp() - opened_at)"
                               " FROM ip_workbench.circuit_breakers WHERE name = %s", (self.name,)).fetchone()
        return (int(row[0]), None if row[1] is None else float(row[1])) if row else (0, None)

    @property
    def state(self) -> str:
        _failures, since = self._row()
        if since is None:
            return "closed"
        return "half-open" if since >= self.open_s else "open"

    @property
    def failures(self) -> int:
        return self._row()[0]

    def allow(self) -> bool:
        """May a call go through now? In half-open only one probe at a time, in any process, does."""
        with db.connection() as conn:
            opened = conn.execute("SELECT opened_at IS NOT NULL FROM ip_workbench.circuit_breakers WHERE name = %s",
                                  (self.name,)).fetchone()
            if not opened or not opened[0]:
                return True
            return conn.execute(
                "UPDATE ip_workbench.circuit_breakers SET probe_until = clock_timestamp() + make_interval(secs => %s)"
                " WHERE name = %s AND opened_at <= clock_timestamp() - make_interval(secs => %s)"
                " AND (probe_until IS NULL OR probe_until < clock_timestamp()) RETURNING 1",
                (self.probe_s, self.name, self.open_s)).fetchone() is not None

    def retry_in_s(self) -> float:
        _failures, since = self._row()
        return 0.0 if since is None else max(0.0, self.open_s - since)

    def succeeded(self) -> None:
        with db.connection() as conn:
            conn.execute("UPDATE ip_workbench.circuit_breakers SET failures = 0, opened_at = NULL, probe_until = NULL"
                         " WHERE name = %s AND (failures > 0 OR opened_at IS NOT NULL)", (self.name,))

    def failed(self) -> None:
        """One more failure: it opens at the threshold, and again at once when the probe failed."""
        with db.connection() as conn:
            conn.execute(
                "INSERT INTO ip_workbench.circuit_breakers AS b (name, failures, opened_at) VALUES (%(n)s, 1,"
                " CASE WHEN %(t)s <= 1 THEN clock_timestamp() END) ON CONFLICT (name) DO UPDATE SET"
                " failures = b.failures + 1, opened_at = CASE WHEN b.probe_until IS NOT NULL"
                " OR b.failures + 1 >= %(t)s THEN clock_timestamp() ELSE b.opened_at END, probe_until = NULL",
                {"n": self.name, "t": self.threshold})


def reset_all() -> None:
    """Forget every breaker's state (tests; an operator after fixing a provider)."""
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.circuit_breakers")
