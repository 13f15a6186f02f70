"""LLM providers admins add (Settings › Integrations; Configure Integrations): a name, the LiteLLM provider it
is (openai, anthropic, or any other LiteLLM knows), an optional API base (an OpenAI-compatible server), the
models to offer, and the API key — kept in the secrets store, shown masked, never returned. The gateway routes
a call for an offered model with that key and base; the local model stays the default and needs no key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db, secrets
from services.core.errors import InvalidInput, NotFound
from services.identity import audit
from services.identity.rbac import Permission, authorize

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
KIND = re.compile(r"^[a-z0-9_]{2,40}$")
MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,199}$")
PREFIX = "llm:"


@dataclass(frozen=True)
class Provider:
    name: str
    kind: str
    api_base: str | None
    models: list[str]
    key_hint: str | None
    updated_at: datetime | None


def _secret_name(name: str) -> str:
    return f"llm.{name}.api_key"


def _provider(conn: psycopg.Connection, row: tuple) -> Provider:
    name, values, updated_at = row[0][len(PREFIX):], row[1], row[2]
    hint = conn.execute("SELECT hint FROM ip_workbench.secrets WHERE name = %s", (_secret_name(name),)).fetchone()
    return Provider(name, values["kind"], values.get("api_base"), list(values.get("models", [])),
                    hint[0] if hint else None, updated_at)


def _rows(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute("SELECT name, settings, updated_at FROM ip_workbench.integrations WHERE name LIKE %s"
                        " ORDER BY name", (PREFIX + "%",)).fetchall()


def save_provider(actor: Any, name: str, kind: str, models: list[str], *, api_key: str | None = None,
                  api_base: str | None = None, client_address: str | None = None) -> Provider:
    """Add or change a provider (admins). `api_key` None keeps the stored key (a new provider needs one unless
    it has an API base: local OpenAI-compatible servers often take none)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    name, kind = (name or "").strip().lower(), (kind or "").strip().lower()
    if not NAME.match(name):
        raise InvalidInput("A provider's name is 1–40 lower-case letters, digits, '_' or '-'.")
    if not KIND.match(kind):
        raise InvalidInput("The provider is a LiteLLM provider name: openai, anthropic, azure, groq, ollama, …")
    models = [m.strip() for m in models if m and m.strip()]
    if not models or not all(MODEL.match(m) for m in models):
        raise InvalidInput("List the models to offer, as LiteLLM names them (e.g. openai/gpt-4o-mini).")
    base = (api_base or "").strip().rstrip("/") or None
    if base is not None and not re.match(r"^https?://\S+$", base):
        raise InvalidInput("The API base is an http(s) URL.")
    with db.connection() as conn:
        taken = {m: p.name for p in (_provider(conn, r) for r in _rows(conn)) if p.name != name for m in p.models}
        clash = sorted(m for m in models if m in taken)
        if clash:
            raise InvalidInput(f"{', '.join(clash)} is already offered by provider {taken[clash[0]]}.")
        has_key = conn.execute("SELECT 1 FROM ip_workbench.secrets WHERE name = %s",
                               (_secret_name(name),)).fetchone() is not None
        if api_key is None and not has_key and base is None:
            raise InvalidInput("Give the provider's API key.")
        conn.execute("INSERT INTO ip_workbench.integrations (name, settings, updated_by) VALUES (%s, %s, %s)"
                     " ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_by ="
                     " excluded.updated_by, updated_at = now()",
                     (PREFIX + name, Jsonb({"kind": kind, "api_base": base, "models": models}), actor.id))
        if api_key is not None:
            if not api_key.strip():
                raise InvalidInput("The API key is empty.")
            secrets.put(conn, _secret_name(name), api_key.strip(), actor_id=actor.id)
        audit.record(action="llm_provider_saved", actor=actor, target=name, client_address=client_address,
                     conn=conn, details={"kind": kind, "models": models, "api_base": base,
                                         "api_key": "replaced" if api_key is not None else "kept"})
        return _provider(conn, conn.execute("SELECT name, settings, updated_at FROM ip_workbench.integrations"
                                            " WHERE name = %s", (PREFIX + name,)).fetchone())


def list_providers(actor: Any) -> list[Provider]:
    """Every provider, keys masked (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS)
    with db.connection() as conn:
        return [_provider(conn, r) for r in _rows(conn)]


def delete_provider(actor: Any, name: str, *, client_address: str | None = None) -> None:
    """Remove a provider and its key (admins)."""
    authorize(actor, Permission.CONFIGURE_INTEGRATIONS, client_address=client_address)
    with db.connection() as conn:
        if not conn.execute("DELETE FROM ip_workbench.integrations WHERE name = %s RETURNING 1",
                            (PREFIX + name,)).fetchone():
            raise NotFound(f"There is no provider named {name}.")
        secrets.delete(conn, _secret_name(name))
        audit.record(action="llm_provider_deleted", actor=actor, target=name, client_address=client_address,
                     conn=conn)


def offered_models() -> list[str]:
    """The models the providers offer (for pickers; model names are not secret)."""
    with db.connection() as conn:
        return sorted({m for r in _rows(conn) for m in r[1].get("models", [])})


def credentials_for(model: str) -> tuple[str | None, str | None] | None:
    """(api_base, api_key) of the provider offering `model`, for the gateway's call; None when none does."""
    with db.connection() as conn:
        for row in _rows(conn):
            if model in row[1].get("models", []):
                name = row[0][len(PREFIX):]
                return row[1].get("api_base"), secrets.get(conn, _secret_name(name))
    return None
