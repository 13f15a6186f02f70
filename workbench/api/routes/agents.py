"""Agents over the API: the registry, the trigger of a deployed agent (`POST /api/agents/{id}/runs` answers
`{"run_id", "status": "pending"}` at once; `GET /api/agent-runs/{id}` gives the result), cancel and retry,
the n8n workflow to import, prices and costs. Same shapes as the CLI's --json."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field

from services.activity import costs as spending
from services.activity import rates
from services.agents import n8n, registry, runs
from services.identity.users import User
from services.llm import prices
from workbench.api.deps import client_address, key_or_session, principal
from workbench.api.errors import COMMON, error_responses
from workbench.responses.agents import AgentOut, AppliedAgentOut, CostsOut, PriceOut, RateOut, RunOut, RunStartedOut

router = APIRouter(tags=["agents"])
_FILE = Body(..., description='An agent file: {"name", "description", "tools": [ids], "model"?, "system_prompt"?,'
                              ' "temperature"?, "max_tokens"?, "budget_usd", "max_steps"?}')


class RunRequest(BaseModel):
    prompt: str = Field(..., max_length=20_000, description="What the agent is asked.")


class PriceRequest(BaseModel):
    input_per_1m: float = Field(..., ge=0)
    output_per_1m: float = Field(..., ge=0)


class RateRequest(BaseModel):
    usd: float = Field(..., ge=0, description="USD per run-minute (pipeline_run_minute) or per GB-month")


@router.get("/api/agents", responses=error_responses(*COMMON))
async def list_agents(user: User = Depends(principal)) -> list[AgentOut]:  # noqa: B008
    """Every agent."""
    return [AgentOut.of(a) for a in await asyncio.to_thread(registry.list_agents, user)]


@router.post("/api/agents", responses=error_responses(*COMMON))
async def apply_agent(request: Request, body: dict[str, Any] = _FILE,
                      user: User = Depends(principal)) -> AppliedAgentOut:  # noqa: B008
    """Create or update the agent the file names (a new version when anything changed)."""
    spec = registry.parse_spec(body)
    agent, created = await asyncio.to_thread(registry.apply, user, spec, client_address=client_address(request))
    return AppliedAgentOut(created=created, agent=AgentOut.of(agent))


@router.get("/api/agents/{agent}", responses=error_responses(*COMMON))
async def get_agent(agent: str, user: User = Depends(principal)) -> AgentOut:  # noqa: B008
    """One agent, by name or id."""
    return AgentOut.of(await asyncio.to_thread(registry.get, user, agent))


@router.delete("/api/agents/{agent}", status_code=204, responses=error_responses(*COMMON))
async def delete_agent(agent: str, request: Request, user: User = Depends(principal)) -> None:  # noqa: B008
    """Delete an agent and its runs (admins)."""
    await asyncio.to_thread(registry.delete, user, agent, client_address=client_address(request))


@router.post("/api/agents/{agent}/deploy", responses=error_responses(*COMMON))
async def deploy_agent(agent: str, request: Request, user: User = Depends(principal)) -> AgentOut:  # noqa: B008
    """Let API keys start its runs."""
    return AgentOut.of(await asyncio.to_thread(registry.deploy, user, agent, client_address=client_address(request)))


@router.get("/api/agents/{agent}/n8n-workflow", responses=error_responses(*COMMON))
async def n8n_workflow(agent: str, request: Request,
                       user: User = Depends(key_or_session)) -> dict[str, Any]:  # noqa: B008
    """An n8n workflow to import: a Webhook node → an HTTP Request node calling this agent's trigger URL (the
    API key is a credential placeholder to fill in n8n)."""
    found = await asyncio.to_thread(registry.get, user, agent)
    return n8n.workflow(found, str(request.base_url).rstrip("/"))


@router.post("/api/agents/{agent}/runs", status_code=202, responses=error_responses(*COMMON, 409))
async def start_run(agent: str, body: RunRequest, request: Request,
                    user: User = Depends(principal)) -> RunStartedOut:  # noqa: B008
    """Queue a run of a deployed agent; answers at once."""
    run_id = await asyncio.to_thread(runs.start, user, agent, body.prompt, trigger="api",
                                     client_address=client_address(request))
    return JSONResponse(RunStartedOut(run_id=run_id, status="pending").model_dump(), status_code=202)


@router.get("/api/agents/{agent}/runs", responses=error_responses(*COMMON))
async def agent_runs(agent: str, user: User = Depends(principal)) -> list[RunOut]:  # noqa: B008
    """The agent's runs, newest first (steps left out)."""
    return [RunOut.of(r) for r in await asyncio.to_thread(runs.list_runs, user, agent)]


