"""`workbench backup FILE` and `workbench restore FILE`: the whole database with pg_dump / pg_restore."""

from __future__ import annotations

from pathlib import Path

import click

from services.runtime import backup as backups
from workbench.cli.base import echo_json
from workbench.responses.runtime import BackupOut, RestoreOut


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def backup_command(file: Path, as_json: bool) -> None:
    """Write a consistent dump of metadata and warehouse to FILE (pg_dump custom format)."""
    result = backups.backup(file)
    if as_json:
        echo_json(BackupOut.of(result))
        return
    click.echo(f"backup written: {result.path} ({result.bytes / 1e6:,.1f} MB in {result.seconds:.1f} s)")
    for item in result.left_out:
        click.echo(f"not in the backup: {item}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Overwrite an install that already holds Workbench data.")
@click.option("--json", "as_json", is_flag=True)
def restore_command(file: Path, replace: bool, as_json: bool) -> None:
    """Restore FILE into this install (an empty one unless --replace), then migrate to the head."""
    result = backups.restore(file, replace=replace)
    if as_json:
        echo_json(RestoreOut.of(result))
        return
    click.echo(f"restored {result.path} in {result.seconds:.1f} s; database at revision {result.revision}")
    for note in result.notes:
        click.echo(f"warning: {note}", err=True)
