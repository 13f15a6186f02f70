"""`workbench pipeline …` (apply, validate, run, runs, retry, cancel, list, show, export, schedule, enable,
disable, versions, diff, restore, delete, upload) and `workbench worker`."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import click

from services.core import cron as schedules
from services.core import db
from services.core.errors import InvalidInput, NotFound
from services.pipelines import guardian, ingest, runner, runs, store
from services.pipelines.definition import PipelineSpec, parse_spec_text
from services.runtime import worker as queue_worker
from workbench.cli.base import acting_user, echo_json, operator
from workbench.cli.setup import verify_secret_key
from workbench.responses.pipelines import (
    AppliedOut,
    ImpactOut,
    PipelineOut,
    RunOut,
    SchedulePreviewOut,
    UploadOut,
    ValidationOut,
    VersionOut,
)

CLAIM_WAIT_S = 2.0


@click.group("pipeline")
def pipeline_group() -> None:
    """Pipelines: apply files, validate, run, follow runs."""


def _read_file(path: str) -> PipelineSpec:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}.") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text.") from None
    return parse_spec_text(text)


def _print_validation(out: ValidationOut) -> None:
    for step in out.steps:
        click.echo(f"{'PASS' if step.passed else 'FAIL'}  {step.step}. {step.name}")
        for message in step.messages:
            click.echo(f"        {message.node + ': ' if message.node else ''}{message.message}")
    click.echo("valid" if out.ok else "invalid")


@pipeline_group.command("apply")
@click.argument("file")
@click.option("--as", "email", required=True, help="Email of the user who saves it (owner when new).")
@click.option("--json", "as_json", is_flag=True)
def pipeline_apply(file: str, email: str, as_json: bool) -> None:
    """Create or update the pipeline named in FILE (JSON; "-" reads standard input). Validated first: an
    invalid pipeline is saved as a disabled draft and the command exits 1."""
    applied = store.apply(acting_user(email), _read_file(file))
    out = AppliedOut.of(applied)
    if as_json:
        echo_json(out)
    else:
        click.echo(f"{'created' if applied.created else 'updated'} {applied.pipeline.name} "
                   f"(version {applied.pipeline.version}, {'enabled' if applied.pipeline.enabled else 'disabled'})")
        _print_validation(out.validation)
    if not applied.report.ok:
        sys.exit(1)


@pipeline_group.command("validate")
@click.argument("file_or_name")
@click.option("--json", "as_json", is_flag=True)
def pipeline_validate(file_or_name: str, as_json: bool) -> None:
    """Run Guardian's eight steps on FILE.json or the stored pipeline NAME; exits 1 when a step fails."""
    if file_or_name == "-" or file_or_name.endswith(".json") or Path(file_or_name).is_file():
        spec = _read_file(file_or_name)
        owner_role = operator().role
        with db.connection() as conn, contextlib.suppress(NotFound):
            owner_role = store.find(conn, spec.name).owner_role or owner_role
    else:
        pipeline = store.get(operator(), file_or_name)
        spec, owner_role = pipeline.spec(), pipeline.owner_role
    report = guardian.validate(spec.definition, owner_role=owner_role, schedule=spec.schedule,
                               timezone=spec.timezone, pipeline_name=spec.name)
    out = ValidationOut.of(report)
    if as_json:
        echo_json(out)
    else:
        _print_validation(out)
    if not report.ok:
        sys.exit(1)


def _wait(run_id: str) -> runs.Run:
    """Wait for the run to end; when no worker has taken it within a moment, this process runs it."""
    claimed_by_other = False
    waited = 0.0
    while True:
        run = runs.get(operator(), run_id)
        if run.status in runs.FINISHED:
            return run
        if run.status == "pending" and not claimed_by_other and waited >= CLAIM_WAIT_S:
            runner.execute(run_id, worker=f"{queue_worker.default_name()}-cli")
            claimed_by_other = True
            continue
        time.sleep(0.2)
        waited += 0.2


