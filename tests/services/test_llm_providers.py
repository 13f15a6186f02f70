"""LLM providers admins add: the key is kept encrypted and shown masked, the gateway calls an offered model with
the provider's key and base (checked at a real OpenAI-compatible server on 127.0.0.1), Test sends one token,
agents use offered models, bad input changes nothing, and only admins manage providers."""

from __future__ import annotations

import json
import uuid

import pytest

from services.agents import registry, runner, runs
from services.core import db
from services.core.errors import InvalidInput, NotFound, PermissionDenied
from services.llm import gateway, provider_check, providers


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


def _stored_providers() -> list[tuple]:
    with db.connection() as conn:
        return conn.execute("SELECT name, settings::text FROM ip_workbench.integrations WHERE name LIKE 'llm:%'"
                            " ORDER BY name").fetchall()


def test_an_offered_model_is_called_with_its_providers_key(peer, admin, make_user):
    name, key = f"peer-{uuid.uuid4().hex[:6]}", f"sk-peer-{uuid.uuid4().hex}"
    model = f"openai/peer-offered-{name}"
    saved = providers.save_provider(admin, name, "openai", [model], api_key=key, api_base=peer.url)
    assert saved.key_hint == "••••" + key[-4:] and key not in json.dumps(saved.__dict__, default=str)
    assert model in providers.offered_models()
    tested = provider_check.test_provider(admin, name)
    assert tested.ok and tested.model == model, tested.message
    assert peer.authorizations[-1] == f"Bearer {key}" and peer.requests[-1]["max_tokens"] == 1
    engineer = make_user("engineer")[0]
    agent = f"offered {uuid.uuid4().hex[:6]}"
    registry.apply(engineer, registry.parse_spec({"name": agent, "tools": [], "model": model, "budget_usd": 1}))
    peer.will(("ok", '{"answer": "from the offered model"}'))
    run_id = runs.begin_now(engineer, agent, "Hello?")
    runner.run(run_id)
    assert runs.get(engineer, run_id).model == model and peer.authorizations[-1] == f"Bearer {key}"
    providers.save_provider(admin, name, "openai", [model], api_base=peer.url)  # the key is kept
    provider_check.test_provider(admin, name)
    assert peer.authorizations[-1] == f"Bearer {key}"
    with db.connection() as conn:
        audit = conn.execute("SELECT string_agg(details::text, ' ') FROM ip_workbench.audit_log"
                             " WHERE action LIKE 'llm_provider_%%'").fetchone()[0]
    assert key not in audit
    providers.delete_provider(admin, name)
    with db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM ip_workbench.secrets WHERE name = %s",
                            (f"llm.{name}.api_key",)).fetchone()[0] == 0
    assert gateway.routes_for(model)[0].api_key is None


def test_bad_input_changes_nothing_and_only_admins_manage(admin, make_user, migrated):
    name = f"keep-{uuid.uuid4().hex[:6]}"
    providers.save_provider(admin, name, "anthropic", [f"anthropic/claude-{name}"], api_key="sk-ant-123456789012")
    before = _stored_providers()
    for args, kwargs, message in (
            (("Bad Name!", "openai", ["gpt-4o-mini"]), {"api_key": "k"}, "name"),
            ((name, "not a kind", ["gpt-4o-mini"]), {}, "LiteLLM provider"),
            ((name, "openai", []), {}, "models"),
            ((f"other-{name}", "anthropic", [f"anthropic/claude-{name}"]), {"api_key": "k"}, "already offered"),
            ((f"nokey-{name}", "openai", ["openai/x"]), {}, "API key"),
            ((name, "openai", ["gpt-4o-mini"]), {"api_base": "ftp://x"}, "http")):
        with pytest.raises(InvalidInput, match=message):
            providers.save_provider(admin, *args, **kwargs)
    assert _stored_providers() == before
    for role in ("engineer", "viewer", "service"):
        user = make_user(role)[0]
        for call in (lambda u: providers.list_providers(u), lambda u: provider_check.test_provider(u, name),
                     lambda u: providers.save_provider(u, name, "openai", ["x/y"], api_key="k"),
                     lambda u: providers.delete_provider(u, name)):
            with pytest.raises(PermissionDenied):
                call(user)
    with pytest.raises(NotFound):
        providers.delete_provider(admin, "no-such-provider")
    providers.delete_provider(admin, name)


def test_genie_answers_with_an_offered_model(peer, admin, make_user, demo_warehouse):
    from services.genie import ask as genie

    name, key = f"genie-{uuid.uuid4().hex[:6]}", f"sk-genie-{uuid.uuid4().hex}"
    model = f"openai/{name}"
    providers.save_provider(admin, name, "openai", [model], api_key=key, api_base=peer.url)
    engineer = make_user("engineer")[0]
    try:
        peer.will(("ok", "```sql\nSELECT count(*) AS vendors FROM silver.vendors\n```"))
        answer = genie.ask(engineer, "How many vendors do we have?", model=model)
        assert answer.status == "answered", answer.message
        assert peer.requests[-1]["model"] == name and peer.authorizations[-1] == f"Bearer {key}"
        with pytest.raises(InvalidInput, match="not offered"):
            genie.ask(engineer, "How many vendors do we have?", model="openai/not-offered")
    finally:
        providers.delete_provider(admin, name)
