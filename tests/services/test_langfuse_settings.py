"""Langfuse keys saved by an admin (Settings › Integrations): traces go to that host with those keys, the secret
key is kept encrypted and shown masked, the environment wins over saved keys, and bad input changes nothing."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from devtools.http_receiver import running_receiver
from services.core import db
from services.core.errors import InvalidInput, PermissionDenied
from services.llm import complete, langfuse_config, tracing


@pytest.fixture
def admin(make_user):
    return make_user("admin")[0]


@pytest.fixture
def clean(monkeypatch):
    for name in ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_BASE_URL", "LANGFUSE_HOST"):
        monkeypatch.delenv(name, raising=False)
    yield
    with db.connection() as conn:
        conn.execute("DELETE FROM ip_workbench.integrations WHERE name = 'langfuse'")
        conn.execute("DELETE FROM ip_workbench.secrets WHERE name = 'langfuse.secret_key'")
    tracing.shutdown()


def test_saved_keys_send_traces_and_stay_masked(peer, admin, clean, monkeypatch):
    public, secret = f"pk-lf-saved-{uuid.uuid4().hex[:6]}", f"sk-lf-{uuid.uuid4().hex}"
    assert not tracing.enabled()
    with running_receiver() as host:
        saved = langfuse_config.configure(admin, host.url, public, secret)
        assert (saved.configured, saved.source, saved.secret_key_hint) == (True, "settings", "••••" + secret[-4:])
        assert secret not in json.dumps(saved.__dict__, default=str)
        assert tracing.enabled()
        peer.will(("ok", "traced with saved keys"))
        complete([{"role": "user", "content": "Say hello."}], purpose="test-saved-langfuse")
        tracing.shutdown()
    posted = [r for r in host.requests if r.method == "POST" and "otel" in r.path]
    assert posted
    headers = {k.lower(): v for k, v in posted[0].headers.items()}
    assert headers["authorization"] == "Basic " + base64.b64encode(f"{public}:{secret}".encode()).decode()
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-lf-env")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-lf-env")
    assert langfuse_config.current().public_key == "pk-lf-env"  # the environment wins
    assert langfuse_config.status(admin).source == "environment"


def test_bad_input_changes_nothing_and_only_admins_configure(admin, clean, make_user, migrated):
    langfuse_config.configure(admin, "https://langfuse.example.com", "pk-lf-1", "sk-lf-1")
    before = langfuse_config.status(admin)
    for args, message in ((("ftp://x", "pk-lf-2", "sk-lf-2"), "http"), (("", "public", "sk-lf-2"), "pk-"),
                          (("", "pk-lf-2", "secret"), "sk-")):
        with pytest.raises(InvalidInput, match=message):
            langfuse_config.configure(admin, *args)
    assert langfuse_config.status(admin) == before
    kept = langfuse_config.configure(admin, "https://langfuse.example.com", "pk-lf-3", None)
    assert kept.public_key == "pk-lf-3" and langfuse_config.current().secret_key == "sk-lf-1"
    for role in ("engineer", "viewer", "service"):
        with pytest.raises(PermissionDenied):
            langfuse_config.configure(make_user(role)[0], "https://x.example.com", "pk-lf-4", "sk-lf-4")
