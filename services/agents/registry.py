"""The agent registry: agents as files (`{"name", "description", "tools", "model"?, "system_prompt"?,
"temperature"?, "max_tokens"?, "budget_usd", "max_steps"?}`), created or updated by name, every change a new
version, audited. Engineers, admins and service principals create and deploy; admins delete; viewers see no
agents (PRD §6)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.agents.tools import check_tool_ids
from services.core import db, row_security
from services.core.errors import InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()-]{0,79}$")
MAX_BUDGET_USD = Decimal(100)
DEFAULT_SYSTEM_PROMPT = ("You are a careful data assistant for a finance team. Use the tools to look facts up"
                         " in the warehouse and to compute; never guess numbers.")
_KEYS = {"name", "description", "tools", "model", "system_prompt", "temperature", "max_tokens", "budget_usd",
         "max_steps", "tool_calling"}
TOOL_CALLING = ("auto", "native", "json")


@dataclass(frozen=True)
class AgentSpec:
    name: str
    description: str = ""
    tools: list[str] = field(default_factory=list)
    model: str | None = None
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    temperature: float = 0.0
    max_tokens: int = 512
    budget_usd: Decimal = Decimal("0.50")
    max_steps: int = 8
    tool_calling: str = "auto"  # native function calls, the JSON-action protocol, or native when LiteLLM knows it

    def as_json(self) -> dict[str, Any]:
        """The agent file."""
        data = asdict(self)
        data["budget_usd"] = str(self.budget_usd)
        return data


@dataclass(frozen=True)
class Agent:
    id: str
    spec: AgentSpec
    version: int
    deployed: bool
    created_by: str | None
    updated_at: datetime


def _number(data: dict, key: str, default: float, low: float, high: float, *, whole: bool = False) -> Any:
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or (whole and not float(value).is_integer()):
        raise InvalidInput(f"{key} must be a {'whole ' if whole else ''}number.")
    if not low <= value <= high:
        raise InvalidInput(f"{key} must be between {low:g} and {high:g}.")
    return int(value) if whole else float(value)


def parse_spec(data: Any) -> AgentSpec:
    """An agent file (dict) → AgentSpec; InvalidInput naming the field that is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput("An agent file is a JSON object.")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InvalidInput(f"Unknown fields: {', '.join(unknown)}; an agent file has {', '.join(sorted(_KEYS))}.")
    name = data.get("name")
    if not isinstance(name, str) or not NAME.match(name.strip()):
        raise InvalidInput("name is 1–80 letters, digits, spaces, '_', '.', '(', ')' or '-'.")
    model = data.get("model")
    if model is not None and (not isinstance(model, str) or not model.strip() or len(model) > 200):
        raise InvalidInput("model is a LiteLLM model string (e.g. gpt-4o-mini), or left out for the local model.")
    try:
        budget = Decimal(str(data.get("budget_usd", "0.50")))
    except (InvalidOperation, ValueError):
        raise InvalidInput("budget_usd is a number of US dollars.") from None
    if not budget.is_finite() or not Decimal("0.0001") <= budget <= MAX_BUDGET_USD:
        raise InvalidInput(f"budget_usd is between 0.0001 and {MAX_BUDGET_USD} US dollars per run.")
    tool_calling = data.get("tool_calling") or "auto"
    if tool_calling not in TOOL_CALLING:
        raise InvalidInput("tool_calling is auto (native function calls when the model has them, else JSON"
                           " actions), native or json.")
    for key in ("description", "system_prompt"):
        if data.get(key) is not None and (not isinstance(data[key], str) or len(data[key]) > 20_000):
            raise InvalidInput(f"{key} is text of at most 20,000 characters.")
    return AgentSpec(
        name=name.strip(), description=(data.get("description") or "").strip(),
        tools=check_tool_ids(data.get("tools", [])), model=model.strip() if model else None,
        system_prompt=(data.get("system_prompt") or DEFAULT_SYSTEM_PROMPT).strip(),
        temperature=_number(data, "temperature", 0.0, 0, 2), max_tokens=_number(data, "max_tokens", 512, 16, 32_000,
                                                                                whole=True),
        budget_usd=budget, max_steps=_number(data, "max_steps", 8, 1, 50, whole=True), tool_calling=tool_calling)


