"""Executing one run on a worker: claim it, check it with Guardian, run its nodes in topological order
(independent branches in parallel), stop it on cancel or timeout, then record, alert, retry or block,
feed lineage, refresh the catalog and queue the webhook deliveries.

Cancel and timeout are decided from the database (any process may ask) by a watcher thread that polls
the run every quarter second and cancels the nodes' backends, so the database work stops within 2 s."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from services.activity import alerts, event_webhooks, notify, rates
from services.activity import feed as activity
from services.activity.notify import Event
from services.catalog import sync as catalog_sync
from services.core import db
from services.core.config import settings
from services.core.errors import Conflict, QueryFailed, WorkbenchError
from services.core.table_names import find_table
from services.integrations import odoo_pull
from services.integrations.dbt import importer as dbt_importer
from services.integrations.dbt import run as dbt_run
from services.lineage import store as lineage_store
from services.pipelines import guardian, ingest, materialize, python_node, runs, store, webhooks
from services.pipelines.definition import Definition, Node, parse_definition
from services.pipelines.materialize import Target
from services.quality import runs as quality_runs
from services.sql import roles as query_roles

log = logging.getLogger("workbench.pipelines")
POLL_S = 0.25
STREAM_EVERY_S = 1.0  # how often a dbt node's streamed log is written to its row
RUN_LOCK = 7_231_100  # advisory lock class: one running run per pipeline
ABANDONED_AFTER_S = 60.0  # a running run without a heartbeat this long lost its worker


class QualityGateFailed(WorkbenchError):
    """A gate node's table failed an error-severity data-quality test."""


@dataclass
class NodeOutcome:
    status: str = "pending"
    rows: int | None = None
    rejected: int | None = None
    error: str | None = None
    sqlstate: str | None = None
    position: int | None = None
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(f"{datetime.now(UTC):%H:%M:%S} {text}")


