"""`workbench dq …`: data quality (profiling now; tests, scores and alerts follow)."""

from __future__ import annotations

import click

from services.quality import profile as profiling
from workbench.cli.base import echo_json, operator
from workbench.responses.quality import ProfileOut


@click.group("dq")
def dq_group() -> None:
    """Data quality."""


@dq_group.command("profile")
@click.argument("table")
@click.option("--json", "as_json", is_flag=True)
def dq_profile(table: str, as_json: bool) -> None:
    """Profile SCHEMA.TABLE in one scan and keep the profile."""
    found = profiling.profile(operator(), table)
    if as_json:
        echo_json(ProfileOut.of(found))
        return
    sample = f", sampled at {found.sample_percent}%" if found.sampled else ""
    click.echo(f"{found.table}: {found.rows:,} rows{sample} in {found.seconds:.2f} s"
               f" (distinct: {found.distinct_method})")
    for c in found.columns:
        distinct = "?" if c.distinct is None else f"{c.distinct:,}"
        click.echo(f"  {c.name:<28} {c.type:<24} nulls {c.null_fraction:>7.2%}  distinct {distinct:>10}"
                   f"  min {c.min}  max {c.max}")
