"""`workbench odoo configure|status|test|pull`: the Odoo connection and pulls into bronze (admins)."""

from __future__ import annotations

import click

from services.integrations import odoo, odoo_pull
from workbench.cli.base import acting_user, echo_json, read_secret
from workbench.responses.integrations import OdooPullOut, OdooStatusOut, OdooTestOut


@click.group("odoo")
def odoo_group() -> None:
    """Odoo over XML-RPC."""


@odoo_group.command("configure")
@click.option("--url", required=True, help="https://odoo.example.com")
@click.option("--database", required=True)
@click.option("--user", "login", required=True, help="The login the integration signs in as.")
@click.option("--keep-key", is_flag=True, help="Keep the stored API key (change only the other settings).")
@click.option("--as", "email", required=True)
def odoo_configure(url: str, database: str, login: str, keep_key: bool, email: str) -> None:
    """Set the connection; the API key is read from standard input (never from the command line)."""
    actor = acting_user(email)
    api_key = None
    if not keep_key:
        api_key = read_secret("Odoo API key")
    found = odoo.configure(actor, url, database, login, api_key)
    click.echo(f"Odoo at {found.url} (database {found.database}, user {found.login}, key {found.api_key_hint})")


@odoo_group.command("status")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def odoo_status(email: str, as_json: bool) -> None:
    """What is configured and the last outcome."""
    found = odoo.status(acting_user(email))
    if as_json:
        echo_json(OdooStatusOut.of(found))
        return
    if not found.configured:
        click.echo("Odoo is not configured.")
        return
    click.echo(f"Odoo at {found.url} (database {found.database}, user {found.login}, key {found.api_key_hint});"
               f" last success {found.last_success_at or 'never'}; last error {found.last_error or 'none'}")


@odoo_group.command("test")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def odoo_test(email: str, as_json: bool) -> None:
    """Ask Odoo its version and sign in."""
    found = odoo.test_connection(acting_user(email))
    if as_json:
        echo_json(OdooTestOut.of(found))
    else:
        click.echo(found.message)
    if not found.ok:
        raise SystemExit(1)


@odoo_group.command("pull")
@click.argument("model")
@click.option("--into", "target", required=True, help="bronze.TABLE (created when missing)")
@click.option("--fields", default=None, help="Comma-separated field names (default: every field).")
@click.option("--domain", default=None, help='An Odoo domain as JSON, e.g. [["state", "=", "done"]].')
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def odoo_pull_command(model: str, target: str, fields: str | None, domain: str | None, email: str,
                      as_json: bool) -> None:
    """Append MODEL's records changed since the last pull into the bronze table."""
    wanted = [f.strip() for f in fields.split(",") if f.strip()] if fields else None
    found = odoo_pull.pull(acting_user(email), model, target, fields=wanted, domain=odoo_pull.parse_domain(domain))
    if as_json:
        echo_json(OdooPullOut.of(found))
        return
    click.echo(f"{found.model} → {found.target}: {found.fetched:,} fetched, {found.inserted:,} inserted,"
               f" {found.rejected:,} rejected in {found.pages} pages ({found.seconds:.1f} s)")
