"""Executing one agent run: model call, tool call, model call … until the model answers, the budget or the
steps run out, the time limit passes, or someone cancels. Every model call is checked against the budget
first (see budget.py) and recorded with its tokens, cost and latency (the gateway links its llm_requests row
to the run); every tool call with its input, output, duration and error. A tool's error goes back to the
model. A run that cannot finish says why and what to do about it."""

from __future__ import annotations

import concurrent.futures
import logging
import time
from decimal import Decimal
from typing import Any

from services.activity import event_webhooks, notify
from services.activity.notify import Event
from services.agents import budget, function_calls, protocol, registry
from services.agents.tools import TOOLS, run_tool
from services.core import db
from services.core.config import settings
from services.core.errors import ExternalServiceError, PermissionDenied, RateLimited, WorkbenchError
from services.identity import users
from services.llm import gateway, prices, tracing

log = logging.getLogger("workbench.agents")
POLL_S = 0.2


class Stop(Exception):
    """The run ends here with `status`, `error` and a suggested fix."""

    def __init__(self, status: str, error: str, suggestion: str = "") -> None:
        super().__init__(error)
        self.status, self.error, self.suggestion = status, error, suggestion


class _Run:
    def __init__(self, run_id: str) -> None:
        with db.connection() as conn:
            row = conn.execute(
                "SELECT agent_id::text, input_prompt, budget_usd, max_steps, requested_by::text,"
                " coalesce((SELECT max(position) FROM ip_workbench.agent_steps WHERE run_id = r.id), 0)"
                " FROM ip_workbench.agent_runs r WHERE id = %s", (run_id,)).fetchone()
            self.agent = registry.find(conn, row[0])
        self.id, self.prompt, self.budget, self.max_steps = run_id, row[1], Decimal(row[2]), row[3]
        self.actor = users.get_user(row[4]) if row[4] else None
        self.position = row[5]
        self.spent = Decimal(0)
        self.tokens = 0
        self.model: str | None = None
        self.deadline = time.monotonic() + settings().agent_timeout_s

    def _step(self, **values: Any) -> None:
        self.position += 1
        columns = ", ".join(values)
        with db.connection() as conn:
            conn.execute(f"INSERT INTO ip_workbench.agent_steps (run_id, position, {columns}) VALUES (%s, %s, "
                         + ", ".join(["%s"] * len(values)) + ")", (self.id, self.position, *values.values()))
            conn.execute("UPDATE ip_workbench.agent_runs SET tokens_used = %s, cost_usd = %s, model = %s"
                         " WHERE id = %s", (self.tokens, self.spent, self.model, self.id))

    def _check_stop(self) -> None:
        with db.connection() as conn:
            cancelled = conn.execute("SELECT cancel_requested FROM ip_workbench.agent_runs WHERE id = %s",
                                     (self.id,)).fetchone()[0]
        if cancelled:
            raise Stop("cancelled", "Cancelled.")
        if time.monotonic() > self.deadline:
            raise Stop("failed", f"The run took longer than {settings().agent_timeout_s:g} s.",
                       "Raise WORKBENCH_AGENT_TIMEOUT_S, lower max_steps, or ask a narrower question.")

    def _model_call(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None
                    ) -> gateway.Completion:
        spec = self.agent.spec
        worst = budget.worst_case(messages, spec.max_tokens, spec.model, tools)
        if not budget.fits(self.spent, self.budget, worst):
            raise Stop("budget_exceeded",
                       f"The next model call could cost up to ${worst:.6f}; ${self.budget - self.spent:.6f} of the"
                       f" ${self.budget} budget is left.",
                       "Raise the agent's budget_usd, lower max_tokens, or shorten the prompt and tool outputs.")
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-model-call")
        future = pool.submit(gateway.complete, messages, purpose="agent", actor=self.actor, agent_run_id=self.id,
                             temperature=spec.temperature, max_tokens=spec.max_tokens, model=spec.model, tools=tools)
        try:
            while True:
                try:
                    answer = future.result(timeout=POLL_S)
                    break
                except concurrent.futures.TimeoutError:
                    self._check_stop()  # a cancel stops waiting: the answer, when it comes, is dropped
                except RateLimited as exc:
                    raise Stop("failed", str(exc), "Wait a minute and retry the run.") from exc
                except ExternalServiceError as exc:
                    raise Stop("failed", str(exc), "Check the model: run `make run` for the local model, or set"
                                                   " WORKBENCH_LLM_MODEL / WORKBENCH_LLM_FALLBACKS.") from exc
        finally:
            pool.shutdown(wait=False)
        cost = prices.price_for(answer.model).cost(answer.prompt_tokens, answer.completion_tokens)
        self.spent += cost
        self.tokens += answer.prompt_tokens + answer.completion_tokens
        self.model = answer.model
        said = answer.text or "; ".join(f"{c.name}({c.arguments})" for c in answer.tool_calls)
        self._step(kind="model", input=_last_input(messages), output=said, model=answer.model,
                   prompt_tokens=answer.prompt_tokens, completion_tokens=answer.completion_tokens, cost_usd=cost,
                   latency_ms=answer.latency_ms, llm_request_id=answer.request_id)
        return answer

    def _tool_call(self, tool: str, argument: str, problem: str | None = None) -> tuple[str | None, str | None]:
        """(output, error) of one tool call; `problem`: the call was malformed before it could run."""
        started = time.perf_counter()
        output, error = None, problem
        if error is None and tool not in self.agent.spec.tools:
            error = (f"unknown tool {tool!r}" if tool not in TOOLS else
                     f"this agent may not use {tool}") + f"; its tools: {', '.join(self.agent.spec.tools)}"
        elif error is None:
            try:
                output = run_tool(self.actor, tool, argument)
            except WorkbenchError as exc:
                error = str(exc)
            except Exception as exc:  # a tool's crash is the model's information, not the run's end
                log.exception("tool %s failed", tool)
                error = f"{type(exc).__name__}: {exc}"
        self._step(kind="tool", tool=tool, input=argument[:20_000], output=output, error=error,
                   latency_ms=int((time.perf_counter() - started) * 1000))
        return output, error

    def _mode(self) -> str:
        spec = self.agent.spec
        if spec.tool_calling != "auto":
            return spec.tool_calling
        return "native" if spec.tools and gateway.supports_native_tools(spec.model) else "json"

    def run(self) -> tuple[str, str]:
        """(status, output); raises Stop."""
        if self.actor is None:
            raise Stop("failed", "The user this run acts for no longer exists.", "Start the run again.")
        mode = self._mode()
        with db.connection() as conn:
            conn.execute("UPDATE ip_workbench.agent_runs SET tool_calling = %s WHERE id = %s", (mode, self.id))
        answer = self._native() if mode == "native" else self._json_actions()
        if answer is not None:
            return "completed", answer
        raise Stop("failed", f"No answer after {self.max_steps} model calls (max_steps).",
                   "Raise max_steps, or make the prompt more specific so fewer tool calls are needed.")

    def _json_actions(self) -> str | None:
        spec = self.agent.spec
        messages = [{"role": "system", "content": protocol.system_message(spec.system_prompt, spec.tools)},
                    {"role": "user", "content": self.prompt}]
        reminded = False
        for _step in range(self.max_steps):
            self._check_stop()
            reply = self._model_call(messages).text
            action = protocol.parse(reply)
            if action.tool is None and not action.well_formed and spec.tools and not reminded:
                reminded = True  # once per run: prose where an action belongs
                messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": protocol.REMINDER}]
                continue
            if action.tool is None:
                return action.answer
            self._check_stop()
            output, error = self._tool_call(action.tool, action.input)
            messages += [{"role": "assistant", "content": reply},
                         {"role": "user", "content": protocol.observation(action.tool or "?", output, error)}]
        return None

    def _native(self) -> str | None:
        spec = self.agent.spec
        schemas = function_calls.schemas(spec.tools)
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": function_calls.system_message(spec.system_prompt)},
            {"role": "user", "content": self.prompt}]
        for _step in range(self.max_steps):
            self._check_stop()
            answer = self._model_call(messages, schemas)
            if not answer.tool_calls:
                return answer.text.strip()
            messages.append(function_calls.assistant_message(answer))
            for call in answer.tool_calls:
                self._check_stop()
                try:
                    argument, problem = function_calls.argument(call), None
                except ValueError as exc:
                    argument, problem = call.arguments, f"{call.name}: {exc}"
                output, error = self._tool_call(call.name, argument, problem)
                messages.append(function_calls.tool_message(call, output, error))
        return None


