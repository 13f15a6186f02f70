"""`workbench catalog sync|search`: the catalog of warehouse tables."""

from __future__ import annotations

import click

from services.catalog import search as catalog_search
from services.catalog import sync as catalog_sync
from workbench.cli.base import echo_json, operator
from workbench.responses.catalog import SearchHitOut, SyncSummary


@click.group("catalog")
def catalog_group() -> None:
    """The catalog of warehouse tables."""


@catalog_group.command("sync")
@click.option("--json", "as_json", is_flag=True)
def catalog_sync_command(as_json: bool) -> None:
    """Bring the catalog in line with the database (only changed rows are written)."""
    shown: dict[str, object] = {}

    def progress(message: str, fraction: float) -> None:
        """Each stage once, and the long embedding stage every tenth of the way."""
        stage, tenth = message.split(":")[0], int(fraction * 10)
        if not as_json and (stage, tenth) != (shown.get("stage"), shown.get("tenth")):
            shown.update(stage=stage, tenth=tenth)
            click.echo(f"  {message}", err=True)

    result = catalog_sync.sync(trigger="cli", actor_label=operator().email, progress=progress)
    if as_json:
        echo_json(SyncSummary.of(result))
        return
    click.echo(f"{result.tables_total} tables: +{result.tables_added} ~{result.tables_updated} "
               f"-{result.tables_removed}; columns +{result.columns_added} ~{result.columns_updated} "
               f"-{result.columns_removed} in {result.seconds * 1000:.0f} ms")


@catalog_group.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def catalog_search_command(query: str, limit: int, as_json: bool) -> None:
    """Ranked tables and columns for QUERY (names first, then text, then meaning)."""
    hits = catalog_search.search(operator(), query, limit=limit)
    if as_json:
        echo_json([SearchHitOut.of(h) for h in hits])
        return
    for h in hits:
        name = f"{h.schema_name}.{h.table_name}" + (f".{h.column_name}" if h.column_name else "")
        click.echo(f"{h.score:7.3f}  {h.match:8} {name}")
