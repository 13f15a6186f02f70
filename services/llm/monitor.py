"""The LLM Gateway Monitor (Observability, admins): requests per minute, average and p95 latency, error rate,
cost today, requests and tokens per model, each model's circuit breaker, the last requests. Four queries, each
over a time range of the created_at index (bench: `make bench BENCH_ARGS="--only agents"` over 1M rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from services.core import db
from services.identity.rbac import Permission, authorize
from services.llm import gateway, langfuse_config


@dataclass(frozen=True)
class GatewayStats:
    window_minutes: int
    requests: int
    requests_per_minute: float
    avg_latency_ms: float | None
    p95_latency_ms: float | None
    error_rate: float | None
    cost_today_usd: Decimal
    per_model: list[dict[str, Any]] = field(default_factory=list)
    breakers: list[dict[str, Any]] = field(default_factory=list)
    last_requests: list[dict[str, Any]] = field(default_factory=list)
    langfuse_url: str | None = None


def window_figures(conn: psycopg.Connection, window: int) -> tuple:
    """(requests, average latency, p95 latency, failed) over the last `window` minutes."""
    return conn.execute(
        "SELECT count(*), avg(latency_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms),"
        " count(*) FILTER (WHERE status <> 'completed') FROM ip_workbench.llm_requests"
        " WHERE created_at >= now() - make_interval(mins => %s)", (window,)).fetchone()


def cost_today(conn: psycopg.Connection) -> Decimal:
    """What model calls cost since midnight (the database's time zone)."""
    return Decimal(conn.execute("SELECT coalesce(sum(cost_usd), 0) FROM ip_workbench.llm_requests"
                                " WHERE created_at >= date_trunc('day', now())").fetchone()[0])


def per_model(conn: psycopg.Connection, window: int) -> list[dict[str, Any]]:
    """Requests, tokens, cost and failures per model over the window."""
    rows = conn.execute(
        "SELECT model, count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost_usd), 0),"
        " count(*) FILTER (WHERE status <> 'completed') FROM ip_workbench.llm_requests"
        " WHERE created_at >= now() - make_interval(mins => %s) GROUP BY model ORDER BY 2 DESC", (window,)).fetchall()
    return [{"model": m, "requests": n, "tokens": int(t), "cost_usd": Decimal(c), "failed": f}
            for m, n, t, c, f in rows]


def latest(conn: psycopg.Connection, last: int) -> list[dict[str, Any]]:
    """The newest requests."""
    rows = conn.execute(
        "SELECT created_at, model, status, latency_ms, prompt_tokens, completion_tokens, cost_usd, purpose"
        " FROM ip_workbench.llm_requests ORDER BY created_at DESC LIMIT %s", (max(1, min(last, 100)),)).fetchall()
    return [{"at": r[0], "model": r[1], "status": r[2], "latency_ms": r[3], "tokens": (r[4] or 0) + (r[5] or 0),
             "cost_usd": Decimal(r[6] or 0), "purpose": r[7]} for r in rows]


def stats(actor: Any, *, window_minutes: int = 60, last: int = 10) -> GatewayStats:
    """The monitor's figures over the last `window_minutes`."""
    authorize(actor, Permission.ACCESS_LANGFUSE)
    window = max(1, min(window_minutes, 24 * 60))
    with db.connection() as conn:
        total, avg, p95, failed = window_figures(conn, window)
        today = cost_today(conn)
        models = per_model(conn, window)
        newest = latest(conn, last)
    return GatewayStats(
        window_minutes=window, requests=total, requests_per_minute=round(total / window, 2),
        avg_latency_ms=round(float(avg), 1) if avg is not None else None,
        p95_latency_ms=round(float(p95), 1) if p95 is not None else None,
        error_rate=round(failed / total, 4) if total else None, cost_today_usd=today, per_model=models,
        breakers=gateway.gateway_status(), last_requests=newest,
        langfuse_url=langfuse.base_url if (langfuse := langfuse_config.current()) else None)


def since_label(moment: datetime) -> str:
    """HH:MM:SS of a request, for the live list."""
    return moment.strftime("%H:%M:%S")