def _print_run(run: runs.Run) -> None:
    click.echo(f"run {run.id}: {run.status} · {run.rows_processed or 0:,} rows · {run.pipeline_name}"
               f" (attempt {run.attempt}, {run.trigger})")
    for node in run.nodes:
        click.echo(f"  {node.status:<10} {node.id} → {node.target or '-'}: {node.rows or 0:,} rows"
                   + (f"\n             {node.error}" if node.error else ""))
    if run.error:
        click.echo(f"error: {run.error}")


@pipeline_group.command("run")
@click.argument("name")
@click.option("--as", "email", required=True)
@click.option("--wait", is_flag=True, help="Wait for the run to end (and run it here if no worker is free).")
@click.option("--json", "as_json", is_flag=True)
def pipeline_run(name: str, email: str, wait: bool, as_json: bool) -> None:
    """Queue a run of NAME now; exits 1 when a waited-for run does not complete."""
    started = runs.start(acting_user(email), name, trigger="manual")
    run = _wait(started.id) if wait else started
    if as_json:
        echo_json(RunOut.of(run))
    else:
        _print_run(run)
    if wait and run.status != "completed":
        sys.exit(1)


@pipeline_group.command("runs")
@click.argument("name", required=False)
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def pipeline_runs(name: str | None, limit: int, as_json: bool) -> None:
    """Newest runs of NAME (or of every pipeline)."""
    found = runs.list_runs(operator(), name, limit=limit)
    if as_json:
        echo_json([RunOut.of(r) for r in found])
        return
    for run in found:
        click.echo(f"{run.created_at:%Y-%m-%d %H:%M:%S}  {run.status:<10} {run.pipeline_name}  {run.id}"
                   f"  {run.rows_processed or 0:,} rows")


@pipeline_group.command("show-run")
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
def pipeline_show_run(run_id: str, as_json: bool) -> None:
    """One run with its nodes and logs."""
    run = runs.get(operator(), run_id)
    if as_json:
        echo_json(RunOut.of(run))
        return
    _print_run(run)
    click.echo(run.logs)


