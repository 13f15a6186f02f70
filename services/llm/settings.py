"""Which models the gateway calls, in order, and how patiently (WORKBENCH_LLM_* variables)."""

from __future__ import annotations

import os
from dataclasses import dataclass

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


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _route(text: str) -> ModelRoute:
    """`model`, or `model|api_base[|api_key]` for an OpenAI-compatible server (which may need no key)."""
    model, api_base, api_key = (text.strip().split("|") + ["", ""])[:3]
    if not api_base.strip():
        return ModelRoute(model.strip())
    return ModelRoute(model.strip(), api_base.strip(), api_key.strip() or "none")


def gateway_settings(local_api_base: str | None = None) -> GatewaySettings:
    """Read the settings now (tests and operators may change them between calls).

    WORKBENCH_LLM_MODEL (default: the local model), WORKBENCH_LLM_API_BASE / WORKBENCH_LLM_API_KEY for
    it, WORKBENCH_LLM_FALLBACKS (comma-separated LiteLLM model strings, their keys from the provider's
    usual variables; `model|api_base[|api_key]` points one at an OpenAI-compatible server),
    WORKBENCH_LLM_BACKOFF_S (first wait, doubled each retry; default 1)."""
    primary = os.environ.get("WORKBENCH_LLM_MODEL", "").strip()
    if primary:
        first = ModelRoute(primary, os.environ.get("WORKBENCH_LLM_API_BASE") or None,
                           os.environ.get("WORKBENCH_LLM_API_KEY") or None)
    else:
        first = ModelRoute(LOCAL_ALIAS, local_api_base, "local")
    fallbacks = [_route(m) for m in os.environ.get("WORKBENCH_LLM_FALLBACKS", "").split(",") if m.strip()]
    backoff = _float("WORKBENCH_LLM_BACKOFF_S", 1.0)
    return GatewaySettings(
        routes=(first, *fallbacks),
        timeout_s=_float("WORKBENCH_LLM_TIMEOUT_S", 60.0),
        attempts=3,
        backoff_s=(backoff, backoff * 2, backoff * 4),
        breaker_failures=5,
        breaker_open_s=_float("WORKBENCH_LLM_BREAKER_OPEN_S", 60.0),
        requests_per_minute=int(_float("WORKBENCH_LLM_REQUESTS_PER_MINUTE", 500)),
    )
