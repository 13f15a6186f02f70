"""`workbench apikey …`: API keys (each acts with its user's role)."""

from __future__ import annotations

import click

from services.identity import api_keys
from workbench.cli.base import operator


@click.group("apikey")
def apikey_group() -> None:
    """API keys (each acts with its user's role)."""


@apikey_group.command("create")
@click.option("--user", "email", required=True, help="The user the key acts as.")
@click.option("--name", default="", help="What the key is for, e.g. n8n.")
def apikey_create(email: str, name: str) -> None:
    """Create a key; it is printed once and stored hashed."""
    created = api_keys.create_key(operator(), email, name)
    click.echo(f"created key {created.record.key_prefix} for {created.record.user_email}")
    click.echo(f"key (shown once): {created.key}")


@apikey_group.command("revoke")
@click.argument("prefix")
def apikey_revoke(prefix: str) -> None:
    """Revoke a key by its prefix (or the whole key)."""
    revoked = api_keys.revoke_key(operator(), prefix)
    click.echo(f"revoked key {revoked.key_prefix} of {revoked.user_email}")


@apikey_group.command("list")
def apikey_list() -> None:
    """List keys (never their secrets)."""
    for key in api_keys.list_keys(operator()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.key_prefix}  {key.user_email:32} {key.name:20} {state}")