@pipeline_group.command("retry")
@click.argument("run_id")
@click.option("--as", "email", required=True)
@click.option("--wait", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def pipeline_retry(run_id: str, email: str, wait: bool, as_json: bool) -> None:
    """Run a failed, blocked or cancelled run's pipeline again."""
    started = runs.retry(acting_user(email), run_id)
    run = _wait(started.id) if wait else started
    if as_json:
        echo_json(RunOut.of(run))
    else:
        _print_run(run)


@pipeline_group.command("cancel")
@click.argument("run_id")
@click.option("--as", "email", required=True)
def pipeline_cancel(run_id: str, email: str) -> None:
    """Stop a pending or running run."""
    run = runs.cancel(acting_user(email), run_id)
    click.echo(f"run {run.id}: {run.status}" + (" (stopping)" if run.status == "running" else ""))


@pipeline_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def pipeline_list(as_json: bool) -> None:
    """Every pipeline."""
    found = store.list_pipelines(operator())
    if as_json:
        echo_json([PipelineOut.of(p) for p in found])
        return
    for p in found:
        click.echo(f"{p.name:<30} {p.owner_email or '-':<28} {p.schedule or '-':<15} "
                   f"{'on' if p.enabled else 'off':<4} {p.last_run_status or '-'}")


@pipeline_group.command("export")
@click.argument("name")
def pipeline_export(name: str) -> None:
    """Print NAME as a pipeline file (apply takes it back as it is)."""
    click.echo(json.dumps(store.get(operator(), name).spec().to_json(), indent=2))


@pipeline_group.command("schedule")
@click.argument("name")
@click.argument("cron", required=False)
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--clear", is_flag=True, help="Remove the schedule.")
@click.option("--as", "email", required=True)
@click.option("--json", "as_json", is_flag=True)
def pipeline_set_schedule(name: str, cron: str | None, timezone: str, clear: bool, email: str,
                          as_json: bool) -> None:
    """Set NAME's cron schedule (five fields) in an IANA timezone, and show the next five runs."""
    if not clear and not cron:
        raise InvalidInput("Give a cron expression, or --clear.")
    pipeline = store.set_schedule(acting_user(email), name, None if clear else cron, timezone)
    preview = schedules.preview(pipeline.schedule, pipeline.timezone) if pipeline.schedule else None
    if as_json:
        echo_json(SchedulePreviewOut.of(preview) if preview else PipelineOut.of(pipeline))
        return
    if preview is None:
        click.echo(f"{pipeline.name}: no schedule")
        return
    click.echo(f"{pipeline.name}: {preview.description} ({preview.timezone})")
    for moment in preview.next_runs:
        click.echo(f"  {moment:%Y-%m-%d %H:%M %Z}")


@pipeline_group.command("enable")
@click.argument("name")
@click.option("--as", "email", required=True)
def pipeline_enable(name: str, email: str) -> None:
    """Switch NAME's schedule on."""
    click.echo(f"{store.set_enabled(acting_user(email), name, True).name}: enabled")


@pipeline_group.command("disable")
@click.argument("name")
@click.option("--as", "email", required=True)
def pipeline_disable(name: str, email: str) -> None:
    """Switch NAME's schedule off."""
    click.echo(f"{store.set_enabled(acting_user(email), name, False).name}: disabled")


@pipeline_group.command("versions")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def pipeline_versions(name: str, as_json: bool) -> None:
    """Saved versions of NAME, newest first."""
    found = store.versions(operator(), name)
    if as_json:
        echo_json([VersionOut.of(v) for v in found])
        return
    for v in found:
        click.echo(f"{v.version:>4}  {v.saved_at:%Y-%m-%d %H:%M:%S}  {v.saved_by or '-'}")


@pipeline_group.command("diff")
@click.argument("name")
@click.argument("old", type=int)
@click.argument("new", type=int)
def pipeline_diff(name: str, old: int, new: int) -> None:
    """Unified diff between two versions of NAME."""
    click.echo(store.diff(operator(), name, old, new) or "(no difference)")


@pipeline_group.command("restore")
@click.argument("name")
@click.argument("version", type=int)
@click.option("--as", "email", required=True)
def pipeline_restore(name: str, version: int, email: str) -> None:
    """Save VERSION of NAME again as its newest version."""
    applied = store.restore(acting_user(email), name, version)
    click.echo(f"{applied.pipeline.name}: version {version} restored as version {applied.pipeline.version}")


@pipeline_group.command("impact")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def pipeline_impact(name: str, as_json: bool) -> None:
    """What reads NAME's targets (shown before a delete)."""
    out = ImpactOut.of(store.impact(operator(), name))
    if as_json:
        echo_json(out)
        return
    click.echo(f"targets: {', '.join(out.targets) or '-'}")
    click.echo(f"downstream tables: {', '.join(out.downstream_tables) or '-'}")
    click.echo(f"pipelines reading them: {', '.join(out.reading_pipelines) or '-'}")


@pipeline_group.command("delete")
@click.argument("name")
@click.option("--as", "email", required=True)
def pipeline_delete(name: str, email: str) -> None:
    """Delete NAME with its versions and runs (admins); its tables stay."""
    store.delete(acting_user(email), name)
    click.echo(f"deleted {name}")


@pipeline_group.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "email", required=True)
@click.option("--format", "file_format", type=click.Choice(["csv", "json", "jsonl"]), default=None)
@click.option("--json", "as_json", is_flag=True)
def pipeline_upload(file: str, email: str, file_format: str | None, as_json: bool) -> None:
    """Upload a CSV/JSON/JSONL file for a bronze ingestion node; prints its upload id."""
    path = Path(file)
    kept = ingest.upload(acting_user(email), path.name, path.read_bytes(), file_format)
    out = UploadOut(upload_id=kept.id, filename=kept.filename, format=kept.format, size_bytes=kept.size_bytes)
    if as_json:
        echo_json(out)
    else:
        click.echo(kept.id)


@click.command("worker")
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs this worker runs at once.")
@click.option("--name", default=None, help="Name shown on the runs it does (default host:pid).")
def worker_command(concurrency: int, name: str | None) -> None:
    """Run a task-queue worker (pipeline runs, webhook deliveries) until interrupted."""
    verify_secret_key()
    click.echo(f"worker {name or queue_worker.default_name()} started (concurrency {concurrency})", err=True)
    queue_worker.run_forever(concurrency, name)
