"""What every command group shares: the group class that turns errors into one line, and JSON output."""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence

import click
from pydantic import BaseModel, TypeAdapter

from services.core import db
from services.core.config import SettingError
from services.core.errors import WorkbenchError
from services.identity.operator import current_operator
from services.identity.users import User, require_active
from services.sql import execution as query_execution

operator = current_operator


class WorkbenchGroup(click.Group):
    """Turn Workbench errors into one clear line and exit code 1; close pools on the way out."""

    def __call__(self, *args, **kwargs):  # noqa: ANN002, ANN003 — click's own signature
        """The console script (tests call `.main`): run the command, then leave without the interpreter's
        teardown, which spends ~2 s freeing LiteLLM's and pydantic's objects after the answer is printed.
        Exit handlers still run and output is flushed; pools are closed by `invoke`."""
        try:
            self.main(*args, **kwargs)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                click.echo(exc.code, err=True)
        atexit._run_exitfuncs()  # noqa: SLF001 — what a normal exit would run, then no teardown
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (WorkbenchError, SettingError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        finally:
            query_execution.close_pools()
            db.close_pool()


def echo_json(value: BaseModel | Sequence[BaseModel]) -> None:
    """Print a response model (or a list of them) as the API would send it."""
    if isinstance(value, BaseModel):
        click.echo(value.model_dump_json(indent=2))
    else:
        click.echo(TypeAdapter(list[type(value[0])] if value else list).dump_json(list(value), indent=2).decode())


def acting_user(email: str) -> User:
    """The active user a command acts as (`--as EMAIL`)."""
    return require_active(email)


def read_secret(label: str) -> str:
    """A secret from standard input (one line), or typed unseen at a terminal: never from the command line."""
    stream = click.get_text_stream("stdin")
    return click.prompt(label, hide_input=True) if stream.isatty() else stream.readline().strip()
