"""Task success of an agent on a labelled task set (tests/data/agent_tasks.json) over the demo warehouse.

Each task's answer comes from its answer_sql at evaluation time (one value); a run passes when it completes
and its output holds that number within the task's tolerance (kind number) or contains that text (kind text),
judged as the Test Agent modal judges samples. The agent under test has the warehouse-query, table-schema and
calculator tools and the registry's default prompt: nothing from the task set reaches a prompt."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from services.agents import registry, runner, runs, samples
from services.core import db
from services.core.config import PROJECT_ROOT

TASKS = PROJECT_ROOT / "tests" / "data" / "agent_tasks.json"
AGENT = {"name": "Warehouse task evaluator", "description": "Answers warehouse questions with SQL and arithmetic.",
         "tools": ["sql_query", "table_schema", "calculator"], "budget_usd": 0.5, "max_steps": 8, "max_tokens": 384}


@dataclass(frozen=True)
class Scored:
    id: str
    split: str
    passed: bool
    status: str
    expected: str
    output: str | None
    seconds: float
    model_calls: int
    tool_calls: int
    cost_usd: Decimal


def load(path: Path = TASKS) -> list[dict[str, Any]]:
    """The tasks."""
    return json.loads(path.read_text())["tasks"]


def expected(task: dict[str, Any]) -> str:
    """The task's answer on the warehouse as it is now (one value; ValueError otherwise)."""
    with db.connection() as conn:
        rows = conn.execute(task["answer_sql"]).fetchall()
    if len(rows) != 1 or len(rows[0]) != 1 or rows[0][0] is None:
        raise ValueError(f"{task['id']}: answer_sql must give one non-null value, gave {rows!r}")
    value = rows[0][0]
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def judge(task: dict[str, Any], answer: str, output: str | None) -> bool:
    """Whether `output` holds the answer."""
    if task["kind"] == "number":
        return samples.judge("number", answer, Decimal(str(task.get("tolerance", 0))), output)
    return samples.judge("contains", answer, Decimal(0), output)


def evaluator(actor: Any, model: str | None = None) -> str:
    """The agent under test, created or updated; returns its name."""
    spec = registry.parse_spec({**AGENT, **({"model": model} if model else {})})
    registry.apply(actor, spec)
    return spec.name


def evaluate(actor: Any, tasks: list[dict[str, Any]], model: str | None = None) -> list[Scored]:
    """Run every task once, in this process, and judge it."""
    name = evaluator(actor, model)
    scored = []
    for task in tasks:
        answer = expected(task)
        started = time.perf_counter()
        run_id = runs.begin_now(actor, name, task["prompt"])
        runner.run(run_id)
        seconds = time.perf_counter() - started
        run = runs.get(actor, run_id)
        scored.append(Scored(
            id=task["id"], split=task["split"], passed=run.status == "completed" and judge(task, answer, run.output),
            status=run.status, expected=answer, output=run.output, seconds=round(seconds, 2),
            model_calls=sum(s.kind == "model" for s in run.steps), tool_calls=sum(s.kind == "tool" for s in run.steps),
            cost_usd=run.cost_usd or Decimal(0)))
    return scored
