"""The gateway's one entry point: rate limit, then each model in order (primary, then fallbacks), each
behind its circuit breaker, up to 3 attempts with 1 s / 2 s backoff on retryable errors; every attempt
recorded. LiteLLM makes the calls (its own retries off, its local price map for costs)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from services.core.config import settings as workbench_settings
from services.core.errors import ExternalServiceError, InvalidInput, RateLimited
from services.core.rate_limit import SharedWindowLimiter
from services.llm import breaker as breakers
from services.llm import local_server, prices, providers, records, tracing
from services.llm.breaker import CircuitBreaker
from services.llm.settings import LOCAL_ALIAS, GatewaySettings, ModelRoute, gateway_settings

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # the JSON text the model wrote


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_ms: int
    attempts: int  # calls made in all, failed ones included
    request_id: str  # the llm_requests row of the answer
    tool_calls: tuple[ToolCall, ...] = ()  # native function calls the model asked for (when tools were given)


class MalformedResponse(Exception):
    """The model's server answered, but not with a usable completion."""


def breaker_for(model: str, settings: GatewaySettings) -> CircuitBreaker:
    """The breaker of one model, shared by every process (its state lives in Postgres)."""
    return CircuitBreaker(model, settings.breaker_failures, settings.breaker_open_s,
                          probe_s=settings.timeout_s * settings.attempts + 30)


def reset_breakers() -> None:
    """Forget every breaker's state (tests; an operator after fixing a provider)."""
    breakers.reset_all()


def reset_limits() -> None:
    """Forget the gateway's request counts (tests; an operator lifting the limit at once)."""
    _limiter(1).reset()


def _limiter(per_minute: int) -> SharedWindowLimiter:
    """The gateway's request limit, counted once across every process."""
    return SharedWindowLimiter(per_minute, 60.0, scope="llm")


def retryable(exc: BaseException) -> bool:
    """Worth another attempt: timeouts, lost connections, 429 and 5xx answers, malformed bodies."""
    if isinstance(exc, MalformedResponse | TimeoutError | ConnectionError):
        return True
    status = getattr(exc, "status_code", None)
    if status is None:
        return type(exc).__name__ in ("Timeout", "APIConnectionError", "APITimeoutError", "APIError")
    return int(status) in RETRYABLE_STATUS


def _tool_calls(message: Any) -> tuple[ToolCall, ...]:
    try:
        return tuple(ToolCall(str(c.id or f"call_{i}"), str(c.function.name), str(c.function.arguments or "{}"))
                     for i, c in enumerate(getattr(message, "tool_calls", None) or []))
    except AttributeError as exc:
        raise MalformedResponse(f"a tool call without a function: {exc}") from exc


