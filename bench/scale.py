"""Scale-out benchmarks: API requests/s for a small query with 1, 2 and 4 backend processes (and p95);
pipeline runs per minute with 1 and 2 `workbench worker` processes; backup and restore of the demo
warehouse at scale 10."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import make_conninfo

from bench.common import summary, write
from devtools.app_server import free_port
from services.core import db
from services.core.config import settings
from services.identity import api_keys, users
from services.identity.operator import current_operator
from services.pipelines import runs, store
from services.pipelines.definition import parse_spec
from services.runtime import backup as backups

PROCESSES = (1, 2, 4)
CLIENTS = 16
LOAD_SECONDS = 15.0
PIPELINES = 32
WORKER_COUNTS = (1, 2)


def _user(role: str):
    email = f"bench-scale-{role}@example.com"
    return users.find_by_email(email) or users.create_user(current_operator(), email, role,
                                                           password="bench-password-1").user


@contextlib.contextmanager
def _api_server(processes: int) -> Iterator[str]:
    """The API under granian (the server `reflex run --env prod` uses) with `processes` workers."""
    port = free_port()
    env = {**os.environ, "WORKBENCH_API_REQUESTS_PER_MINUTE": "100000000"}
    server = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", str(processes), "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "workbench.api.app:api"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        seen: set[str] = set()
        while len(seen) < processes:  # every process up (each answers on its own connections)
            assert server.poll() is None, server.stderr.read().decode(errors="replace")[-2000:]
            assert time.monotonic() < deadline, "the API processes did not start"
            with contextlib.suppress(httpx.HTTPError):
                seen.add(httpx.get(f"{url}/api/health", timeout=2).headers["X-Workbench-Process"])
            time.sleep(0.05)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(10)


def _load(url: str, key: str, seconds: float) -> tuple[list[float], int, set[str]]:
    """CLIENTS clients, each on its own kept-alive connection, posting `SELECT 1` for `seconds`: the
    latencies (ms) of the answered requests, the failures, and the processes that served them."""
    stop = time.monotonic() + seconds

    def client(_: int) -> tuple[list[float], int, set[str]]:
        latencies, failed, served = [], 0, set()
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as session:
            while time.monotonic() < stop:
                started = time.perf_counter()
                answer = session.post("/api/rpc/execute_sql", json={"sql": "SELECT 1"})
                if answer.status_code == 200:
                    latencies.append((time.perf_counter() - started) * 1000)
                    served.add(answer.headers["X-Workbench-Process"])
                else:
                    failed += 1
        return latencies, failed, served

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    return ([ms for r in results for ms in r[0]], sum(r[1] for r in results),
            set().union(*(r[2] for r in results)))


def api_throughput() -> None:
    """Requests/s and p95 for a small query through the API with 1, 2 and 4 processes; the baseline of each
    is the one-process figure of the same run."""
    engineer = _user("engineer")
    key = api_keys.create_key(current_operator(), engineer.email, "bench-scale").key
    measured: dict[int, dict] = {}
    for processes in PROCESSES:
        with _api_server(processes) as url:
            _load(url, key, 2.0)  # warm the pools of every process
            latencies, failed, served = _load(url, key, LOAD_SECONDS)
        measured[processes] = {"requests_per_s": len(latencies) / LOAD_SECONDS, "failed": failed,
                               "processes_that_served": len(served), **summary(latencies)}
        print(f"  {processes} process(es): {measured[processes]['requests_per_s']:.0f} req/s,"
              f" p95 {measured[processes]['p95']:.1f} ms")
    one = measured[1]["requests_per_s"]
    for processes in PROCESSES:
        figures = measured[processes]
        write(f"scale_api_small_query_{processes}p", figure=figures["requests_per_s"], unit="requests/s",
              baseline=one, baseline_label="the same load against one process, same run",
              goal="more processes serve more where cores allow (this machine: 2 cores, shared with the load)",
              details={"p95_ms": figures["p95"], "p50_ms": figures["p50"], "clients": CLIENTS,
                       "seconds": LOAD_SECONDS, "query": "SELECT 1 via POST /api/rpc/execute_sql", **figures})


def _pipelines(engineer) -> list[str]:
    """PIPELINES one-node pipelines over a small table (distinct, so no run waits for another's lock)."""
    with db.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS silver.bench_scale_src AS SELECT g AS id, g::numeric AS amount"
                     " FROM generate_series(1, 1000) g")
    from services.sql import roles as query_roles

    with db.connection() as conn:
        query_roles.grant_warehouse_access(conn)
    names = []
    for index in range(PIPELINES):
        name = f"bench_scale_{index}"
        store.apply(engineer, parse_spec({"name": name, "definition": {"nodes": [
            {"id": "one", "type": "silver", "data": {"target": f"silver.bench_scale_{index}",
                                                     "sql": "SELECT id, amount * 2 AS amount"
                                                            " FROM silver.bench_scale_src"}}], "edges": []}}))
        names.append(name)
    return names


