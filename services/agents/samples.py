"""The Test Agent modal's samples: prompts with what the answer must be — it contains a text, it matches a
regular expression, or it holds a number within a tolerance. They are kept as the agent's evaluation set;
testing queues one run per sample (trigger `test`) and each sample's verdict is read from its latest run."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.agents import registry, runs
from services.core import db
from services.core.errors import InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize

KINDS = ("contains", "regex", "number")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


@dataclass(frozen=True)
class Sample:
    id: str
    prompt: str
    kind: str
    expected: str
    tolerance: Decimal
    run_id: str | None = None
    run_status: str | None = None
    output: str | None = None
    passed: bool | None = None  # None: not run yet, or still running


def judge(kind: str, expected: str, tolerance: Decimal, output: str | None) -> bool:
    """Whether an answer satisfies a sample."""
    text = output or ""
    if kind == "contains":
        return expected.strip().lower() in text.lower()
    if kind == "regex":
        return re.search(expected, text, re.IGNORECASE | re.DOTALL) is not None
    target = Decimal(expected)
    for found in NUMBER.findall(text):
        try:
            if abs(Decimal(found.replace(",", "")) - target) <= tolerance:
                return True
        except InvalidOperation:
            continue
    return False


def add_sample(actor: Any, agent_name: str, prompt: str, kind: str, expected: str, tolerance: float | str = 0, *,
               client_address: str | None = None) -> Sample:
    """Add a sample to the agent's evaluation set (engineers, admins, service)."""
    authorize(actor, Permission.CREATE_AGENTS, client_address=client_address)
    prompt, expected = (prompt or "").strip(), (expected or "").strip()
    if not prompt or len(prompt) > runs.MAX_PROMPT_CHARS:
        raise InvalidInput("A sample needs a prompt (at most 20,000 characters).")
    if kind not in KINDS:
        raise InvalidInput(f"The expected answer is one of: {', '.join(KINDS)}.")
    if not expected:
        raise InvalidInput("Say what the answer must hold.")
    try:
        margin = Decimal(str(tolerance or 0))
        if kind == "number":
            Decimal(expected.replace(",", ""))
    except InvalidOperation:
        raise InvalidInput("A number sample expects a number, and the tolerance is a number.") from None
    if kind == "regex":
        try:
            re.compile(expected)
        except re.error as exc:
            raise InvalidInput(f"The regular expression is not valid: {exc}.") from None
    if margin < 0:
        raise InvalidInput("The tolerance is zero or more.")
    with db.connection() as conn:
        agent = registry.find(conn, agent_name)
        sample_id = conn.execute(
            "INSERT INTO ip_workbench.agent_samples (agent_id, prompt, expect_kind, expected, tolerance, created_by)"
            " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id::text",
            (agent.id, prompt, kind, expected.replace(",", "") if kind == "number" else expected, margin,
             actor.id)).fetchone()[0]
        audit.record(action="agent_sample_added", actor=actor, target=agent.spec.name, client_address=client_address,
                     conn=conn)
    return Sample(sample_id, prompt, kind, expected, margin)


def list_samples(actor: Any, agent_name: str) -> list[Sample]:
    """The evaluation set with each sample's latest run and verdict."""
    authorize(actor, Permission.VIEW_AGENT_RUNS)
    with db.connection() as conn:
        agent = registry.find(conn, agent_name)
        rows = conn.execute(
            "SELECT s.id::text, s.prompt, s.expect_kind, s.expected, s.tolerance, r.id::text, r.status, r.output"
            " FROM ip_workbench.agent_samples s LEFT JOIN LATERAL (SELECT id, status, output FROM"
            " ip_workbench.agent_runs WHERE sample_id = s.id ORDER BY created_at DESC LIMIT 1) r ON true"
            " WHERE s.agent_id = %s ORDER BY s.created_at", (agent.id,)).fetchall()
    samples = []
    for sample_id, prompt, kind, expected, tolerance, run_id, status, output in rows:
        verdict = None
        if status in runs.FINISHED:
            verdict = status == "completed" and judge(kind, expected, Decimal(tolerance), output)
        samples.append(Sample(sample_id, prompt, kind, expected, Decimal(tolerance), run_id, status, output, verdict))
    return samples


def delete_sample(actor: Any, sample_id: str) -> None:
    """Remove a sample (its runs stay)."""
    authorize(actor, Permission.CREATE_AGENTS)
    with db.connection() as conn:
        if not conn.execute("DELETE FROM ip_workbench.agent_samples WHERE id::text = %s RETURNING 1",
                            (sample_id,)).fetchone():
            raise NotFound("There is no such sample.")


def test_agent(actor: Any, agent_name: str, *, client_address: str | None = None) -> list[str]:
    """Queue one run per sample (trigger `test`); returns the run ids."""
    authorize(actor, Permission.USE_AI_ASSIST, client_address=client_address)
    with db.connection() as conn:
        agent = registry.find(conn, agent_name)
        found = conn.execute("SELECT id::text, prompt FROM ip_workbench.agent_samples WHERE agent_id = %s"
                             " ORDER BY created_at", (agent.id,)).fetchall()
        if not found:
            raise InvalidInput(f"{agent.spec.name} has no samples yet; add some first.")
        run_ids = []
        for sample_id, prompt in found:
            run_id = runs.create_run(conn, agent, prompt, requested_by=actor.id, trigger="test")
            conn.execute("UPDATE ip_workbench.agent_runs SET sample_id = %s WHERE id = %s", (sample_id, run_id))
            run_ids.append(run_id)
        audit.record(action="agent_tested", actor=actor, target=agent.spec.name, client_address=client_address,
                     conn=conn, details={"samples": len(run_ids)})
    return run_ids
