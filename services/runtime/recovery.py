"""Jobs whose worker died. Procrastinate's workers send a heartbeat every few seconds; a job still
`doing` whose worker has been silent for STALLED_AFTER_S (killed, machine lost) is ended here, every
RECOVERY_EVERY_S on the scheduler's leader, so nothing stays "running" forever:

- the queue's job is marked failed (never run twice at once: it is only touched once its worker is gone);
- the run it carried is failed with a message naming the worker: a data-quality or agent run; a pipeline
  run through its own heartbeat recovery (`pipelines.runner.recover_abandoned`), which applies the
  pipeline's retry rule (retried once, then blocked);
- a delivery (alert, webhook) is put back on the queue: deliveries keep their own attempt count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from services.activity import event_webhooks, notify
from services.agents import runner as agent_runner
from services.agents import runs as agent_runs
from services.core import db
from services.core.queue import QUEUE_SCHEMA, SEARCH_PATH
from services.pipelines import runner as pipeline_runner
from services.pipelines import runs as pipeline_runs
from services.pipelines import webhooks as pipeline_webhooks
from services.quality import runs as quality_runs

STALLED_AFTER_S = 30.0  # workers beat every 10 s (procrastinate's default) and prune each other after 30 s
RECOVERY_EVERY_S = 15  # so a dead worker's job is ended within 45 s
RECOVERY_JOB_ID = "stalled_jobs"
_DELIVERIES = (notify.DELIVER_TASK, event_webhooks.DELIVER_TASK, pipeline_webhooks.DELIVER_TASK)
log = logging.getLogger("workbench.recovery")


@dataclass(frozen=True)
class RecoveredJob:
    job_id: int
    task_name: str
    action: str  # failed, retried


def _stalled(silent_s: float) -> list[tuple[int, str, dict[str, Any], str | None]]:
    with db.connection() as conn:
        return conn.execute(
            f"SELECT j.id, j.task_name, j.args, w.id::text FROM {QUEUE_SCHEMA}.procrastinate_jobs j"
            f" LEFT JOIN {QUEUE_SCHEMA}.procrastinate_workers w ON w.id = j.worker_id WHERE j.status = 'doing'"
            " AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => %s))", (silent_s,)).fetchall()


def _end(job_id: int, retry: bool) -> bool:
    """Fail the job, or put it back for another worker, through procrastinate's own procedures; False when it
    left `doing` meanwhile (its worker came back and finished it)."""
    with db.connection() as conn:
        if conn.execute(f"SELECT status FROM {QUEUE_SCHEMA}.procrastinate_jobs WHERE id = %s FOR UPDATE",
                        (job_id,)).fetchone() != ("doing",):
            return False
        conn.execute(f"SET LOCAL search_path TO {SEARCH_PATH}")  # its procedures name their tables bare
        if retry:
            conn.execute("SELECT procrastinate_retry_job_v2(%s, now(), NULL, NULL, NULL)", (job_id,))
        else:
            conn.execute("SELECT procrastinate_finish_job_v1(%s, 'failed', false)", (job_id,))
    return True


def recover_stalled_jobs(silent_s: float = STALLED_AFTER_S) -> list[RecoveredJob]:
    """End every job whose worker stopped sending heartbeats; returns what was done."""
    recovered = []
    for job_id, task_name, args, worker in _stalled(silent_s):
        retry = task_name in _DELIVERIES
        if not _end(job_id, retry):
            continue
        error = f"The worker running it (queue worker {worker or 'gone'}) stopped without finishing it."
        if task_name == quality_runs.RUN_TASK:
            quality_runs.fail_abandoned(args["dq_run_id"], error)
        elif task_name == agent_runs.RUN_TASK:
            agent_runner.fail_abandoned(args["agent_run_id"], error)
        elif task_name == pipeline_runs.RUN_TASK:  # its run's own heartbeat stopped with the worker
            pipeline_runner.recover_abandoned(silent_s)
        log.warning("job %s (%s) lost its worker: %s", job_id, task_name, "retried" if retry else "failed")
        recovered.append(RecoveredJob(job_id, task_name, "retried" if retry else "failed"))
    return recovered
