"""Pipelines as stored: list, read, apply (create or update, validated first, versioned, audited),
enable/disable, schedule, versions (list, diff, restore) and delete with its impact.

Who may do what (PRD §6 and the pipelines RLS policy): everyone signed in reads; engineers and service
principals create, and edit the pipelines they own; admins edit any; only admins delete."""

from __future__ import annotations

import difflib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from services.core import db, row_security
from services.core.cron import check_cron, check_timezone, next_run_utc
from services.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.identity import audit
from services.identity.rbac import Permission, Role, authorize
from services.lineage import graph as lineage_graph
from services.lineage import store as lineage_store
from services.pipelines import guardian
from services.pipelines.definition import Definition, PipelineSpec, check_name, parse_definition


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str
    description: str
    domain: str
    owner_id: str | None
    owner_email: str | None
    owner_role: str | None
    schedule: str | None
    timezone: str
    enabled: bool
    valid: bool
    webhook_urls: tuple[str, ...]
    version: int
    definition: Definition
    created_at: datetime
    updated_at: datetime
    next_run_at: datetime | None = None
    last_run_status: str | None = None
    last_run_at: datetime | None = None

    def spec(self) -> PipelineSpec:
        """The pipeline as a file (`workbench pipeline apply` takes it back as it is)."""
        return PipelineSpec(name=self.name, description=self.description, domain=self.domain,
                            schedule=self.schedule, timezone=self.timezone, enabled=self.enabled,
                            webhook_urls=self.webhook_urls, definition=self.definition)


@dataclass(frozen=True)
class Applied:
    pipeline: Pipeline
    created: bool
    report: guardian.Report


@dataclass(frozen=True)
class Version:
    version: int
    saved_at: datetime
    saved_by: str | None
    name: str


@dataclass(frozen=True)
class Impact:
    """What deleting a pipeline touches: its targets, what reads them, and other pipelines that read them."""

    targets: list[str]
    downstream_tables: list[str]
    downstream_columns: list[str]
    reading_pipelines: list[str]


_SELECT = """
SELECT p.id::text, p.name, coalesce(p.description, ''), coalesce(p.domain, ''), p.owner::text, u.email, u.role,
       p.schedule, p.timezone, p.enabled, p.valid, p.webhook_urls, p.version, p.definition, p.created_at,
       p.updated_at, p.next_run_at, r.status, r.created_at
FROM ip_workbench.pipelines p
LEFT JOIN ip_workbench.users u ON u.id = p.owner
LEFT JOIN LATERAL (SELECT status, created_at FROM ip_workbench.job_runs j WHERE j.pipeline_id = p.id
                   ORDER BY j.created_at DESC LIMIT 1) r ON true
"""


def _row(row: tuple) -> Pipeline:
    return Pipeline(id=row[0], name=row[1], description=row[2], domain=row[3], owner_id=row[4], owner_email=row[5],
                    owner_role=row[6], schedule=row[7], timezone=row[8], enabled=row[9], valid=row[10],
                    webhook_urls=tuple(row[11] or ()), version=row[12], definition=parse_definition(row[13]),
                    created_at=row[14], updated_at=row[15], next_run_at=row[16], last_run_status=row[17],
                    last_run_at=row[18])


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def find(conn: psycopg.Connection, name_or_id: str, *, lock: bool = False) -> Pipeline:
    """The pipeline named (or with the id) `name_or_id`, or NotFound."""
    text = (name_or_id or "").strip()
    where = "p.id = %s::uuid" if _is_uuid(text) else "p.name = %s"
    row = conn.execute(_SELECT + f" WHERE {where}" + (" FOR UPDATE OF p" if lock else ""), (text,)).fetchone()
    if row is None:
        raise NotFound(f"There is no pipeline {text!r}.")
    return _row(row)


