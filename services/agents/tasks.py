"""The agents domain's queue task: one agent run. Workers import this module."""

from __future__ import annotations

from procrastinate import JobContext

from services.agents import runner
from services.agents.runs import RUN_QUEUE, RUN_TASK
from services.core.queue import queue


@queue.task(name=RUN_TASK, queue=RUN_QUEUE, pass_context=True)
def run_agent(context: JobContext, agent_run_id: str) -> str:
    """Execute one agent run."""
    return runner.execute(agent_run_id, worker=context.worker_name or "")