@router.get("/api/agent-runs/{run_id}", responses=error_responses(*COMMON))
async def get_run(run_id: str, user: User = Depends(principal)) -> RunOut:  # noqa: B008
    """One run with its steps."""
    return RunOut.of(await asyncio.to_thread(runs.get, user, run_id))


@router.post("/api/agent-runs/{run_id}/cancel", responses=error_responses(*COMMON, 409))
async def cancel_run(run_id: str, request: Request, user: User = Depends(principal)) -> RunOut:  # noqa: B008
    """Stop a run at its next step."""
    return RunOut.of(await asyncio.to_thread(runs.cancel, user, run_id, client_address=client_address(request)))


@router.post("/api/agent-runs/{run_id}/retry", status_code=202, responses=error_responses(*COMMON, 409))
async def retry_run(run_id: str, request: Request, user: User = Depends(principal)) -> RunStartedOut:  # noqa: B008
    """A new run with the same input."""
    new_id = await asyncio.to_thread(runs.retry, user, run_id, client_address=client_address(request))
    return JSONResponse(RunStartedOut(run_id=new_id, status="pending").model_dump(), status_code=202)


@router.get("/api/llm/prices", responses=error_responses(*COMMON))
async def list_prices(user: User = Depends(principal)) -> list[PriceOut]:  # noqa: B008
    """The prices admins set (USD per 1M tokens)."""
    return [PriceOut.of(p) for p in await asyncio.to_thread(prices.list_prices, user)]


@router.put("/api/llm/prices/{model:path}", responses=error_responses(*COMMON))
async def set_price(model: str, body: PriceRequest, request: Request,
                    user: User = Depends(principal)) -> PriceOut:  # noqa: B008
    """Set or override a model's price (admins)."""
    return PriceOut.of(await asyncio.to_thread(prices.set_price, user, model, body.input_per_1m, body.output_per_1m,
                                               client_address=client_address(request)))


@router.get("/api/costs.csv", responses={
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "day,service,cost_usd rows"},
    **error_responses(*COMMON)})
async def costs_csv(since: str | None = None, user: User = Depends(key_or_session)):  # noqa: B008
    """Spend per day and service as CSV (day,service,cost_usd) (admins)."""
    found = await asyncio.to_thread(spending.report, user, spending.parse_day(since))
    lines = ["day,service,cost_usd", *(f"{d['day']},{d['service']},{d['cost_usd']}" for d in found.by_day)]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="costs-since-{found.since}.csv"'})


@router.get("/api/costs", responses=error_responses(*COMMON))
async def costs(since: str | None = None, user: User = Depends(principal)) -> CostsOut:  # noqa: B008
    """Spend since a day (YYYY-MM-DD; default 30 days ago) by service, day, model, agent and user (admins)."""
    return CostsOut.of(await asyncio.to_thread(spending.report, user, spending.parse_day(since)))


@router.get("/api/costs/rates", responses=error_responses(*COMMON))
async def list_rates(user: User = Depends(principal)) -> list[RateOut]:  # noqa: B008
    """The pipeline run-minute and storage GB-month rates (admins)."""
    return [RateOut.of(r) for r in await asyncio.to_thread(rates.list_rates, user)]


@router.put("/api/costs/rates/{name}", responses=error_responses(*COMMON))
async def set_rate(name: str, body: RateRequest, request: Request,
                   user: User = Depends(principal)) -> RateOut:  # noqa: B008
    """Set a rate (admins): pipeline_run_minute or storage_gb_month."""
    return RateOut.of(await asyncio.to_thread(rates.set_rate, user, name, body.usd,
                                              client_address=client_address(request)))