def list_pipelines(actor: Any) -> list[Pipeline]:
    """Every pipeline, by name (View Pipelines)."""
    authorize(actor, Permission.VIEW_PIPELINES)
    with db.connection() as conn:
        return [_row(r) for r in conn.execute(_SELECT + " ORDER BY p.name").fetchall()]


def get(actor: Any, name_or_id: str) -> Pipeline:
    """One pipeline (View Pipelines)."""
    authorize(actor, Permission.VIEW_PIPELINES)
    with db.connection() as conn:
        return find(conn, name_or_id)


def may_edit(actor: Any, pipeline: Pipeline) -> bool:
    """Admins edit any pipeline; engineers and service principals the ones they own."""
    if actor is None:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role in (Role.ENGINEER, Role.SERVICE) and pipeline.owner_id == str(actor.id)


def require_edit(actor: Any, pipeline: Pipeline, *, client_address: str | None = None) -> None:
    """PermissionDenied (audited) unless the actor may change this pipeline."""
    authorize(actor, Permission.EDIT_PIPELINES, client_address=client_address)
    if not may_edit(actor, pipeline):
        audit.record(action="permission_denied", actor=actor, target=f"pipeline:{pipeline.name}",
                     client_address=client_address)
        raise PermissionDenied(f"Pipeline {pipeline.name!r} belongs to {pipeline.owner_email or 'someone else'};"
                               " engineers edit their own pipelines, admins any.")


def _save_version(conn: psycopg.Connection, pipeline_id: str, version: int, spec: PipelineSpec,
                  actor: Any) -> None:
    conn.execute(
        "INSERT INTO ip_workbench.pipeline_versions (pipeline_id, version, name, description, domain, schedule,"
        " timezone, definition, saved_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (pipeline_id, version, spec.name, spec.description, spec.domain, spec.schedule, spec.timezone,
         Jsonb(spec.definition.to_json()), actor.id))


def apply(actor: Any, spec: PipelineSpec, *, client_address: str | None = None) -> Applied:
    """Create the pipeline `spec.name`, or update it (a new version). Validated first: an invalid pipeline is
    saved only as a disabled draft, and the report says why."""
    authorize(actor, Permission.CREATE_PIPELINES, client_address=client_address)
    spec = PipelineSpec(**{**spec.__dict__, "name": check_name(spec.name)})
    with db.connection() as conn:
        try:
            existing: Pipeline | None = find(conn, spec.name, lock=True)
        except NotFound:
            existing = None
        if existing is not None:
            require_edit(actor, existing, client_address=client_address)
        owner_role = existing.owner_role if existing else actor.role
        report = guardian.validate(spec.definition, owner_role=owner_role, schedule=spec.schedule,
                                   timezone=spec.timezone, pipeline_name=spec.name, conn=conn)
        enabled = spec.enabled and report.ok
        next_run = _next_run(spec) if enabled else None
        values = (spec.description, spec.domain, Jsonb(spec.definition.to_json()), spec.schedule, spec.timezone,
                  enabled, report.ok, list(spec.webhook_urls), next_run)
        with row_security.acting_as(conn, actor):
            if existing is None:
                pipeline_id = conn.execute(
                    "INSERT INTO ip_workbench.pipelines (name, description, domain, definition, schedule, timezone,"
                    " enabled, valid, webhook_urls, next_run_at, owner, version) VALUES"
                    " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 1) RETURNING id::text",
                    (spec.name, *values, actor.id)).fetchone()[0]
                version = 1
            else:
                pipeline_id, version = existing.id, existing.version + 1
                row_security.require_changed(conn.execute(
                    "UPDATE ip_workbench.pipelines SET description = %s, domain = %s, definition = %s,"
                    " schedule = %s, timezone = %s, enabled = %s, valid = %s, webhook_urls = %s, next_run_at = %s,"
                    " version = %s, updated_at = now() WHERE id = %s", (*values, version, pipeline_id)),
                    f"pipeline {spec.name!r}")
        _save_version(conn, pipeline_id, version, spec, actor)
        audit.record(action="pipeline_created" if existing is None else "pipeline_updated", actor=actor,
                     target=f"pipeline:{spec.name}", client_address=client_address, conn=conn,
                     details={"version": version, "valid": report.ok, "enabled": enabled})
        saved = find(conn, pipeline_id)
    return Applied(pipeline=saved, created=existing is None, report=report)


