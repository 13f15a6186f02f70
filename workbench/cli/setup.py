"""`workbench db upgrade|downgrade` and `workbench setup`: the schema, the first admin, the demo warehouse."""

from __future__ import annotations

import subprocess
import sys

import click

from services.catalog import sync as catalog_sync
from services.core import db, migrations, secrets
from services.core.config import settings
from services.demo import load as demo
from services.demo import pipeline as demo_pipeline
from services.demo import quality as demo_quality
from services.identity import audit, users
from services.identity.operator import current_operator
from services.sql import roles as query_roles


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrations.upgrade(revision)
    if revision == "head":
        _report_gaps(query_roles.prepare())
    click.echo(f"database at revision {migrations.current_revision()}")


@db_group.command("url")
def db_url() -> None:
    """Print the database's connection URL (its owner's: for psql, backups and support on this machine)."""
    click.echo(db.database_url())
    if db.is_embedded():
        click.echo("(the embedded server answers while the app, a worker or `workbench db psql` runs)", err=True)


@db_group.command("psql", context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
def db_psql(psql_args: tuple[str, ...]) -> None:
    """Open psql on the database (extra arguments go to psql, e.g. -c "SELECT 1")."""
    path = db.psql_path()
    if path is None:
        raise click.ClickException("psql is not installed here (apt-get install postgresql-client), and this"
                                   " install does not run the embedded server that ships one.")
    sys.exit(subprocess.call([path, db.database_url(), *psql_args]))


def _report_gaps(gaps: list[str]) -> None:
    """Say which least-privilege revocations this server did not allow (the SQL policy still refuses them)."""
    for gap in gaps:
        click.echo(f"warning: {gap} (this server did not let Workbench revoke it)", err=True)


@db_group.command("downgrade")
@click.option("--revision", default="base", show_default=True)
@click.confirmation_option(prompt="This drops Workbench metadata. Continue?")
def db_downgrade(revision: str) -> None:
    """Roll migrations back to REVISION."""
    migrations.downgrade(revision)
    click.echo(f"database at revision {migrations.current_revision()}")


@click.command("setup")
@click.option("--skip-demo", is_flag=True, help="Do not load the demo warehouse.")
def setup(skip_demo: bool) -> None:
    """Migrate, create the first admin if none exists, load the demo warehouse when it is empty."""
    migrations.upgrade("head")
    verify_secret_key()
    _report_gaps(query_roles.prepare())
    created = users.ensure_first_admin()
    if created:
        click.echo(f"created the first admin: {created.user.email}")
        click.echo(f"password (shown once, also kept in {settings().admin_credentials_file}): {created.password}")
    if not skip_demo and demo.warehouse_is_empty():
        click.echo("loading the demo warehouse (scale 1)...")
        result = demo.load(1)
        click.echo(f"demo warehouse loaded: {result.total_rows:,} rows in {result.seconds:.1f} s")
    with db.connection() as conn:  # a warehouse loaded before build scripts were registered gets its lineage
        demo.register_build_lineage(conn)
    synced = catalog_sync.sync(trigger="setup")
    click.echo(f"catalog: {synced.tables_total} tables and views ({synced.writes} changes synced)")
    if not demo.warehouse_is_empty() and (created_pipeline := demo_pipeline.ensure_pipeline()):
        click.echo(created_pipeline)
    if not demo.warehouse_is_empty() and (tested := demo_quality.ensure_tests(demo_pipeline.first_admin())):
        click.echo(tested)


def verify_secret_key() -> None:
    """Stop with a clear message when the deployment's key cannot read the stored secrets."""
    try:
        secrets.verify_key()
    except secrets.SecretKeyMismatch as exc:
        raise click.ClickException(str(exc)) from None


@click.group("secrets")
def secrets_group() -> None:
    """The encrypted credentials the app keeps."""


@secrets_group.command("rotate")
@click.option("--new-key-stdin", is_flag=True,
              help="Read the new key from standard input (deployments that set WORKBENCH_SECRET_KEY).")
def secrets_rotate(new_key_stdin: bool) -> None:
    """Re-encrypt every stored secret under a new key, in one transaction."""
    verify_secret_key()
    new_key = click.get_text_stream("stdin").readline().strip() if new_key_stdin else secrets.new_key()
    try:
        counts = secrets.rotate(new_key)
    except (ValueError, secrets.SecretKeyMismatch) as exc:
        raise click.ClickException(str(exc)) from None
    audit.record(action="secrets_rotated", actor=current_operator(), target="secret key",
                 details={table: n for table, n in counts.items()})
    rotated = sum(counts.values())
    if settings().secret_key:
        click.echo(f"{rotated} secrets re-encrypted. Set WORKBENCH_SECRET_KEY to the new key on every machine and"
                   " restart" + ("." if new_key_stdin else f": {new_key}"))
    else:
        secrets.install_key_file(new_key)
        click.echo(f"{rotated} secrets re-encrypted; {settings().secret_key_file} holds the new key. Restart the"
                   " app and workers.")


@click.command("secret-key")
def secret_key() -> None:
    """Print a new key for WORKBENCH_SECRET_KEY (set the same value on every machine of a deployment)."""
    click.echo(secrets.new_key())