def _workers_alive() -> int:
    """Workers with a heartbeat in the last 5 s (the bench runs no others)."""
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM procrastinate.procrastinate_workers"
                            " WHERE last_heartbeat > now() - interval '5 seconds'").fetchone()[0]


def _unfinished(run_ids: list[str]) -> int:
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM ip_workbench.job_runs WHERE id = ANY(%s::uuid[]) AND status NOT IN"
                            " ('completed', 'failed', 'blocked', 'cancelled')", (run_ids,)).fetchone()[0]


def pipeline_throughput() -> None:
    """All PIPELINES runs queued at once, done by 1 and by 2 `workbench worker` processes (concurrency 2
    each): runs per minute from the queueing to the last run's end; baseline: one worker."""
    engineer = _user("engineer")
    names = _pipelines(engineer)
    measured: dict[int, dict] = {}
    for count in WORKER_COUNTS:
        worker_names = [f"bench-scale-{count}-{i}" for i in range(count)]
        workers = [subprocess.Popen([str(Path(sys.executable).parent / "workbench"), "worker", "--concurrency", "2",
                                     "--name", name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                   for name in worker_names]
        try:
            deadline = time.monotonic() + 120
            while _workers_alive() < count:
                assert time.monotonic() < deadline, "the workers did not start"
                time.sleep(0.2)
            started = time.perf_counter()
            run_ids = [runs.start(engineer, name).id for name in names]
            while _unfinished(run_ids):
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                worker.send_signal(signal.SIGTERM)
            for worker in workers:
                worker.wait(60)
            time.sleep(6)  # their heartbeats age out before the next count
        with db.connection() as conn:
            completed = conn.execute("SELECT count(*) FROM ip_workbench.job_runs WHERE id = ANY(%s::uuid[]) AND"
                                     " status = 'completed'", (run_ids,)).fetchone()[0]
        measured[count] = {"runs": len(run_ids), "completed": completed, "seconds": elapsed,
                           "runs_per_minute": len(run_ids) / elapsed * 60}
        print(f"  {count} worker(s): {measured[count]['runs_per_minute']:.0f} runs/min ({completed} completed)")
    one = measured[1]["runs_per_minute"]
    for count in WORKER_COUNTS:
        write(f"scale_pipeline_runs_{count}w", figure=measured[count]["runs_per_minute"], unit="runs/minute",
              baseline=one, baseline_label="the same runs with one worker, same run",
              goal="PRD: 1000+ workflows a day (0.7 a minute)", details=measured[count])


def backup_and_restore(scale: int = 10) -> None:
    """`workbench backup` of the demo warehouse at `scale` against pg_dump alone, and `workbench restore`
    into a fresh WORKBENCH_HOME (its own embedded server) against pg_restore into an empty database."""
    from services.demo import load as demo

    demo.load(scale)
    folder = Path(tempfile.mkdtemp(prefix="wbbench-backup-"))
    try:
        started = time.perf_counter()
        made = backups.backup(folder / "workbench.dump")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([db.client_tool("pg_dump"), "--format=custom", "--compress=6",
                        f"--file={folder / 'bare.dump'}", f"--dbname={db.database_url()}"], check=True)
        bare_dump_s = time.perf_counter() - started
        write("scale_backup_demo_10", figure=backup_s, unit="s", baseline=bare_dump_s,
              baseline_label="pg_dump -Fc -Z6 of the same database alone", goal="minutes, not hours",
              details={"bytes": made.bytes, "scale": scale})

        home = folder / "restored-home"
        home.mkdir()
        if settings().secret_key_file.exists():
            shutil.copy2(settings().secret_key_file, home / "secret.key")
        started = time.perf_counter()
        restored = subprocess.run([str(Path(sys.executable).parent / "workbench"), "restore", made.path, "--json"],
                                  env={**os.environ, "WORKBENCH_HOME": str(home)}, capture_output=True, text=True)
        restore_s = time.perf_counter() - started
        assert restored.returncode == 0, restored.stderr[-2000:]
        with psycopg.connect(db.database_url(), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_bare_restore")
            conn.execute("CREATE DATABASE bench_bare_restore")
        target = make_conninfo(db.database_url(), dbname="bench_bare_restore")
        started = time.perf_counter()
        subprocess.run([db.client_tool("pg_restore"), "--single-transaction", "--no-owner", "--no-acl",
                        f"--dbname={target}", made.path], check=True, capture_output=True)
        bare_restore_s = time.perf_counter() - started
        with psycopg.connect(db.database_url(), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_bare_restore")
        write("scale_restore_demo_10", figure=restore_s, unit="s", baseline=bare_restore_s,
              baseline_label="pg_restore of the same file into an empty database on the running server",
              goal="minutes, not hours",
              details={"includes": "starting a new embedded server in a fresh WORKBENCH_HOME, grants, migrations",
                       "report": json.loads(restored.stdout), "scale": scale})
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the restore's embedded server stopped with its CLI


def run() -> None:
    """Every scale-out benchmark."""
    api_throughput()
    pipeline_throughput()
    backup_and_restore()