def _next_run(spec: PipelineSpec) -> datetime | None:
    try:
        return next_run_utc(spec.schedule, spec.timezone)
    except InvalidInput:
        return None


def set_schedule(actor: Any, name_or_id: str, schedule: str | None, timezone: str, *,
                 client_address: str | None = None) -> Pipeline:
    """Set or clear the cron schedule (Schedule Pipelines; owner or admin)."""
    authorize(actor, Permission.SCHEDULE_PIPELINES, client_address=client_address)
    schedule = check_cron(schedule) if schedule and schedule.strip() else None
    check_timezone(timezone)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id, lock=True)
        require_edit(actor, pipeline, client_address=client_address)
        spec = PipelineSpec(**{**pipeline.spec().__dict__, "schedule": schedule, "timezone": timezone})
        next_run = _next_run(spec) if pipeline.enabled else None
        row_security.change_as(conn, actor, f"pipeline {pipeline.name!r}",
                               "UPDATE ip_workbench.pipelines SET schedule = %s, timezone = %s, next_run_at = %s,"
                               " version = version + 1, updated_at = now() WHERE id = %s",
                               (schedule, timezone, next_run, pipeline.id))
        _save_version(conn, pipeline.id, pipeline.version + 1, spec, actor)
        audit.record(action="pipeline_scheduled", actor=actor, target=f"pipeline:{pipeline.name}",
                     client_address=client_address, conn=conn, details={"schedule": schedule, "timezone": timezone})
        return find(conn, pipeline.id)


def set_enabled(actor: Any, name_or_id: str, enabled: bool, *, client_address: str | None = None) -> Pipeline:
    """Switch a pipeline's schedule on or off; an invalid draft cannot be enabled."""
    authorize(actor, Permission.SCHEDULE_PIPELINES, client_address=client_address)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id, lock=True)
        require_edit(actor, pipeline, client_address=client_address)
        if enabled and not pipeline.valid:
            raise Conflict(f"Pipeline {pipeline.name!r} failed validation when last saved; fix and save it first.")
        next_run = _next_run(pipeline.spec()) if enabled else None
        row_security.change_as(conn, actor, f"pipeline {pipeline.name!r}",
                               "UPDATE ip_workbench.pipelines SET enabled = %s, next_run_at = %s, updated_at = now()"
                               " WHERE id = %s", (enabled, next_run, pipeline.id))
        audit.record(action="pipeline_enabled" if enabled else "pipeline_disabled", actor=actor,
                     target=f"pipeline:{pipeline.name}", client_address=client_address, conn=conn)
        return find(conn, pipeline.id)


def versions(actor: Any, name_or_id: str) -> list[Version]:
    """Saved versions, newest first."""
    authorize(actor, Permission.VIEW_PIPELINES)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id)
        rows = conn.execute(
            "SELECT v.version, v.saved_at, u.email, v.name FROM ip_workbench.pipeline_versions v"
            " LEFT JOIN ip_workbench.users u ON u.id = v.saved_by WHERE v.pipeline_id = %s"
            " ORDER BY v.version DESC", (pipeline.id,)).fetchall()
    return [Version(*row) for row in rows]


def _version_spec(conn: psycopg.Connection, pipeline_id: str, version: int) -> PipelineSpec:
    row = conn.execute(
        "SELECT name, coalesce(description, ''), coalesce(domain, ''), schedule, timezone, definition"
        " FROM ip_workbench.pipeline_versions WHERE pipeline_id = %s AND version = %s",
        (pipeline_id, version)).fetchone()
    if row is None:
        raise NotFound(f"There is no version {version}.")
    return PipelineSpec(name=row[0], description=row[1], domain=row[2], schedule=row[3], timezone=row[4],
                        definition=parse_definition(row[5]))