def _last_input(messages: list[dict[str, Any]]) -> str:
    """What the model was last told (a tool result, or the prompt)."""
    return str(messages[-1].get("content") or "")[:20_000]


def _finish(run_id: str, status: str, *, output: str | None = None, error: str | None = None,
            suggestion: str | None = None) -> None:
    with db.connection() as conn:
        name, cost, tokens, model = conn.execute(
            "UPDATE ip_workbench.agent_runs r SET status = %s, output = %s, error_message = %s, suggestion = %s,"
            " completed_at = now(), cost_usd = coalesce(cost_usd, 0), tokens_used = coalesce(tokens_used, 0)"
            " FROM ip_workbench.agents a WHERE r.id = %s AND a.id = r.agent_id"
            " RETURNING a.name, r.cost_usd, r.tokens_used, r.model",
            (status, output, error, suggestion, run_id)).fetchone()
        event_webhooks.publish(conn, "agent_run.finished", {
            "run_id": run_id, "agent": name, "status": status, "output": output, "error": error,
            "cost_usd": str(cost), "tokens_used": tokens, "model": model})


def _tell_admins(run_id: str, error: str) -> None:
    """PRD §7: a run that hit its budget raises cost_overrun (rules on it email the admins)."""
    with db.connection() as conn:
        name, spent = conn.execute("SELECT a.name, r.cost_usd FROM ip_workbench.agent_runs r JOIN ip_workbench.agents a"
                                   " ON a.id = r.agent_id WHERE r.id = %s", (run_id,)).fetchone()
        notify.emit(conn, Event("cost_overrun", f"agent:{name}", "warning", f"Agent {name} stopped at its budget",
                                f"Run {run_id[:8]}: {error}", value=float(spent or 0), link=f"/agents/runs/{run_id}"))