def parse_spec_text(text: str) -> AgentSpec:
    """An agent file's text → AgentSpec."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The agent file is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}.") \
            from None
    return parse_spec(data)


_SELECT = ("SELECT id::text, name, coalesce(description, ''), tools, model, coalesce(system_prompt, ''),"
           " temperature, max_tokens, budget_usd, max_steps, version, deployed, created_by::text, updated_at,"
           " tool_calling"
           " FROM ip_workbench.agents")


def _agent(row: tuple) -> Agent:
    spec = AgentSpec(name=row[1], description=row[2], tools=list(row[3] or []), model=row[4], system_prompt=row[5],
                     temperature=float(row[6] or 0), max_tokens=int(row[7] or 512), budget_usd=Decimal(row[8]),
                     max_steps=int(row[9]), tool_calling=row[14])
    return Agent(row[0], spec, row[10], row[11], row[12], row[13])


def find(conn: psycopg.Connection, name_or_id: str) -> Agent:
    """The agent by name or id; NotFound otherwise."""
    row = conn.execute(_SELECT + " WHERE name = %s OR id::text = %s", (name_or_id, name_or_id)).fetchone()
    if row is None:
        raise NotFound(f"There is no agent named {name_or_id}.")
    return _agent(row)


def apply(actor: Any, spec: AgentSpec, *, client_address: str | None = None) -> tuple[Agent, bool]:
    """Create or update the agent the file names (a new version when anything changed); (agent, created)."""
    authorize(actor, Permission.CREATE_AGENTS, client_address=client_address)
    values = (spec.description, Jsonb(spec.tools), spec.model, spec.system_prompt, spec.temperature, spec.max_tokens,
              spec.budget_usd, spec.max_steps, spec.tool_calling)
    with db.connection() as conn:
        current = conn.execute(_SELECT + " WHERE name = %s FOR UPDATE", (spec.name,)).fetchone()
        if current is None:
            with row_security.acting_as(conn, actor):
                agent_id = conn.execute(
                    "INSERT INTO ip_workbench.agents (name, description, tools, model, system_prompt, temperature,"
                    " max_tokens, budget_usd, max_steps, tool_calling, created_by, updated_by) VALUES (%s, %s, %s,"
                    " %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id::text",
                    (spec.name, *values, actor.id, actor.id)).fetchone()[0]
            version, created = 1, True
        else:
            existing = _agent(current)
            if existing.spec == spec:
                return existing, False
            agent_id, version, created = existing.id, existing.version + 1, False
            row_security.change_as(
                conn, actor, f"agent {spec.name!r}",
                "UPDATE ip_workbench.agents SET description = %s, tools = %s, model = %s, system_prompt = %s,"
                " temperature = %s, max_tokens = %s, budget_usd = %s, max_steps = %s, tool_calling = %s,"
                " version = %s, updated_by = %s, updated_at = now() WHERE id = %s",
                (*values, version, actor.id, agent_id))
        conn.execute("INSERT INTO ip_workbench.agent_versions (agent_id, version, definition, changed_by)"
                     " VALUES (%s, %s, %s, %s)", (agent_id, version, Jsonb(spec.as_json()), actor.id))
        audit.record(action="agent_created" if created else "agent_updated", actor=actor, target=spec.name,
                     client_address=client_address, conn=conn, details={"version": version})
        return find(conn, agent_id), created


def get(actor: Any, name_or_id: str) -> Agent:
    """One agent (View Agent Runs: not viewers)."""
    authorize(actor, Permission.VIEW_AGENT_RUNS)
    with db.connection() as conn:
        return find(conn, name_or_id)


def list_agents(actor: Any) -> list[Agent]:
    """Every agent, by name."""
    authorize(actor, Permission.VIEW_AGENT_RUNS)
    with db.connection() as conn:
        return [_agent(r) for r in conn.execute(_SELECT + " ORDER BY name").fetchall()]


def deploy(actor: Any, name_or_id: str, *, client_address: str | None = None) -> Agent:
    """Mark the agent deployed: its trigger URL takes runs from API keys."""
    authorize(actor, Permission.DEPLOY_AGENTS, client_address=client_address)
    with db.connection() as conn:
        agent = find(conn, name_or_id)
        row_security.change_as(conn, actor, f"agent {agent.spec.name!r}",
                               "UPDATE ip_workbench.agents SET deployed = true WHERE id = %s", (agent.id,))
        audit.record(action="agent_deployed", actor=actor, target=agent.spec.name, client_address=client_address,
                     conn=conn)
        return find(conn, agent.id)


def delete(actor: Any, name_or_id: str, *, client_address: str | None = None) -> None:
    """Delete an agent and its runs (admins)."""
    authorize(actor, Permission.DELETE_AGENTS, client_address=client_address)
    with db.connection() as conn:
        agent = find(conn, name_or_id)
        row_security.change_as(conn, actor, f"agent {agent.spec.name!r}",
                               "DELETE FROM ip_workbench.agents WHERE id = %s", (agent.id,))
        audit.record(action="agent_deleted", actor=actor, target=agent.spec.name, client_address=client_address,
                     conn=conn)