def diff(actor: Any, name_or_id: str, old: int, new: int) -> str:
    """A unified diff of two versions' pipeline files."""
    authorize(actor, Permission.VIEW_PIPELINES)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id)
        before, after = (_version_spec(conn, pipeline.id, v) for v in (old, new))
    lines = [json.dumps(s.to_json(), indent=2, sort_keys=True).splitlines() for s in (before, after)]
    return "\n".join(difflib.unified_diff(lines[0], lines[1], f"version {old}", f"version {new}", lineterm=""))


def restore(actor: Any, name_or_id: str, version: int, *, client_address: str | None = None) -> Applied:
    """Save an earlier version again as the newest one."""
    with db.connection() as conn:
        pipeline = find(conn, name_or_id)
        spec = _version_spec(conn, pipeline.id, version)
    restored = PipelineSpec(**{**spec.__dict__, "name": pipeline.name, "enabled": pipeline.enabled,
                               "webhook_urls": pipeline.webhook_urls})
    return apply(actor, restored, client_address=client_address)


def lineage_key(pipeline_id: str, node_id: str) -> str:
    """The lineage script key of one node: its edges carry origin `pipeline`."""
    return f"pipeline:{pipeline_id}:{node_id}"


def targets_of(pipeline: Pipeline) -> list[str]:
    """schema.table written by each node."""
    return [n.target.lower() for n in pipeline.definition.nodes if n.target]


def impact(actor: Any, name_or_id: str) -> Impact:
    """What deleting the pipeline leaves without a producer: readers of its targets, from lineage and from
    other pipelines' SQL."""
    authorize(actor, Permission.VIEW_PIPELINES)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id)
    targets = targets_of(pipeline)
    tables: list[str] = []
    columns: list[str] = []
    for target in targets:
        try:
            found = lineage_graph.impact(actor, target)
        except (NotFound, InvalidInput, PermissionDenied):
            continue  # not built yet, so nothing reads it
        tables += [t.table for t in found.tables if t.table not in tables]
        columns += [f"{c.table}.{c.column}" for c in found.columns if f"{c.table}.{c.column}" not in columns]
    with db.connection() as conn:
        readers = conn.execute(
            "SELECT DISTINCT p.name FROM ip_workbench.pipelines p, jsonb_array_elements(p.definition -> 'nodes') n"
            " WHERE p.id <> %s AND EXISTS (SELECT 1 FROM unnest(%s::text[]) t"
            "   WHERE position(t IN lower(coalesce(n -> 'data' ->> 'sql', ''))) > 0) ORDER BY 1",
            (pipeline.id, targets)).fetchall()
    return Impact(targets=targets, downstream_tables=[t for t in tables if t not in targets],
                  downstream_columns=columns, reading_pipelines=[r[0] for r in readers])


def delete(actor: Any, name_or_id: str, *, client_address: str | None = None) -> None:
    """Delete a pipeline, its versions and runs (admins only). Its tables stay."""
    authorize(actor, Permission.DELETE_PIPELINES, client_address=client_address)
    with db.connection() as conn:
        pipeline = find(conn, name_or_id, lock=True)
        row_security.change_as(conn, actor, f"pipeline {pipeline.name!r}",
                               "DELETE FROM ip_workbench.pipelines WHERE id = %s", (pipeline.id,))
        for node in pipeline.definition.nodes:
            lineage_store.unregister_script(conn, lineage_key(pipeline.id, node.id))
        audit.record(action="pipeline_deleted", actor=actor, target=f"pipeline:{pipeline.name}",
                     client_address=client_address, conn=conn, details={"targets": targets_of(pipeline)})
