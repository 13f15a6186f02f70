"""Task-queue workers: `workbench worker` runs one in the foreground; each app process runs
WORKBENCH_APP_WORKERS of them in a background thread. Any number of them, on any machine that reaches
the database, share the queue; procrastinate gives each job to exactly one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import warnings

import procrastinate

from services.activity import notify
from services.activity import tasks as activity_tasks
from services.agents import runs as agent_runs
from services.agents import tasks as agent_tasks
from services.core import db
from services.core.queue import queue, worker_connector
from services.pipelines import tasks as pipeline_tasks
from services.pipelines.runs import RUN_QUEUE
from services.pipelines.webhooks import DELIVER_QUEUE
from services.quality import runs as quality_runs
from services.quality import tasks as quality_tasks
from services.runtime import backup as runtime_backup
from services.runtime import tasks as runtime_tasks

# Importing these registers their tasks on the queue.
TASK_MODULES = (pipeline_tasks, activity_tasks, quality_tasks, agent_tasks, runtime_tasks)
QUEUES = (RUN_QUEUE, DELIVER_QUEUE, notify.DELIVER_QUEUE, quality_runs.RUN_QUEUE, agent_runs.RUN_QUEUE,
          runtime_backup.BACKUP_QUEUE)
log = logging.getLogger("workbench.worker")


def _worker_app() -> procrastinate.App:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return queue.with_connector(worker_connector(db.database_url()))


async def _work(concurrency: int, name: str, install_signal_handlers: bool) -> None:
    app = _worker_app()
    async with app.open_async():
        await app.run_worker_async(concurrency=concurrency, name=name, queues=list(QUEUES),
                                   install_signal_handlers=install_signal_handlers, listen_notify=True,
                                   fetch_job_polling_interval=1.0, abort_job_polling_interval=2.0,
                                   delete_jobs="successful")


def default_name() -> str:
    """host:pid, shown on runs as the worker that did them."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_forever(concurrency: int = 2, name: str | None = None) -> None:
    """Work until interrupted (Ctrl+C / SIGTERM stop it gracefully)."""
    asyncio.run(_work(concurrency, name or default_name(), install_signal_handlers=True))


class BackgroundWorker:
    """A worker on its own event loop in a daemon thread (inside the app process)."""

    def __init__(self, concurrency: int = 2, name: str | None = None) -> None:
        self._concurrency = concurrency
        self._name = name or f"{default_name()}-app"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._thread = threading.Thread(target=self._run, name="workbench-worker", daemon=True)

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(_work(self._concurrency, self._name, install_signal_handlers=False))
        try:
            self._loop.run_until_complete(self._task)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("the in-app worker stopped")
        finally:
            self._loop.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the worker to finish its current jobs and stop."""
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(timeout=timeout_s)
