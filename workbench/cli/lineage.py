"""`workbench lineage extract|impact|add|remove`: column-level lineage."""

from __future__ import annotations

import click

from services.core.identifiers import split_column_reference
from services.lineage import graph as lineage_graph
from services.lineage import store as lineage_store
from services.lineage.extract import extract_lineage
from workbench.cli.base import echo_json, operator
from workbench.responses.lineage import ImpactOut, LineageExtraction


@click.group("lineage")
def lineage_group() -> None:
    """Column-level lineage."""


@lineage_group.command("extract")
@click.argument("file", type=click.File("r"))
@click.option("--dialect", default="postgres", show_default=True, help="SQL dialect of the file (sqlglot's names).")
@click.option("--json", "as_json", is_flag=True)
def lineage_extract(file, dialect: str, as_json: bool) -> None:
    """Tables FILE reads and writes, and the column edges between them ("-" reads standard input)."""
    found = LineageExtraction.of(extract_lineage(file.read(), dialect=dialect))
    if as_json:
        echo_json(found)
        return
    click.echo(f"sources: {', '.join(found.sources) or '-'}")
    click.echo(f"targets: {', '.join(found.targets) or '-'}")
    for edge in found.columns:
        click.echo(f"  {edge.source_table or '?'}.{edge.source_column} -> {edge.target_table}.{edge.target_column}")


@lineage_group.command("impact")
@click.argument("name")
@click.option("--depth", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def lineage_impact(name: str, depth: int, as_json: bool) -> None:
    """What depends on NAME (schema.table or schema.table.column): every downstream table and column."""
    table, column = split_column_reference(name)
    found = lineage_graph.impact(operator(), table, column, depth=depth)
    if as_json:
        echo_json(ImpactOut.of(found))
        return
    if found.notice:
        click.echo(found.notice, err=True)
    click.echo(f"{len(found.tables)} tables and {len(found.columns)} columns depend on {found.start}")
    for item in found.tables:
        click.echo(f"  [{item.depth}] {item.table}    via {' -> '.join(item.path)}")
    for item in found.columns:
        click.echo(f"  [{item.depth}] {item.table}.{item.column}    via {' -> '.join(item.path)}")


@lineage_group.command("add")
@click.argument("source")
@click.argument("target")
@click.option("--column", "columns", multiple=True, metavar="SOURCE_COLUMN:TARGET_COLUMN",
              help="A column edge; repeat for more.")
@click.option("--note", default="", help="Why the edge exists (kept with it).")
def lineage_add(source: str, target: str, columns: tuple[str, ...], note: str) -> None:
    """Add an edge SQL cannot show (SOURCE feeds TARGET, both schema.table); prints its key."""
    pairs = lineage_store.parse_column_pairs(columns)
    click.echo(lineage_store.add_manual_edge(operator(), source, target, columns=pairs, note=note))


@lineage_group.command("remove")
@click.argument("key")
def lineage_remove(key: str) -> None:
    """Remove an edge added by hand (KEY as printed by `lineage add`)."""
    lineage_store.remove_manual_edge(operator(), key)
    click.echo(f"removed {key}")
