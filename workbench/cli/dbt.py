"""`workbench dbt …`: import a dbt project's artifacts into the catalog, lineage and data quality."""

from __future__ import annotations

import click

from services.integrations.dbt import importer
from workbench.cli.base import acting_user, echo_json
from workbench.responses.dbt import DbtImportOut, DbtProjectOut


@click.group("dbt")
def dbt_group() -> None:
    """dbt projects."""


@dbt_group.command("import")
@click.argument("path")
@click.option("--as", "email", required=True, help="The engineer or admin importing.")
@click.option("--json", "as_json", is_flag=True)
def dbt_import(path: str, email: str, as_json: bool) -> None:
    """Import PATH (a dbt project folder, its target/ folder or a manifest.json): descriptions, lineage,
    tests and, when run_results.json is there, their results. Idempotent."""
    report = importer.import_folder(acting_user(email), path)
    if as_json:
        echo_json(DbtImportOut.of(report))
        return
    click.echo(f"{report.project} (dbt {report.dbt_version}): {report.models} models, {report.seeds} seeds,"
               f" {report.snapshots} snapshots, {report.sources} sources; {report.columns_described} columns"
               f" described; {report.table_edges} table and {report.column_edges} column edges; {report.tests}"
               f" tests, {report.results} results; {report.written} rows written")
    for relation in report.unmatched:
        click.echo(f"  not in the warehouse: {relation}")


@dbt_group.command("list")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def dbt_list(email: str, as_json: bool) -> None:
    """Imported dbt projects."""
    found = importer.projects(acting_user(email))
    if as_json:
        echo_json([DbtProjectOut.of(p) for p in found])
        return
    for p in found:
        click.echo(f"{p.name:<30} dbt {p.dbt_version:<8} {p.imported_at:%Y-%m-%d %H:%M}  {p.path or 'uploaded'}")
