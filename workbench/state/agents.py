"""AI Assist › Agent Registry and Agent Runs: agents (New Agent, Deploy, run one), the runs list and a run's
panel (status, input, output, tokens, cost, model, trace; every step), followed live while it runs."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from services.agents import registry, runs, samples
from services.agents.tools import TOOLS
from services.core.errors import WorkbenchError
from services.identity import rbac
from services.identity.rbac import Permission
from services.llm import providers
from workbench.formatting import when
from workbench.state.auth import acting_user
from workbench.state.base import FAILED, ServiceCalls

TOOL_IDS = list(TOOLS)
STATUS_COLOURS = {"completed": "green", "failed": "red", "budget_exceeded": "amber", "running": "blue",
                  "pending": "gray", "cancelled": "gray"}
FOLLOW_SECONDS = 0.5
FOLLOW_LIMIT_S = 900


def _money(value: Any) -> str:
    return "—" if value is None else f"${float(value):.6f}".rstrip("0").rstrip(".")


def _run_row(run: runs.Run) -> dict[str, str]:
    return {"id": run.id, "short": run.id[:8], "agent": run.agent, "status": run.status,
            "colour": STATUS_COLOURS.get(run.status, "gray"), "input": run.input[:120],
            "output": (run.output or "")[:160],
            "tokens": f"{run.tokens_used or 0:,}", "cost": _money(run.cost_usd), "budget": _money(run.budget_usd),
            "model": run.model or "local", "created": when(run.created_at), "href": f"/agents/runs/{run.id}"}


class AgentsState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    agent_names: list[str] = []
    notice: str = ""
    can_create: bool = False
    can_deploy: bool = False
    new_open: bool = False
    new_name: str = ""
    new_description: str = ""
    new_tools: list[str] = ["sql_query", "calculator"]
    new_model: str = ""
    new_budget: str = "0.50"
    new_max_steps: str = "8"
    new_prompt: str = registry.DEFAULT_SYSTEM_PROMPT
    new_temperature: str = "0"
    new_max_tokens: str = "512"
    new_tool_calling: str = "auto"
    editing: bool = False  # the modal configures an existing agent (its name stays)
    offered_models: str = ""  # what the LLM providers offer, as a hint under the model field
    run_agent: str = ""
    run_prompt: str = ""
    test_open: bool = False
    test_agent: str = ""
    sample_rows: list[dict[str, str]] = []
    sample_prompt: str = ""
    sample_kind: str = "contains"
    sample_expected: str = ""
    sample_tolerance: str = "0"
    test_summary: str = ""
    deployed_url: str = ""
    workflow_href: str = ""

    async def load(self):
        """on_load for /agents."""
        if (auth := await self._ready_auth()) is None:
            return
        self.error, self.notice, self.deployed_url = "", "", ""
        self.can_create = rbac.is_allowed(auth.user_role, Permission.CREATE_AGENTS)
        self.can_deploy = rbac.is_allowed(auth.user_role, Permission.DEPLOY_AGENTS)
        await self._fetch()

    async def _fetch(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(registry.list_agents, user)
        if found is not FAILED:
            self.rows = [{"id": a.id, "name": a.spec.name, "description": a.spec.description,
                          "tools": ", ".join(a.spec.tools) or "—", "model": a.spec.model or "local model",
                          "budget": _money(a.spec.budget_usd), "steps": str(a.spec.max_steps),
                          "version": str(a.version), "deployed": "yes" if a.deployed else "no"} for a in found]
            self.agent_names = [a.spec.name for a in found]
        self.offered_models = ", ".join(await asyncio.to_thread(providers.offered_models))

    def open_new(self):
        defaults = registry.AgentSpec(name="new")
        self.new_name, self.new_description, self.new_model = "", "", ""
        self.new_tools = ["sql_query", "calculator"]
        self.new_budget, self.new_max_steps = str(defaults.budget_usd), str(defaults.max_steps)
        self.new_prompt, self.new_temperature = defaults.system_prompt, f"{defaults.temperature:g}"
        self.new_max_tokens, self.new_tool_calling = str(defaults.max_tokens), defaults.tool_calling
        self.new_open, self.editing, self.error = True, False, ""

    async def open_config(self, name: str):
        """The Agent Config modal: the agent's settings, saved as a new version."""
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        agent = await self._call(registry.get, user, name)
        if agent is FAILED:
            return
        spec = agent.spec
        self.new_name, self.new_description, self.new_tools = spec.name, spec.description, list(spec.tools)
        self.new_model, self.new_budget = spec.model or "", str(spec.budget_usd)
        self.new_max_steps = str(spec.max_steps)
        self.new_prompt, self.new_temperature = spec.system_prompt, f"{spec.temperature:g}"
        self.new_max_tokens, self.new_tool_calling = str(spec.max_tokens), spec.tool_calling
        self.new_open, self.editing = True, True

    def set_new_temperature(self, value: str):
        self.new_temperature = value

    def set_new_max_tokens(self, value: str):
        self.new_max_tokens = value

    def set_new_tool_calling(self, value: str):
        self.new_tool_calling = value

    def close_new(self):
        self.new_open = False

    def set_new_name(self, value: str):
        self.new_name = value

    def set_new_description(self, value: str):
        self.new_description = value

    def toggle_tool(self, tool: str):
        self.new_tools = [t for t in self.new_tools if t != tool] if tool in self.new_tools else [*self.new_tools, tool]

    def set_new_model(self, value: str):
        self.new_model = value

    def set_new_budget(self, value: str):
        self.new_budget = value

    def set_new_max_steps(self, value: str):
        self.new_max_steps = value

    def set_new_prompt(self, value: str):
        self.new_prompt = value

    async def create(self):
        self.error = ""
        try:
            budget, steps = float(self.new_budget), int(self.new_max_steps)
            temperature, max_tokens = float(self.new_temperature), int(self.new_max_tokens)
        except ValueError:
            self.error = ("The budget and temperature are numbers; max steps and max tokens are whole numbers.")
            return
        data = {"name": self.new_name, "description": self.new_description,
                "tools": [t for t in TOOL_IDS if t in self.new_tools], "model": self.new_model.strip() or None,
                "budget_usd": budget, "max_steps": steps, "system_prompt": self.new_prompt,
                "temperature": temperature, "max_tokens": max_tokens, "tool_calling": self.new_tool_calling}
        user, _ = await acting_user(self)
        try:
            spec = registry.parse_spec(data)
        except WorkbenchError as exc:
            self.error = str(exc)
            return
        applied = await self._call(registry.apply, user, spec)
        if applied is FAILED:
            return
        agent, created = applied
        self.new_open, self.new_name, self.new_description = False, "", ""
        self.notice = f"Agent {agent.spec.name} {'created' if created else 'updated'} (version {agent.version})."
        await self._fetch()

    async def deploy(self, name: str):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        agent = await self._call(registry.deploy, user, name)
        if agent is FAILED:
            return
        self.deployed_url = f"/api/agents/{agent.id}/runs"
        self.workflow_href = f"/api/agents/{agent.id}/n8n-workflow"
        self.notice = (f"{agent.spec.name} is deployed: POST {self.deployed_url} with an API key and"
                       ' {"prompt": "…"} starts a run; the n8n workflow below calls it.')
        await self._fetch()

    async def open_test(self, name: str):
        self.test_open, self.test_agent, self.error = True, name, ""
        await self._load_samples()

    def close_test(self):
        self.test_open = False

    async def _load_samples(self) -> None:
        user, _ = await acting_user(self)
        found = await self._call(samples.list_samples, user, self.test_agent)
        if found is FAILED:
            return
        self.sample_rows = [{"id": x.id, "prompt": x.prompt, "expect": f"{x.kind}: {x.expected}"
                             + (f" ± {x.tolerance}" if x.kind == "number" and x.tolerance else ""),
                             "output": (x.output or "")[:200], "status": x.run_status or "not run",
                             "verdict": "pass" if x.passed else "fail" if x.passed is False else "—",
                             "colour": "green" if x.passed else "red" if x.passed is False else "gray"}
                            for x in found]
        judged = [x for x in found if x.passed is not None]
        self.test_summary = (f"{sum(1 for x in judged if x.passed)} of {len(judged)} samples pass"
                             + (f"; {len(found) - len(judged)} not finished" if len(judged) < len(found) else "")
                             if found else "No samples yet.")

    def set_sample_prompt(self, value: str):
        self.sample_prompt = value

    def set_sample_kind(self, value: str):
        self.sample_kind = value

    def set_sample_expected(self, value: str):
        self.sample_expected = value

    def set_sample_tolerance(self, value: str):
        self.sample_tolerance = value

    async def add_sample(self):
        self.error = ""
        user, _ = await acting_user(self)
        added = await self._call(samples.add_sample, user, self.test_agent, self.sample_prompt, self.sample_kind,
                                 self.sample_expected, self.sample_tolerance or "0")
        if added is FAILED:
            return
        self.sample_prompt, self.sample_expected = "", ""
        await self._load_samples()

    async def run_samples(self):
        self.error = ""
        user, _ = await acting_user(self)
        started = await self._call(samples.test_agent, user, self.test_agent)
        if started is FAILED:
            return None
        self.test_summary = f"{len(started)} sample runs queued…"
        return AgentsState.follow_samples

    @rx.event(background=True)
    async def follow_samples(self):
        for _ in range(int(FOLLOW_LIMIT_S / FOLLOW_SECONDS)):
            await asyncio.sleep(FOLLOW_SECONDS * 2)
            async with self:
                if not self.test_open:
                    return
                await self._load_samples()
                if all(r["status"] in runs.FINISHED or r["status"] == "not run" for r in self.sample_rows):
                    return

    def set_run_agent(self, value: str):
        self.run_agent = value

    def set_run_prompt(self, value: str):
        self.run_prompt = value

    async def start_run(self):
        self.error, self.notice = "", ""
        user, _ = await acting_user(self)
        run_id = await self._call(runs.start, user, self.run_agent, self.run_prompt)
        if run_id is FAILED:
            return None
        self.run_prompt = ""
        return rx.redirect(f"/agents/runs/{run_id}")


