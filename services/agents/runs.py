"""Agent runs: started by hand, over the API (a deployed agent's trigger URL) or by the CLI; queued runs go
through the worker queue (task `agents.run`), so they survive a closed browser. Each run acts for the user who
started it: its tools check that user's permissions. Cancel stops a run at its next step boundary (and stops
waiting for an in-flight model call); retry starts a new run with the same input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from services.agents import registry
from services.core import db
from services.core.errors import Conflict, InvalidInput, NotFound
from services.core.queue import enqueue
from services.identity import audit
from services.identity.rbac import Permission, authorize

RUN_TASK = "agents.run"
RUN_QUEUE = "agents"
FINISHED = frozenset({"completed", "failed", "cancelled", "budget_exceeded"})
MAX_PROMPT_CHARS = 20_000


@dataclass(frozen=True)
class Step:
    position: int
    kind: str
    tool: str | None
    input: str | None
    output: str | None
    error: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: Decimal
    latency_ms: int | None


@dataclass(frozen=True)
class Run:
    id: str
    agent: str
    status: str
    input: str
    output: str | None
    tokens_used: int | None
    cost_usd: Decimal | None
    budget_usd: Decimal
    model: str | None
    trigger: str
    error: str | None
    suggestion: str | None
    trace_url: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    requested_by: str | None
    tool_calling: str | None = None  # native or json, once the run started
    steps: list[Step] = field(default_factory=list)


def _check_prompt(prompt: str) -> str:
    text = (prompt or "").strip()
    if not text:
        raise InvalidInput("Give the agent a prompt.")
    if len(text) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"Prompts are limited to {MAX_PROMPT_CHARS:,} characters.")
    return text


def create_run(conn: psycopg.Connection, agent: registry.Agent, prompt: str, *, requested_by: str | None,
               trigger: str, status: str = "pending", retry_of: str | None = None) -> str:
    """A run row (pending runs are queued too, in the caller's transaction); returns its id."""
    run_id = conn.execute(
        "INSERT INTO ip_workbench.agent_runs (agent_id, status, input_prompt, requested_by, trigger, budget_usd,"
        " max_steps, agent_version, model, retry_of, started_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " CASE WHEN %s = 'running' THEN now() END) RETURNING id::text",
        (agent.id, status, prompt, requested_by, trigger, agent.spec.budget_usd, agent.spec.max_steps,
         agent.version, agent.spec.model, retry_of, status)).fetchone()[0]
    if status == "pending":
        enqueue(conn, RUN_TASK, queue_name=RUN_QUEUE, agent_run_id=run_id)
    return run_id


def start(actor: Any, agent_name: str, prompt: str, *, trigger: str = "manual",
          client_address: str | None = None) -> str:
    """Queue a run of the agent for a worker (Use AI Assist: engineers, admins, service); returns its id."""
    authorize(actor, Permission.USE_AI_ASSIST, client_address=client_address)
    text = _check_prompt(prompt)
    with db.connection() as conn:
        agent = registry.find(conn, agent_name)
        if trigger == "api" and not agent.deployed:
            raise Conflict(f"Agent {agent.spec.name} is not deployed; deploy it to take runs over the API.")
        run_id = create_run(conn, agent, text, requested_by=actor.id, trigger=trigger)
        audit.record(action="agent_run_started", actor=actor, target=agent.spec.name, client_address=client_address,
                     conn=conn, details={"run_id": run_id, "trigger": trigger})
    return run_id


def begin_now(actor: Any, agent_name: str, prompt: str) -> str:
    """A run this process executes at once (the CLI): created running; returns its id."""
    authorize(actor, Permission.USE_AI_ASSIST)
    text = _check_prompt(prompt)
    with db.connection() as conn:
        agent = registry.find(conn, agent_name)
        return create_run(conn, agent, text, requested_by=actor.id, trigger="manual", status="running")


_SELECT = ("SELECT r.id::text, a.name, r.status, r.input_prompt, r.output, r.tokens_used, r.cost_usd, r.budget_usd,"
           " r.model, r.trigger, r.error_message, r.suggestion, r.trace_url, r.created_at, r.started_at,"
           " r.completed_at, u.email, r.tool_calling FROM ip_workbench.agent_runs r JOIN ip_workbench.agents a"
           " ON a.id = r.agent_id"
           " LEFT JOIN ip_workbench.users u ON u.id = r.requested_by")


def read(conn: psycopg.Connection, run_id: str) -> Run:
    """A run with its steps (no permission check)."""
    try:
        row = conn.execute(_SELECT + " WHERE r.id = %s::uuid", (run_id,)).fetchone()
    except psycopg.errors.InvalidTextRepresentation:
        row = None
    if row is None:
        raise NotFound("There is no such agent run.")
    steps = [Step(*s[:9], Decimal(s[9]), s[10]) for s in conn.execute(
        "SELECT position, kind, tool, input, output, error, model, prompt_tokens, completion_tokens, cost_usd,"
        " latency_ms FROM ip_workbench.agent_steps WHERE run_id = %s ORDER BY position", (run_id,)).fetchall()]
    return Run(*row[:6], Decimal(row[6]) if row[6] is not None else None, Decimal(row[7]), *row[8:], steps=steps)


def get(actor: Any, run_id: str) -> Run:
    """One run (View Agent Runs: not viewers)."""
    authorize(actor, Permission.VIEW_AGENT_RUNS)
    with db.connection() as conn:
        return read(conn, run_id)


def list_runs(actor: Any, agent_name: str | None = None, *, limit: int = 100) -> list[Run]:
    """Runs, newest first (steps not loaded)."""
    authorize(actor, Permission.VIEW_AGENT_RUNS)
    with db.connection() as conn:
        if agent_name:
            agent = registry.find(conn, agent_name)
            rows = conn.execute(_SELECT + " WHERE r.agent_id = %s ORDER BY r.created_at DESC LIMIT %s",
                                (agent.id, limit)).fetchall()
        else:
            rows = conn.execute(_SELECT + " ORDER BY r.created_at DESC LIMIT %s", (limit,)).fetchall()
    return [Run(*r[:6], Decimal(r[6]) if r[6] is not None else None, Decimal(r[7]), *r[8:]) for r in rows]


def cancel(actor: Any, run_id: str, *, client_address: str | None = None) -> Run:
    """Ask a run to stop (a pending one stops at once)."""
    authorize(actor, Permission.USE_AI_ASSIST, client_address=client_address)
    with db.connection() as conn:
        run = read(conn, run_id)
        if run.status in FINISHED:
            raise Conflict(f"The run has ended ({run.status}).")
        conn.execute("UPDATE ip_workbench.agent_runs SET cancel_requested = true, status = CASE WHEN status ="
                     " 'pending' THEN 'cancelled' ELSE status END, completed_at = CASE WHEN status = 'pending'"
                     " THEN now() END WHERE id = %s", (run_id,))
        audit.record(action="agent_run_cancelled", actor=actor, target=run.agent, client_address=client_address,
                     conn=conn, details={"run_id": run_id})
        return read(conn, run_id)


def retry(actor: Any, run_id: str, *, client_address: str | None = None) -> str:
    """A new queued run of the same agent and input; returns its id."""
    authorize(actor, Permission.USE_AI_ASSIST, client_address=client_address)
    with db.connection() as conn:
        run = read(conn, run_id)
        if run.status not in FINISHED:
            raise Conflict("The run is still going; cancel it first.")
        agent = registry.find(conn, run.agent)
        return create_run(conn, agent, run.input, requested_by=actor.id, trigger="retry", retry_of=run_id)
