"""Traces of model calls sent to Langfuse through its SDK when it is configured — LANGFUSE_PUBLIC_KEY and
LANGFUSE_SECRET_KEY (LANGFUSE_BASE_URL or LANGFUSE_HOST names the server), or the keys an admin saved in
Settings › Integrations (see langfuse_config.py); nothing otherwise.
Tracing never breaks a call: a failure to send is logged and the answer stands."""

from __future__ import annotations

import logging
import threading
from typing import Any

from services.llm import langfuse_config

log = logging.getLogger("workbench.llm.tracing")
_lock = threading.Lock()
_client = None
_client_key: tuple[str, str, str] | None = None


def enabled() -> bool:
    """Langfuse is configured (in the environment, or by an admin in Settings › Integrations)."""
    return langfuse_config.current() is not None


def _langfuse(config: langfuse_config.LangfuseConfig):
    global _client, _client_key
    from langfuse import Langfuse

    key = (config.public_key, config.secret_key, config.base_url)
    with _lock:
        if _client is None or _client_key != key:
            if _client is not None:
                _client.shutdown()
            _client = Langfuse(public_key=key[0], secret_key=key[1], base_url=key[2] or None)
            _client_key = key
        return _client


def trace_id_for(seed: str) -> str:
    """The Langfuse trace id of everything that shares `seed` (an agent run's calls share its run id)."""
    from langfuse import Langfuse

    return Langfuse.create_trace_id(seed=seed)


def trace_url(seed: str) -> str | None:
    """The Langfuse page of the trace `seed` names (None when Langfuse is off or cannot say its project)."""
    config = langfuse_config.current()
    if config is None:
        return None
    try:
        return _langfuse(config).get_trace_url(trace_id=trace_id_for(seed))
    except Exception:  # a missing link is not worth failing a run for
        log.warning("could not get a Langfuse trace URL", exc_info=True)
        return None


def trace(*, purpose: str, model: str, messages: list[dict[str, Any]], output: str | None, status: str,
          prompt_tokens: int = 0, completion_tokens: int = 0, cost_usd: float = 0.0, error: str | None = None,
          metadata: dict[str, Any] | None = None, trace_seed: str | None = None) -> None:
    """One generation, sent at once (flushed) so a short-lived process loses nothing; generations with the same
    `trace_seed` land in one trace."""
    config = langfuse_config.current()  # one read per call: every process follows a change at once
    if config is None:
        return
    try:
        client = _langfuse(config)
        context = {"trace_context": {"trace_id": trace_id_for(trace_seed)}} if trace_seed else {}
        with client.start_as_current_observation(as_type="generation", name=purpose, model=model,
                                                 input=messages, metadata=metadata or {}, **context) as generation:
            generation.update(output=output, usage_details={"input": prompt_tokens, "output": completion_tokens},
                              cost_details={"total": cost_usd}, level="ERROR" if status == "failed" else "DEFAULT",
                              status_message=error)
        client.flush()
    except Exception:  # the model's answer matters more than its trace
        log.warning("could not send a trace to Langfuse", exc_info=True)


def shutdown() -> None:
    """Flush and stop the client (tests, shutdown)."""
    global _client, _client_key
    with _lock:
        if _client is not None:
            _client.shutdown()
        _client, _client_key = None, None
