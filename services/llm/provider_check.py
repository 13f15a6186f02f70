"""Test an LLM provider (Settings › Integrations): a one-token request through the gateway to its first model,
with its stored key — the same path Genie and agents take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.core.errors import NotFound, WorkbenchError
from services.identity import audit
from services.identity.rbac import Permission, authorize
from services.llm import gateway, providers


@dataclass(frozen=True)
class ProviderTest:
    ok: bool
    model: str
    latency_ms: int | None
    message: str


def test_provider(actor: Any, name: str, *, client_address: str | None = None) -> ProviderTest:
    """One token from the provider's first model (admins); the outcome is audited."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    found = next((p for p in providers.list_providers(actor) if p.name == name), None)
    if found is None:
        raise NotFound(f"There is no provider named {name}.")
    model = found.models[0]
    try:
        answer = gateway.complete([{"role": "user", "content": "Reply with the single word: ok"}],
                                  purpose="provider-test", actor=actor, max_tokens=1, model=model)
    except WorkbenchError as exc:
        result = ProviderTest(False, model, None, str(exc))
    else:
        result = ProviderTest(answer.model == model, model, answer.latency_ms,
                              f"{answer.model} answered in {answer.latency_ms} ms." if answer.model == model else
                              f"{model} did not answer; the fallback {answer.model} did.")
    audit.record(action="llm_provider_tested", actor=actor, target=name, client_address=client_address,
                 details={"ok": result.ok, "model": model})
    return result
