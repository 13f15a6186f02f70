"""Prometheus metrics at /metrics (prometheus-client), for a scraper holding WORKBENCH_METRICS_TOKEN.

Two kinds:
- this process's request counts and latencies per route (with PROMETHEUS_MULTIPROC_DIR set before the
  processes start, prometheus-client adds up every process's files, so any process answers for all);
- figures read from Postgres at scrape time, the same whichever process answers: SQL executions and
  their time, LLM calls, tokens and cost, queue depth and live workers, runs per status, scheduler leaders.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import psycopg
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from services.core import db
from services.core.config import settings
from services.core.errors import NotAuthenticated, NotFound
from services.core.queue import QUEUE_SCHEMA
from services.runtime import health

REQUESTS = Counter("workbench_http_requests", "HTTP requests answered, per route and status code",
                   ["method", "route", "status"])
LATENCY = Histogram("workbench_http_request_duration_seconds", "Time to answer an HTTP request, per route",
                    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request (route: the route's path template, so ids do not multiply series)."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def check_scrape_token(authorization: str | None) -> None:
    """NotFound while metrics are off (no token configured); NotAuthenticated without the right bearer token."""
    token = settings().metrics_token
    if not token:
        raise NotFound("Metrics are off: set WORKBENCH_METRICS_TOKEN and scrape /metrics with that bearer token.")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise NotAuthenticated("Send the scrape token as `Authorization: Bearer <WORKBENCH_METRICS_TOKEN>`.")


class DatabaseCollector(Collector):
    """Figures every process shares, read from Postgres when scraped."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with db.connection() as conn:
            conn.execute("SET LOCAL statement_timeout = '5s'")
            yield from _sql(conn)
            yield from _llm(conn)
            yield from _queue(conn)
            yield from _runs(conn)
            leaders = GaugeMetricFamily("workbench_scheduler_leaders", "Processes holding the scheduler's lead"
                                        " (1 when healthy)")
            leaders.add_metric([], health.scheduler_leaders(conn))
            yield leaders


def _sql(conn: psycopg.Connection) -> Iterator[CounterMetricFamily]:
    runs = CounterMetricFamily("workbench_sql_executions", "SQL executions, per source and outcome",
                               labels=["source", "status"])
    seconds = CounterMetricFamily("workbench_sql_execution_seconds", "Time spent in SQL executions, per source",
                                  labels=["source"])
    per_source: dict[str, float] = {}
    for source, status, count, total_s in conn.execute(
            "SELECT coalesce(source, 'editor'), coalesce(status, 'unknown'), count(*),"
            " coalesce(sum(execution_time_ms), 0) / 1000.0 FROM ip_workbench.query_history GROUP BY 1, 2"):
        runs.add_metric([source, status], count)
        per_source[source] = per_source.get(source, 0.0) + float(total_s)
    for source, total in per_source.items():
        seconds.add_metric([source], total)
    yield runs
    yield seconds


def _llm(conn: psycopg.Connection) -> Iterator[CounterMetricFamily]:
    calls = CounterMetricFamily("workbench_llm_calls", "LLM calls, per model, purpose and outcome",
                                labels=["model", "purpose", "status"])
    tokens = CounterMetricFamily("workbench_llm_tokens", "LLM tokens, per model and kind", labels=["model", "kind"])
    cost = CounterMetricFamily("workbench_llm_cost_usd", "LLM cost in US dollars, per model", labels=["model"])
    totals: dict[str, list[float]] = {}
    for model, purpose, status, count, prompt, completion, usd in conn.execute(
            "SELECT model, coalesce(purpose, 'other'), coalesce(status, 'ok'), count(*), sum(prompt_tokens),"
            " sum(completion_tokens), sum(cost_usd) FROM ip_workbench.llm_requests GROUP BY 1, 2, 3"):
        calls.add_metric([model, purpose, status], count)
        sums = totals.setdefault(model, [0.0, 0.0, 0.0])
        sums[0] += float(prompt or 0)
        sums[1] += float(completion or 0)
        sums[2] += float(usd or 0)
    for model, (prompt, completion, usd) in totals.items():
        tokens.add_metric([model, "prompt"], prompt)
        tokens.add_metric([model, "completion"], completion)
        cost.add_metric([model], usd)
    yield from (calls, tokens, cost)


def _queue(conn: psycopg.Connection) -> Iterator[GaugeMetricFamily]:
    jobs = GaugeMetricFamily("workbench_queue_jobs", "Task-queue jobs waiting or running, per queue",
                             labels=["queue", "status"])
    for queue_name, status, count in conn.execute(
            f"SELECT queue_name, status::text, count(*) FROM {QUEUE_SCHEMA}.procrastinate_jobs"
            " WHERE status IN ('todo', 'doing') GROUP BY 1, 2"):
        jobs.add_metric([queue_name, status], count)
    workers = GaugeMetricFamily("workbench_queue_workers", "Task-queue workers with a heartbeat in the last minute")
    workers.add_metric([], conn.execute(
        f"SELECT count(*) FROM {QUEUE_SCHEMA}.procrastinate_workers WHERE last_heartbeat > now()"
        " - make_interval(secs => %s)",
        (health.WORKER_SILENT_AFTER_S,)).fetchone()[0])
    yield from (jobs, workers)


def _runs(conn: psycopg.Connection) -> Iterator[GaugeMetricFamily]:
    runs = GaugeMetricFamily("workbench_runs", "Pipeline, data-quality and agent runs, per kind and status",
                             labels=["kind", "status"])
    for kind, table in (("pipeline", "job_runs"), ("quality", "dq_runs"), ("agent", "agent_runs")):
        for status, count in conn.execute(f"SELECT status, count(*) FROM ip_workbench.{table} GROUP BY 1"):
            runs.add_metric([kind, status], count)
    yield runs


_database_registry = CollectorRegistry(auto_describe=False)
_database_registry.register(DatabaseCollector())


def exposition() -> tuple[bytes, str]:
    """The text a scraper reads and its content type: every process's request figures, then the database's."""
    if settings().metrics_multiprocess_dir:
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        local = generate_latest(processes)
    else:
        local = generate_latest(REGISTRY)
    return local + generate_latest(_database_registry), CONTENT_TYPE_LATEST
