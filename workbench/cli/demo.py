"""`workbench demo load`: the finance demo warehouse."""

from __future__ import annotations

import click

from services.demo import load as demo
from services.demo import pipeline as demo_pipeline
from services.demo import quality as demo_quality


@click.group("demo")
def demo_group() -> None:
    """The finance demo warehouse."""


@demo_group.command("load")
@click.option("--scale", default=1, show_default=True, type=int, help="Multiplies the 100,000 expenses.")
def demo_load(scale: int) -> None:
    """Generate the demo warehouse (replaces the demo tables)."""
    result = demo.load(scale, progress=lambda message: click.echo(f"  {message}"))
    for table, count in result.row_counts.items():
        click.echo(f"{table:40} {count:>12,}")
    click.echo(f"{result.total_rows:,} rows in {result.seconds:.1f} s "
               f"({result.total_rows / result.seconds:,.0f} rows/s)")
    if created := demo_pipeline.ensure_pipeline():
        click.echo(created)
    if tested := demo_quality.ensure_tests(demo_pipeline.first_admin()):
        click.echo(tested)
