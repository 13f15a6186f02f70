"""`workbench genie ask`: questions in plain language (NL to SQL), answered read-only."""

from __future__ import annotations

import click

from services.genie.ask import ask
from services.sql import output as sql_output
from workbench.cli.base import acting_user, echo_json
from workbench.responses.genie import GenieAnswerOut


@click.group("genie")
def genie_group() -> None:
    """Questions in plain language (NL to SQL)."""


@genie_group.command("ask")
@click.argument("question")
@click.option("--as", "email", required=True, help="Ask as this user (their role applies).")
@click.option("--conversation", default=None, help="Continue this conversation (its id, from --json).")
@click.option("--json", "as_json", is_flag=True)
def genie_ask(question: str, email: str, conversation: str | None, as_json: bool) -> None:
    """Answer QUESTION with SQL run read-only as the user; prints the SQL, the rows and the attempts."""
    answer = ask(acting_user(email), question, conversation_id=conversation)
    if as_json:
        echo_json(GenieAnswerOut.of(answer))
        return
    for attempt in answer.attempts:
        click.echo(f"-- attempt failed: {attempt.error}\n{attempt.sql}\n", err=True)
    if answer.status != "answered":
        raise click.ClickException(answer.message or "No answer.")
    click.echo(answer.sql + "\n")
    click.echo(sql_output.render("table", answer.columns, answer.rows), nl=False)
    click.echo(f"\n{answer.explanation}")
