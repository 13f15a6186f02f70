"""Agents, their runs, prices and costs: one shape for the API and `workbench agent|llm|costs … --json`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from services.activity.costs import CostReport
from services.activity.rates import Rate
from services.agents.registry import Agent
from services.agents.runs import Run
from services.llm.prices import Price


class AgentOut(BaseModel):
    id: str
    name: str
    description: str
    tools: list[str]
    model: str | None = Field(description="LiteLLM model string; null: the local model (the gateway's default).")
    system_prompt: str
    temperature: float
    max_tokens: int
    budget_usd: float
    max_steps: int
    tool_calling: str = Field(description="auto, native (LiteLLM function calling) or json (JSON-action protocol)")
    version: int
    deployed: bool
    updated_at: datetime

    @classmethod
    def of(cls, agent: Agent) -> AgentOut:
        spec = agent.spec
        return cls(id=agent.id, name=spec.name, description=spec.description, tools=spec.tools, model=spec.model,
                   system_prompt=spec.system_prompt, temperature=spec.temperature, max_tokens=spec.max_tokens,
                   budget_usd=float(spec.budget_usd), max_steps=spec.max_steps, tool_calling=spec.tool_calling,
                   version=agent.version,
                   deployed=agent.deployed, updated_at=agent.updated_at)


class AppliedAgentOut(BaseModel):
    created: bool
    agent: AgentOut


class StepOut(BaseModel):
    kind: str = Field(description="model or tool")
    tool: str | None
    input: str | None
    output: str | None
    error: str | None
    model: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    cost_usd: float
    latency_ms: int | None


class RunOut(BaseModel):
    run_id: str
    agent: str
    status: str = Field(description="pending, running, completed, failed, cancelled or budget_exceeded")
    input: str
    output: str | None
    tokens_used: int | None
    cost_usd: float | None
    budget_usd: float
    model: str | None
    trigger: str
    error: str | None
    suggestion: str | None
    trace_url: str | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    requested_by: str | None
    tool_calling: str | None = Field(description="native or json: how the run called its tools")
    steps: list[StepOut]

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls(run_id=run.id, agent=run.agent, status=run.status, input=run.input, output=run.output,
                   tokens_used=run.tokens_used, cost_usd=float(run.cost_usd) if run.cost_usd is not None else None,
                   budget_usd=float(run.budget_usd), model=run.model, trigger=run.trigger, error=run.error,
                   suggestion=run.suggestion, trace_url=run.trace_url, created_at=run.created_at,
                   started_at=run.started_at, completed_at=run.completed_at, requested_by=run.requested_by,
                   tool_calling=run.tool_calling,
                   steps=[StepOut(kind=s.kind, tool=s.tool, input=s.input, output=s.output, error=s.error,
                                  model=s.model, prompt_tokens=s.prompt_tokens, completion_tokens=s.completion_tokens,
                                  cost_usd=float(s.cost_usd), latency_ms=s.latency_ms) for s in run.steps])


class RunStartedOut(BaseModel):
    run_id: str
    status: str


class PriceOut(BaseModel):
    model: str
    input_per_1m: float
    output_per_1m: float
    source: str = Field(description="admin (set here), litellm (its local price map) or none (free)")
    updated_at: datetime | None

    @classmethod
    def of(cls, price: Price) -> PriceOut:
        return cls(model=price.model, input_per_1m=float(price.input_per_1m), output_per_1m=float(price.output_per_1m),
                   source=price.source, updated_at=price.updated_at)


class CostsOut(BaseModel):
    since: date
    total_usd: float
    by_service: dict[str, float]
    by_day: list[dict[str, Any]]
    by_model: list[dict[str, Any]]
    by_agent: list[dict[str, Any]]
    by_user: list[dict[str, Any]]
    by_pipeline: list[dict[str, Any]] = Field(description="pipeline compute: name, runs, cost_usd")

    @classmethod
    def of(cls, found: CostReport) -> CostsOut:
        def plain(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [{k: float(v) if k == "cost_usd" else v for k, v in item.items()} for item in items]

        return cls(since=found.since, total_usd=float(found.total_usd),
                   by_service={k: float(v) for k, v in found.by_service.items()}, by_day=plain(found.by_day),
                   by_model=plain(found.by_model), by_agent=plain(found.by_agent), by_user=plain(found.by_user),
                   by_pipeline=plain(found.by_pipeline))


class RateOut(BaseModel):
    name: str = Field(description="pipeline_run_minute or storage_gb_month")
    usd: float
    meaning: str
    updated_at: datetime | None

    @classmethod
    def of(cls, found: Rate) -> RateOut:
        return cls(name=found.name, usd=float(found.usd), meaning=found.meaning, updated_at=found.updated_at)