class Control:
    """Stop signals shared by the watcher and the node threads: the connections and processes to cancel."""

    def __init__(self, run_id: str, timeout_s: float) -> None:
        self.run_id = run_id
        self.deadline = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self.reason: str | None = None  # "cancelled" or "timed out"
        self._lock = threading.Lock()
        self._connections: set[psycopg.Connection] = set()
        self._processes: set[subprocess.Popen] = set()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"pipeline-run-{run_id[:8]}", daemon=True)

    def past_deadline(self) -> bool:
        return time.monotonic() >= self.deadline - 0.1

    def remaining_s(self) -> float:
        return max(self.deadline - time.monotonic(), 0.05)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def track(self, item: psycopg.Connection | subprocess.Popen) -> None:
        with self._lock:
            (self._processes if isinstance(item, subprocess.Popen) else self._connections).add(item)
            stopped = self.reason is not None
        if stopped:
            self._interrupt()

    def untrack(self, item: psycopg.Connection | subprocess.Popen) -> None:
        with self._lock:
            self._connections.discard(item)  # type: ignore[arg-type]
            self._processes.discard(item)  # type: ignore[arg-type]

    def stop(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
        self._interrupt()

    def _interrupt(self) -> None:
        with self._lock:
            connections, processes = list(self._connections), list(self._processes)
        for conn in connections:
            try:
                conn.cancel_safe(timeout=1.5)
            except Exception:  # the connection may have closed meanwhile
                log.debug("cancel failed", exc_info=True)
        for process in processes:
            process.kill()

    def _watch(self) -> None:
        while not self._done.wait(POLL_S):
            if time.monotonic() >= self.deadline:
                self.stop("timed out")
                continue
            try:
                with db.connection() as conn:
                    row = conn.execute("UPDATE ip_workbench.job_runs SET heartbeat_at = now() WHERE id = %s"
                                       " RETURNING cancel_requested", (self.run_id,)).fetchone()
            except Exception:
                log.warning("pipeline watcher could not read run %s", self.run_id, exc_info=True)
                continue
            if row is None or row[0]:
                self.stop("cancelled")


def _claim(run_id: str, worker: str) -> tuple | None:
    with db.connection() as conn:
        row = conn.execute(
            "UPDATE ip_workbench.job_runs SET status = 'running', started_at = now(), heartbeat_at = now(), worker = %s"
            " WHERE id = %s AND status = 'pending' AND NOT cancel_requested"
            " RETURNING pipeline_id::text, definition, attempt, trigger, triggered_by::text",
            (worker, run_id)).fetchone()
        if row is None:
            conn.execute("UPDATE ip_workbench.job_runs SET status = 'cancelled', completed_at = now()"
                         " WHERE id = %s AND status = 'pending' AND cancel_requested", (run_id,))
    return row


def _set_node(run_id: str, node_id: str, outcome: NodeOutcome, *, started: bool = False,
              finished: bool = False) -> None:
    with db.connection() as conn:
        conn.execute(
            "UPDATE ip_workbench.job_run_nodes SET status = %s, rows = %s, rejected = %s, error_message = %s,"
            " sqlstate = %s, position = %s, logs = %s,"
            " started_at = CASE WHEN %s THEN now() ELSE started_at END,"
            " completed_at = CASE WHEN %s THEN now() ELSE completed_at END"
            " WHERE job_run_id = %s AND node_id = %s",
            (outcome.status, outcome.rows, outcome.rejected, outcome.error, outcome.sqlstate, outcome.position,
             "\n".join(outcome.lines), started, finished, run_id, node_id))


def _failure(outcome: NodeOutcome, exc: BaseException, control: Control) -> None:
    if isinstance(exc, psycopg.Error):
        exc = materialize.as_query_failed(exc)
    if isinstance(exc, QueryFailed) and exc.sqlstate == "57014" and control.past_deadline():
        control.stop("timed out")  # the node's statement_timeout (the run's remaining time) fired first
    if isinstance(exc, QueryFailed) and exc.sqlstate == "57014" and control.reason:
        outcome.status = "cancelled" if control.reason == "cancelled" else "failed"
        outcome.error = ("Cancelled." if control.reason == "cancelled"
                         else f"The run timed out after {control.timeout_s:g} s.")
        outcome.sqlstate = "57014"
    else:
        outcome.status = "failed"
        outcome.error = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        outcome.sqlstate = getattr(exc, "sqlstate", None)
        outcome.position = getattr(exc, "position", None)
    detail = f" (SQLSTATE {outcome.sqlstate}" + (f", position {outcome.position}" if outcome.position else "") + ")" \
        if outcome.sqlstate else ""
    outcome.say(f"failed: {outcome.error}{detail}")


class _NodeRunner:
    """Runs one node: build as the writer role, then swap as the app."""

    def __init__(self, run_id: str, pipeline: store.Pipeline, report: guardian.Report, control: Control,
                 writer_conninfo: str) -> None:
        self.run_id = run_id
        self.pipeline = pipeline
        self.report = report
        self.control = control
        self.writer_conninfo = writer_conninfo

    def __call__(self, node: Node) -> NodeOutcome:
        if node.kind == "dbt":
            return self._dbt(node)
        outcome = NodeOutcome(status="running")
        outcome.say(f"started {node.kind} node → {node.target} ({node.materialization})")
        _set_node(self.run_id, node.id, outcome, started=True)
        started = time.perf_counter()
        target = Target.parse(node.target)
        try:
            with psycopg.connect(self.writer_conninfo, autocommit=True, prepare_threshold=None) as writer:
                self.control.track(writer)
                try:
                    writer.execute(f"SET statement_timeout = {int(self.control.remaining_s() * 1000)}")
                    swapped = self._build(node, target, writer, outcome)
                finally:
                    self.control.untrack(writer)
            if swapped:
                if self.control.reason:
                    raise QueryFailed("Stopped before the swap.", sqlstate="57014")
                with db.connection() as conn:
                    materialize.swap(conn, target)
                outcome.say(f"swapped {node.target} in")
            if node.quality_gate:
                self._gate(node, outcome)
            outcome.status = "completed"
            outcome.say(f"completed: {outcome.rows or 0:,} rows in {time.perf_counter() - started:.2f} s")
        except Exception as exc:  # any failure is this node's outcome, never the worker's crash
            _failure(outcome, exc, self.control)
            self._drop_staging(target)
        _set_node(self.run_id, node.id, outcome, finished=True)
        return outcome

    def _dbt(self, node: Node) -> NodeOutcome:
        """Run dbt on the node's project as the writer role, its log streamed into the node's; import the
        artifacts it wrote (docs, lineage, tests, results) whether or not it succeeded."""
        outcome = NodeOutcome(status="running")
        selection = f" --select {node.dbt_select}" if node.dbt_select else ""
        outcome.say(f"started dbt {node.dbt_command}{selection} on project {node.dbt_project}")
        _set_node(self.run_id, node.id, outcome, started=True)
        flushed = [time.monotonic()]

        def on_line(line: str) -> None:
            outcome.lines.append(line)
            if time.monotonic() - flushed[0] >= STREAM_EVERY_S:
                _set_node(self.run_id, node.id, outcome)
                flushed[0] = time.monotonic()

        try:
            project = dbt_importer.project_path(node.dbt_project or "")
            ran = dbt_run.run(project, node.dbt_command, node.dbt_select, query_roles.conninfo_for("dbt"),
                              timeout_s=self.control.remaining_s(), on_line=on_line, on_start=self.control.track,
                              keep_in=dbt_importer.kept_artifacts(project))
            if self.control.reason:
                raise QueryFailed("Stopped while dbt ran.", sqlstate="57014")
            if ran.artifacts is not None:
                report = dbt_importer.apply(ran.artifacts, imported_by=self.pipeline.owner_id,
                                            label=f"pipeline {self.pipeline.name}", path=str(project),
                                            log=outcome.lines)
                outcome.say(f"imported dbt artifacts: {report.models} models, {report.tests} tests,"
                            f" {report.results} results, {report.table_edges} table and {report.column_edges}"
                            f" column edges")
            if not ran.ok:
                failed = [r.unique_id for r in (ran.artifacts.results if ran.artifacts else [])
                          if r.status in ("fail", "error")]
                raise QueryFailed(f"dbt {node.dbt_command} failed: {ran.error}"
                                  + (f" Failed: {', '.join(failed[:5])}." if failed else ""))
            outcome.status = "completed"
            outcome.say("completed")
        except Exception as exc:  # any failure is this node's outcome, never the worker's crash
            _failure(outcome, exc, self.control)
        _set_node(self.run_id, node.id, outcome, finished=True)
        return outcome

    def _build(self, node: Node, target: Target, writer: psycopg.Connection, outcome: NodeOutcome) -> bool:
        """Write the node's rows; True when a staging relation waits to be swapped in."""
        if node.kind == "ingest":
            with db.connection() as conn:
                filename, file_format, content = ingest.load_upload(conn, node.upload_id or "")
            parsed = ingest.parse(content, file_format)
            append = node.materialization == "incremental" and materialize.exists(writer, target)
            outcome.rows = ingest.write(writer, target, filename, parsed.records, append=append)
            outcome.rejected = parsed.rejected_count
            outcome.say(f"read {filename}: {len(parsed.records):,} records, {parsed.rejected_count:,} rejected")
            for line in parsed.rejected:
                outcome.say(f"rejected {line}")
            if parsed.rejected_count:
                with db.connection() as conn:
                    alerts.raise_alert(conn, "warning", f"pipeline:{self.pipeline.name}",
                                       f"{parsed.rejected_count:,} records of {filename} could not be read and were"
                                       f" rejected by node {node.id} ({node.target}); see the run's logs.")
            return not append
        if node.kind == "odoo":
            pulled = odoo_pull.pull_for_pipeline(writer, node.odoo_model or "", node.target,
                                                 list(node.odoo_fields) if node.odoo_fields is not None else None,
                                                 list(node.odoo_domain), self.pipeline.name)
            outcome.rows, outcome.rejected = pulled.inserted, pulled.rejected
            outcome.say(f"pulled {node.odoo_model} from Odoo: {pulled.fetched:,} fetched, {pulled.inserted:,}"
                        f" appended, {pulled.rejected:,} rejected in {pulled.pages} pages")
            for reason in pulled.rejected_examples:
                outcome.say(f"rejected {reason}")
            return False
        if node.kind == "python":
            rows = python_node.run_snippet(node.python, self.writer_conninfo, self.control.remaining_s(),
                                           on_start=self.control.track)
            outcome.rows = python_node.write_rows(writer, target, rows)
            return True
        if node.materialization == "incremental" and materialize.exists(writer, target):
            columns = [c for c, _t in self.report.outputs.get(node.id, [])]
            outcome.rows = materialize.insert_incremental(writer, target, node.sql, columns, node.unique_key)
            outcome.say(f"{'merged' if node.unique_key else 'appended'} {outcome.rows:,} rows")
            return False
        outcome.rows = materialize.build_staging(writer, target, node.sql, view=node.materialization == "view")
        outcome.say(f"built {materialize.staging_name(target)}: {outcome.rows:,} rows")
        return True

    def _gate(self, node: Node, outcome: NodeOutcome) -> None:
        """Run the target's tests now; an error-severity failure fails the node, so its dependants are skipped."""
        with db.connection() as conn:
            ref = find_table(conn, node.target)
            tested = ref is not None and conn.execute("SELECT 1 FROM ip_workbench.dq_tests WHERE table_id = %s"
                                                      " LIMIT 1", (ref.id,)).fetchone()
        if not tested:
            outcome.say(f"quality gate: {node.target} has no data-quality tests yet; nothing to check")
            return
        checked = quality_runs.run_now(ref, "gate", job_run_id=self.run_id,
                                       actor_label=f"pipeline {self.pipeline.name}")
        blocking = [t for t in checked.failed if t.severity == "error"]
        outcome.say(f"quality gate: {len(checked.tests)} tests, {len(checked.failed)} failed"
                    f" ({len(blocking)} of severity error), score {checked.score}")
        if blocking:
            raise QualityGateFailed(f"Quality gate on {node.target}: {', '.join(t.name for t in blocking)} failed"
                                    f" ({'; '.join(t.message for t in blocking[:3])}); its dependants do not run.")

    def _drop_staging(self, target: Target) -> None:
        try:
            with psycopg.connect(self.writer_conninfo, autocommit=True) as writer:
                materialize.drop_staging(writer, target)
        except Exception:
            log.debug("could not drop staging of %s", target.qualified, exc_info=True)


def _parents(definition: Definition) -> dict[str, set[str]]:
    parents: dict[str, set[str]] = {n.id: set() for n in definition.nodes}
    for edge in definition.edges:
        if edge.target in parents and edge.source in parents:
            parents[edge.target].add(edge.source)
    return parents


def _run_nodes(definition: Definition, order: list[str], node_runner: _NodeRunner, control: Control,
               run_id: str) -> dict[str, NodeOutcome]:
    """Topological order, independent nodes in parallel up to WORKBENCH_PIPELINE_PARALLEL_NODES."""
    parents = _parents(definition)
    outcomes: dict[str, NodeOutcome] = {}
    pending = list(order)
    running: dict[Future, str] = {}
    with ThreadPoolExecutor(max_workers=settings().pipeline_parallel_nodes, thread_name_prefix="node") as pool:
        while pending or running:
            for node_id in list(pending):
                if control.reason:
                    outcome = NodeOutcome(status="cancelled" if control.reason == "cancelled" else "skipped")
                    outcome.say(f"not started: the run was {control.reason}")
                elif any(outcomes.get(p) and outcomes[p].status != "completed" for p in parents[node_id]):
                    outcome = NodeOutcome(status="skipped")
                    outcome.say("skipped: an upstream node did not complete")
                elif all(p in outcomes for p in parents[node_id]):
                    running[pool.submit(node_runner, definition.node(node_id))] = node_id
                    pending.remove(node_id)
                    continue
                else:
                    continue
                outcomes[node_id] = outcome
                pending.remove(node_id)
                _set_node(run_id, node_id, outcome)
            if not running:
                continue
            finished, _ = wait(list(running), timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                outcomes[running.pop(future)] = future.result()
    return outcomes


@contextlib.contextmanager
def _one_run_at_a_time(pipeline_id: str, control: Control, lines: list[str]) -> Iterator[bool]:
    """Hold the pipeline's advisory lock for the run (two runs of one pipeline never swap the same tables at
    once); wait for it while the run may still go on. Yields False when the run was stopped while waiting."""
    with psycopg.connect(db.database_url(), autocommit=True) as conn:
        said = False
        while not conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                               (RUN_LOCK, pipeline_id)).fetchone()[0]:
            if control.reason:
                yield False
                return
            if not said:
                lines.append(f"{datetime.now(UTC):%H:%M:%S} waiting for the pipeline's previous run to end")
                said = True
            time.sleep(POLL_S)
        yield True


def execute(run_id: str, worker: str = "") -> str:
    """Do one run (the queue's task body). Returns the run's final status; a run already taken, finished or
    cancelled is left alone."""
    claimed = _claim(run_id, worker)
    if claimed is None:
        return "skipped"
    pipeline_id, raw_definition, attempt, trigger, triggered_by = claimed
    control = Control(run_id, settings().pipeline_timeout_s)
    control.start()  # heartbeat, cancel and timeout from the moment the run is ours
    run_lines = [f"{datetime.now(UTC):%H:%M:%S} run started on {worker or 'a worker'} (attempt {attempt}, {trigger})"]
    outcomes: dict[str, NodeOutcome] = {}
    error: str | None = None
    try:
        with db.connection() as conn:
            pipeline = store.find(conn, pipeline_id)
        definition = parse_definition(raw_definition)
        report = guardian.validate(definition, owner_role=pipeline.owner_role, schedule=pipeline.schedule,
                                   timezone=pipeline.timezone, pipeline_name=pipeline.name)
        with db.connection() as conn:
            for node in definition.nodes:
                conn.execute("INSERT INTO ip_workbench.job_run_nodes (job_run_id, node_id, label, target)"
                             " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                             (run_id, node.id, node.label, node.target or None))
        if not report.ok:
            error = "Guardian validation failed: " + report.summary()
            run_lines.append(error)
        else:
            writer_conninfo = query_roles.conninfo_for("writer")
            node_runner = _NodeRunner(run_id, pipeline, report, control, writer_conninfo)
            with _one_run_at_a_time(pipeline_id, control, run_lines) as ours:
                if ours:
                    outcomes = _run_nodes(definition, report.order, node_runner, control, run_id)
    except Exception as exc:  # the worker keeps going; the run records why it failed
        log.exception("pipeline run %s failed", run_id)
        error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, WorkbenchError) else str(exc)
        run_lines.append(f"run failed: {error}")
    finally:
        control.finish()
    return _finish(run_id, pipeline_id, attempt, trigger, triggered_by, outcomes, control, error, run_lines)


def _finish(run_id: str, pipeline_id: str, attempt: int, trigger: str, triggered_by: str | None,
            outcomes: dict[str, NodeOutcome], control: Control, error: str | None, lines: list[str]) -> str:
    failed = [(node_id, o) for node_id, o in outcomes.items() if o.status == "failed"]
    if control.reason == "cancelled":
        status, error = "cancelled", error or "Cancelled."
    elif control.reason == "timed out":
        status, error = "failed", f"The run timed out after {control.timeout_s:g} s."
    elif error or failed:
        status = "failed"
        error = error or "; ".join(f"{node_id}: {o.error}" for node_id, o in failed)
    else:
        status = "completed"
    rows = sum(o.rows or 0 for o in outcomes.values() if o.status == "completed")
    retry_delay = settings().pipeline_retry_delay_s
    with db.connection() as conn:
        pipeline = store.find(conn, pipeline_id)
        if status == "failed" and attempt >= 2:
            status = "blocked"
            lines.append("blocked: the automatic retry failed too; an engineer or admin retries it by hand")
        lines.append(f"{datetime.now(UTC):%H:%M:%S} run {status}: {rows:,} rows" + (f"; {error}" if error else ""))
        conn.execute("UPDATE ip_workbench.job_runs SET status = %s, completed_at = now(), rows_processed = %s,"
                     " error_message = %s, logs = %s WHERE id = %s",
                     (status, rows, error, "\n".join(lines), run_id))
        rates.record_pipeline_run(conn, pipeline_id, run_id)
        activity.record(conn, "pipeline_run", f"Pipeline {pipeline.name} {status}"
                        + (f" ({rows:,} rows)" if status == "completed" else ""),
                        status=status, actor_id=triggered_by, link=f"/pipelines/runs/{run_id}")
        if status == "failed":
            retry_id = runs.create_run(conn, pipeline, trigger="retry", actor_id=triggered_by, attempt=attempt + 1,
                                       retry_of=run_id, delay_s=retry_delay)
            conn.execute("UPDATE ip_workbench.job_runs SET logs = logs || %s WHERE id = %s",
                         (f"\nretry {retry_id} queued to start in {retry_delay:g} s", run_id))
            notify.emit(conn, Event("pipeline_failed", f"pipeline:{pipeline.name}", "error",
                                    f"Pipeline {pipeline.name} failed",
                                    f"{error[:300] if error else 'see logs'}; it is retried once in {retry_delay:g} s."
                                    f" Owner: {pipeline.owner_email or '—'}.", link=f"/pipelines/runs/{run_id}"))
        elif status == "blocked":
            notify.emit(conn, Event("pipeline_failed", f"pipeline:{pipeline.name}", "error",
                                    f"Pipeline {pipeline.name} is blocked",
                                    f"its retry failed too ({error[:300] if error else 'see logs'}). Retry it by hand"
                                    f" from Job Logs. Owner: {pipeline.owner_email or '—'}.",
                                    link=f"/pipelines/runs/{run_id}"))
        completed_nodes = [pipeline.definition.node(n) for n, o in outcomes.items() if o.status == "completed"]
        for node in completed_nodes:
            if node is not None and node.kind == "sql":
                lineage_store.register_script(conn, origin="pipeline",
                                              origin_key=store.lineage_key(pipeline.id, node.id),
                                              sql=f"CREATE TABLE {node.target} AS {node.sql}",
                                              created_by=pipeline.owner_id)
        ended = runs.read(conn, run_id)
        webhooks.queue_run_summary(conn, pipeline, ended)
        event_webhooks.publish(conn, "pipeline_run.failed" if ended.status in ("failed", "blocked")
                               else "pipeline_run.finished", webhooks.run_summary(pipeline, ended))
        _queue_quality_runs(conn, run_id, [n for n in completed_nodes if n is not None and not n.quality_gate])
    if completed_nodes:
        _refresh_catalog()
    return status


def _queue_quality_runs(conn: psycopg.Connection, run_id: str, nodes: list[Node]) -> None:
    """Queue the tests of the tables the run wrote (gates ran theirs already; dbt nodes ran their own)."""
    for node in nodes:
        if node.kind == "dbt":
            continue
        ref = find_table(conn, node.target)
        if ref and conn.execute("SELECT 1 FROM ip_workbench.dq_tests WHERE table_id = %s LIMIT 1",
                                (ref.id,)).fetchone():
            quality_runs.queue_run(conn, ref.id, "pipeline", job_run_id=run_id)


def _refresh_catalog() -> None:
    """The targets' catalog entries, search documents and lineage, as a catalog sync does them."""
    try:
        catalog_sync.sync(trigger="pipeline", embed=False)
    except Conflict:
        log.info("catalog sync already running; the pipeline's targets are picked up by it")
    except Exception:
        log.exception("catalog refresh after a pipeline run failed")


def recover_abandoned(silent_s: float = ABANDONED_AFTER_S) -> list[str]:
    """Fail the runs whose worker died (no heartbeat for `silent_s`): their nodes are marked failed, the
    previous tables are intact (a swap commits whole or not at all), and the usual rule follows: retried
    once, then blocked. Returns their ids."""
    with db.connection() as conn:
        rows = conn.execute(
            "UPDATE ip_workbench.job_runs SET heartbeat_at = now() WHERE status = 'running'"
            " AND coalesce(heartbeat_at, started_at) < now() - make_interval(secs => %s)"
            " RETURNING id::text, pipeline_id::text, attempt, trigger, triggered_by::text, worker", (silent_s,)
        ).fetchall()
        for run_id, *_rest in rows:
            conn.execute("UPDATE ip_workbench.job_run_nodes SET status = 'failed', completed_at = now(),"
                         " error_message = 'The worker running this node stopped.'"
                         " WHERE job_run_id = %s AND status IN ('running', 'pending')", (run_id,))
    recovered = []
    for run_id, pipeline_id, attempt, trigger, triggered_by, worker in rows:
        error = f"The worker running it ({worker or 'unknown'}) stopped without finishing it."
        with db.connection() as conn:
            logs = conn.execute("SELECT coalesce(logs, '') FROM ip_workbench.job_runs WHERE id = %s",
                                (run_id,)).fetchone()[0]
        _finish(run_id, pipeline_id, attempt, trigger, triggered_by, {}, Control(run_id, 0), error,
                [*([logs] if logs else []), f"{datetime.now(UTC):%H:%M:%S} {error}"])
        recovered.append(run_id)
    return recovered