def _link_trace(run_id: str) -> None:
    """The run's Langfuse trace (all its model calls) on the run, when Langfuse is configured."""
    url = tracing.trace_url(run_id)
    if url:
        with db.connection() as conn:
            conn.execute("UPDATE ip_workbench.agent_runs SET trace_url = %s WHERE id = %s", (url, run_id))


def run(run_id: str) -> str:
    """Execute a run that is `running` in this process; returns its final status."""
    try:
        return _run(run_id)
    finally:
        _link_trace(run_id)


def _run(run_id: str) -> str:
    try:
        current = _Run(run_id)
        status, output = current.run()
        _finish(run_id, status, output=output)
        return status
    except Stop as stop:
        _finish(run_id, stop.status, error=stop.error, suggestion=stop.suggestion or None)
        if stop.status == "budget_exceeded":
            _tell_admins(run_id, stop.error)
        return stop.status
    except PermissionDenied as exc:
        _finish(run_id, "failed", error=str(exc), suggestion="The user the run acts for lacks that permission.")
        return "failed"
    except Exception as exc:  # the worker goes on; the run says what happened
        log.exception("agent run %s failed", run_id)
        _finish(run_id, "failed", error=f"{type(exc).__name__}: {exc}", suggestion="See the server log.")
        return "failed"


def fail_abandoned(run_id: str, error: str) -> bool:
    """Fail a run still marked running whose worker died (the queue's recovery calls this); whether it was."""
    with db.connection() as conn:
        running = conn.execute("SELECT 1 FROM ip_workbench.agent_runs WHERE id = %s AND status = 'running'"
                               " FOR UPDATE", (run_id,)).fetchone()
    if running is None:
        return False
    _finish(run_id, "failed", error=error, suggestion="Run it again; its worker process stopped.")
    return True


def execute(run_id: str, worker: str = "") -> str:
    """The queue task's body: claim a pending run and do it."""
    with db.connection() as conn:
        claimed = conn.execute("UPDATE ip_workbench.agent_runs SET status = 'running', started_at = now(),"
                               " worker = %s WHERE id = %s AND status = 'pending' RETURNING 1",
                               (worker, run_id)).fetchone()
    return run(run_id) if claimed else "skipped"
