"""Which models the gateway calls, in order, and how patiently (the WORKBENCH_LLM_* settings)."""

from __future__ import annotations

from dataclasses import dataclass

from services.core.config import settings

LOCAL_ALIAS = "openai/workbench-local"  # the llama.cpp server's model, reached through LiteLLM's OpenAI client


@dataclass(frozen=True)
class ModelRoute:
    model: str  # a LiteLLM model string
    api_base: str | None = None
    api_key: str | None = None

    @property
    def is_local(self) -> bool:
        return self.model == LOCAL_ALIAS


@dataclass(frozen=True)
class GatewaySettings:
    routes: tuple[ModelRoute, ...]
    timeout_s: float
    attempts: int
    backoff_s: tuple[float, ...]
    breaker_failures: int
    breaker_open_s: float
    requests_per_minute: int


def _route(text: str) -> ModelRoute:
    """`model`, or `model|api_base[|api_key]` for an OpenAI-compatible server (which may need no key)."""
    model, api_base, api_key = (text.strip().split("|") + ["", ""])[:3]
    if not api_base.strip():
        return ModelRoute(model.strip())
    return ModelRoute(model.strip(), api_base.strip(), api_key.strip() or "none")


def gateway_settings(local_api_base: str | None = None) -> GatewaySettings:
    """The gateway's routes and patience from the current settings (tests and operators may change them
    between calls): WORKBENCH_LLM_MODEL (default: the local model at `local_api_base`) with
    WORKBENCH_LLM_API_BASE / _API_KEY, WORKBENCH_LLM_FALLBACKS (`model` or `model|api_base[|api_key]`),
    WORKBENCH_LLM_TIMEOUT_S, _BACKOFF_S (first wait, doubled each retry), _BREAKER_OPEN_S and
    _REQUESTS_PER_MINUTE."""
    config = settings()
    if config.llm_model:
        first = ModelRoute(config.llm_model, config.llm_api_base, config.llm_api_key)
    else:
        first = ModelRoute(LOCAL_ALIAS, local_api_base, "local")
    backoff = config.llm_backoff_s
    return GatewaySettings(
        routes=(first, *(_route(m) for m in config.llm_fallbacks)),
        timeout_s=config.llm_timeout_s,
        attempts=3,
        backoff_s=(backoff, backoff * 2, backoff * 4),
        breaker_failures=5,
        breaker_open_s=config.llm_breaker_open_s,
        requests_per_minute=config.llm_requests_per_minute,
    )