def _call(route: ModelRoute, messages: list[dict[str, Any]], settings: GatewaySettings, options: dict[str, Any]):
    import litellm

    litellm.suppress_debug_info = True  # its "Give Feedback" banners would land in our logs on every failure
    response = litellm.completion(model=route.model, messages=messages, api_base=route.api_base,
                                  api_key=route.api_key, timeout=settings.timeout_s, num_retries=0, **options)
    try:
        message = response.choices[0].message
        text = message.content
    except (AttributeError, IndexError, TypeError) as exc:
        raise MalformedResponse(f"no completion in the answer: {exc}") from exc
    calls = _tool_calls(message)
    if text is None and calls:
        text = ""
    if not isinstance(text, str):
        raise MalformedResponse("the answer's completion is not text")
    usage = getattr(response, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    return text, calls, prompt, completion, float(prices.price_for(route.model).cost(prompt, completion))


def supports_native_tools(model: str | None) -> bool:
    """Whether LiteLLM's local model map says the model (None: the configured default) takes OpenAI-style
    tools; the local llama.cpp model and unknown OpenAI-compatible servers do not."""
    import litellm

    name = routes_for(model)[0].model
    try:
        return bool(litellm.supports_function_calling(model=name))
    except Exception:  # an unmapped model: LiteLLM cannot say, so it has no native tools for us
        return False


def _local_api_base() -> str | None:
    """The local llama.cpp server's address: WORKBENCH_LOCAL_LLM_BASE when set, else the managed server,
    started on demand once the model is prepared."""
    if workbench_settings().local_llm_base:
        return workbench_settings().local_llm_base
    return local_server.api_base_on_demand()


def _with_provider(route: ModelRoute) -> ModelRoute:
    """A route for a model an admin-added provider offers gets that provider's key and base (read per call,
    so every process sees a change at once); settings given in the environment win."""
    if route.is_local or (route.api_base and route.api_key):
        return route
    found = providers.credentials_for(route.model)
    if found is None:
        return route
    return ModelRoute(route.model, route.api_base or found[0], route.api_key or found[1] or "none")


def routes_for(model: str | None = None) -> tuple[ModelRoute, ...]:
    """The models a call tries, in order: `model` (a LiteLLM model string; None or the local alias: the
    configured default) and then the configured fallbacks."""
    settings = gateway_settings(None if workbench_settings().llm_model and model != LOCAL_ALIAS
                                else _local_api_base())
    if not model or model == settings.routes[0].model:
        return settings.routes
    first = ModelRoute(LOCAL_ALIAS, _local_api_base(), "local") if model == LOCAL_ALIAS else ModelRoute(model)
    return (first, *(r for r in settings.routes[1:] if r.model != model))


def complete(messages: list[dict[str, Any]], *, purpose: str, actor: Any = None, agent_run_id: Any = None,
             temperature: float = 0.0, max_tokens: int = 512, stop: list[str] | None = None,
             model: str | None = None, tools: list[dict[str, Any]] | None = None) -> Completion:
    """Ask the models in order (`model` first when given, see routes_for) for a completion of `messages`;
    with `tools` (OpenAI function schemas) the answer may hold tool calls instead of text. Raises RateLimited
    or ExternalServiceError."""
    if not messages or not all(isinstance(m, dict) and (m.get("content") or m.get("tool_calls")) for m in messages):
        raise InvalidInput("A model call needs at least one message with content.")
    settings = gateway_settings(None if workbench_settings().llm_model else _local_api_base())
    if model:
        settings = replace(settings, routes=routes_for(model))
    settings = replace(settings, routes=tuple(_with_provider(r) for r in settings.routes))
    try:
        _limiter(settings.requests_per_minute).hit("gateway")
    except RateLimited as exc:
        raise RateLimited(f"The AI gateway takes {settings.requests_per_minute} requests a minute; "
                          f"retry in {exc.retry_after_s} s.", retry_after_s=exc.retry_after_s) from exc
    options: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens}
    if stop:
        options["stop"] = stop
    if tools:
        options["tools"] = tools
    user_id = getattr(actor, "id", None)
    trace_seed = str(agent_run_id) if agent_run_id else None
    attempts, problems = 0, []
    for route in settings.routes:
        if route.is_local and not route.api_base:
            problems.append(f"{route.model}: the local model is not running (make run prepares and starts it; "
                            "or set WORKBENCH_LLM_MODEL)")
            continue
        breaker = breaker_for(route.model, settings)
        for attempt in range(1, settings.attempts + 1):
            if not breaker.allow():
                problems.append(f"{route.model}: circuit open, retry in {breaker.retry_in_s():.0f} s")
                break
            attempts += 1
            started = time.perf_counter()
            try:
                text, calls, prompt, completion, cost = _call(route, messages, settings, options)
            except Exception as exc:
                latency = int((time.perf_counter() - started) * 1000)
                breaker.failed()
                records.record(model=route.model, status="failed", latency_ms=latency, purpose=purpose,
                               attempt=attempt, error=f"{type(exc).__name__}: {exc}", user_id=user_id,
                               agent_run_id=agent_run_id)
                tracing.trace(purpose=purpose, model=route.model, messages=messages, output=None, status="failed",
                              error=f"{type(exc).__name__}: {exc}"[:500], metadata={"attempt": attempt},
                              trace_seed=trace_seed)
                problems.append(f"{route.model}: {type(exc).__name__}")
                if not retryable(exc) or attempt == settings.attempts:
                    break
                time.sleep(settings.backoff_s[attempt - 1])
                if route.is_local:  # a model server that died is started again (and found) before the retry
                    route = replace(route, api_base=_local_api_base() or route.api_base)
                continue
            latency = int((time.perf_counter() - started) * 1000)
            breaker.succeeded()
            request_id = records.record(model=route.model, status="completed", latency_ms=latency, purpose=purpose,
                                        attempt=attempt, prompt_tokens=prompt, completion_tokens=completion,
                                        cost_usd=cost, user_id=user_id, agent_run_id=agent_run_id)
            tracing.trace(purpose=purpose, model=route.model, messages=messages,
                          output=text or "; ".join(f"{c.name}({c.arguments})" for c in calls), status="completed",
                          prompt_tokens=prompt, completion_tokens=completion, cost_usd=cost,
                          metadata={"attempt": attempt, "llm_request_id": request_id}, trace_seed=trace_seed)
            return Completion(text, route.model, prompt, completion, cost, latency, attempts, request_id, calls)
    raise ExternalServiceError("No model answered. " + "; ".join(problems[-6:]))


def gateway_status() -> list[dict[str, Any]]:
    """Each configured model with its breaker's state (for monitoring)."""
    settings = gateway_settings(workbench_settings().local_llm_base)
    return [{"model": r.model, "state": breaker_for(r.model, settings).state,
             "failures": breaker_for(r.model, settings).failures} for r in settings.routes]