class AgentRunsState(ServiceCalls, rx.State):
    rows: list[dict[str, str]] = []
    run: dict[str, str] = {}
    steps: list[dict[str, str]] = []
    following: bool = False

    async def load_list(self):
        """on_load for /agents/runs."""
        if await self._ready_auth() is None:
            return
        self.error = ""
        user, _ = await acting_user(self)
        found = await self._call(runs.list_runs, user, None)
        if found is not FAILED:
            self.rows = [_run_row(r) for r in found]

    async def load_run(self):
        """on_load for /agents/runs/[run_id]."""
        if await self._ready_auth() is None:
            return None
        self.error = ""
        user, _ = await acting_user(self)
        found = await self._call(runs.get, user, self.router.page.params.get("run_id", ""))
        if found is FAILED:
            self.run, self.steps = {}, []
            return None
        self._show(found)
        return None if found.status in runs.FINISHED else AgentRunsState.follow

    def _show(self, run: runs.Run) -> None:
        self.run = {**_run_row(run), "input": run.input, "output": run.output or "", "error": run.error or "",
                    "suggestion": run.suggestion or "", "trace": run.trace_url or "",
                    "finished": "yes" if run.status in runs.FINISHED else "no",
                    "started": when(run.started_at), "completed": when(run.completed_at)}
        self.steps = [{"position": str(s.position), "kind": s.kind, "tool": s.tool or "", "input": s.input or "",
                       "output": s.output or "", "error": s.error or "", "model": s.model or "",
                       "tokens": "" if s.prompt_tokens is None else f"{s.prompt_tokens} + {s.completion_tokens}",
                       "cost": _money(s.cost_usd) if s.kind == "model" else "",
                       "ms": "" if s.latency_ms is None else f"{s.latency_ms} ms"} for s in run.steps]

    @rx.event(background=True)
    async def follow(self):
        """Refresh the open run until it ends."""
        async with self:
            if self.following:
                return
            self.following = True
            run_id = self.run.get("id", "")
            user, _ = await acting_user(self)
        try:
            for _ in range(int(FOLLOW_LIMIT_S / FOLLOW_SECONDS)):
                await asyncio.sleep(FOLLOW_SECONDS)
                try:
                    found = await asyncio.to_thread(runs.get, user, run_id)
                except WorkbenchError:
                    return
                async with self:
                    if self.run.get("id") != run_id:
                        return
                    self._show(found)
                if found.status in runs.FINISHED:
                    return
        finally:
            async with self:
                self.following = False

    async def cancel(self):
        self.error = ""
        user, _ = await acting_user(self)
        found = await self._call(runs.cancel, user, self.run.get("id", ""))
        if found is not FAILED:
            self._show(found)

    async def retry(self):
        self.error = ""
        user, _ = await acting_user(self)
        new_id = await self._call(runs.retry, user, self.run.get("id", ""))
        if new_id is not FAILED:
            return rx.redirect(f"/agents/runs/{new_id}")
        return None
