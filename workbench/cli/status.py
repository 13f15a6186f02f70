"""`workbench status`: the readiness checks /api/ready answers with, from the command line."""

from __future__ import annotations

import click

from services.runtime.health import readiness
from workbench.cli.base import echo_json
from workbench.responses.runtime import ReadinessOut


@click.command("status")
@click.option("--json", "as_json", is_flag=True)
def status_command(as_json: bool) -> None:
    """Database, migrations, task queue, scheduler and model server; exits 1 when not ready."""
    report = readiness()
    if as_json:
        echo_json(ReadinessOut.of(report))
    else:
        for check in report.checks:
            mark = "ok" if check.ok else ("FAILED" if check.required else "warning")
            click.echo(f"{check.name:<13} {mark:<8} {check.detail}")
        click.echo("ready" if report.ready else "not ready")
    if not report.ready:
        raise SystemExit(1)
