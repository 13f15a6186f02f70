"""`workbench dq …`: data quality — profiles, tests as code, runs, SLOs and schedules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from services.core.errors import InvalidInput
from services.quality import profile as profiling
from services.quality import runs, schedules, slo, testing
from services.quality import suggest as suggestions
from workbench.cli.base import acting_user, echo_json, operator
from workbench.responses.quality import ProfileOut, RunSummaryOut, TableRunOut


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


@dq_group.command("apply")
@click.argument("file")
@click.option("--as", "email", required=True)
def dq_apply(file: str, email: str) -> None:
    """Store the tests of a dbt-style YAML file (version: 2, models: …); idempotent."""
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {file}: {exc}.") from None
    counts = testing.apply_yaml(acting_user(email), text)
    click.echo(", ".join(f"{n} {k}" for k, n in counts.items()))


@dq_group.command("run")
@click.argument("table")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def dq_run(table: str, email: str, as_json: bool) -> None:
    """Run SCHEMA.TABLE's tests now; exits 1 when an error-severity test fails."""
    run = runs.run_table(acting_user(email), table)
    if as_json:
        echo_json(TableRunOut.of(run))
    else:
        click.echo(f"{run.table}: score {run.score if run.score is not None else '-'}")
        for t in run.tests:
            click.echo(f"  {'PASS' if t.passed else 'FAIL'} [{t.severity}] {t.name}: {t.message}")
    if any(not t.passed and t.severity == "error" for t in run.tests):
        sys.exit(1)


@dq_group.command("suggest")
@click.argument("table")
@click.option("--as", "email", required=True)
@click.option("--accept", is_flag=True, help="Store every suggestion as a test.")
def dq_suggest(table: str, email: str, accept: bool) -> None:
    """Tests SCHEMA.TABLE's current data would pass, from a fresh profile."""
    user = acting_user(email)
    if accept:
        stored = suggestions.accept(user, table)
        click.echo(f"stored {len(stored)} tests: {', '.join(stored) or '-'}")
        return
    for spec in suggestions.suggest(user, table):
        click.echo(f"{spec.name}  ({spec.type}{' ' + str(spec.config) if spec.config else ''})")


@dq_group.command("queue")
@click.argument("table")
@click.option("--as", "email", required=True)
def dq_queue(table: str, email: str) -> None:
    """Queue a run of SCHEMA.TABLE's tests for a worker; prints the run id."""
    click.echo(runs.request_run(acting_user(email), table))


@dq_group.command("runs")
@click.argument("table")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def dq_runs(table: str, email: str, as_json: bool) -> None:
    """SCHEMA.TABLE's test runs, oldest first."""
    found = runs.history(acting_user(email), table)
    if as_json:
        echo_json([RunSummaryOut.of(r) for r in found])
        return
    for r in found:
        click.echo(f"{r.created_at:%Y-%m-%d %H:%M:%S}  {r.trigger:<9} {r.status:<10} score"
                   f" {r.score if r.score is not None else '-'}  failed {r.tests_failed or 0}/{r.tests_total or 0}")


@dq_group.command("slo")
@click.argument("table")
@click.option("--freshness-hours", type=int, help="Newest data at most this many hours old (omit to clear).")
@click.option("--completeness-pct", type=float, help="At least this % of values present (omit to clear).")
@click.option("--as", "email", required=True)
def dq_slo(table: str, freshness_hours: int | None, completeness_pct: float | None, email: str) -> None:
    """Set SCHEMA.TABLE's SLOs (checked on every test run)."""
    slo.set_slo(acting_user(email), table, freshness_hours=freshness_hours, completeness_pct=completeness_pct)
    click.echo(f"{table}: freshness {freshness_hours or '-'} h, completeness {completeness_pct or '-'} %")


@dq_group.command("schedule")
@click.argument("table")
@click.argument("cron", required=False, default="")
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--as", "email", required=True)
def dq_schedule(table: str, cron: str, timezone: str, email: str) -> None:
    """Run SCHEMA.TABLE's tests on CRON (five fields; leave it out to remove the schedule)."""
    saved = schedules.set_schedule(acting_user(email), table, cron, timezone)
    click.echo(f"{table}: {saved.description} ({saved.timezone}), next {saved.next_run_at:%Y-%m-%d %H:%M} UTC"
               if saved else f"{table}: no schedule")
