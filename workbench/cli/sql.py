"""`workbench sql --as EMAIL "SQL"`: run SQL with a user's role, as the editor and the API do."""

from __future__ import annotations

import click

from services.sql import execution as query_execution
from services.sql import output as sql_output
from workbench.cli.base import acting_user


@click.command("sql")
@click.option("--as", "email", required=True, help="Run with this user's role.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.argument("sql_text")
def sql_command(email: str, fmt: str, sql_text: str) -> None:
    """Run SQL as a user, through the same service as the editor and the API."""
    result = query_execution.execute_all(acting_user(email), sql_text, source="cli")
    names = [c.name for c in result.columns]
    if not names:
        click.echo(result.status_message or "OK")
        return
    if fmt == "json":
        for old, new in sql_output.renamed_columns(names):
            click.echo(f"note: a second column named {old!r} is {new!r} in the JSON", err=True)
    click.echo(sql_output.render(fmt, names, result.rows), nl=False)
