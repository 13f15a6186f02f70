"""The PRD section 6 permission matrix, as data, and the checks every service entry point makes."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from services.core.errors import PermissionDenied
from services.identity import audit


class Role(StrEnum):
    VIEWER = "viewer"
    ENGINEER = "engineer"
    ADMIN = "admin"
    SERVICE = "service"


class Permission(StrEnum):
    VIEW_CATALOG = "view_catalog"
    RUN_SQL_QUERIES = "run_sql_queries"
    SAVE_SQL_SNIPPETS = "save_sql_snippets"
    VIEW_PIPELINES = "view_pipelines"
    CREATE_PIPELINES = "create_pipelines"
    EDIT_PIPELINES = "edit_pipelines"
    DELETE_PIPELINES = "delete_pipelines"
    SCHEDULE_PIPELINES = "schedule_pipelines"
    VIEW_JOB_LOGS = "view_job_logs"
    RETRY_FAILED_JOBS = "retry_failed_jobs"
    VIEW_DATA_QUALITY = "view_data_quality"
    CONFIGURE_DQ_ALERTS = "configure_dq_alerts"
    VIEW_LINEAGE = "view_lineage"
    EDIT_LINEAGE = "edit_lineage"
    USE_AI_ASSIST = "use_ai_assist"
    CREATE_AGENTS = "create_agents"
    DEPLOY_AGENTS = "deploy_agents"
    DELETE_AGENTS = "delete_agents"
    VIEW_AGENT_RUNS = "view_agent_runs"
    ACCESS_LANGFUSE = "access_langfuse"
    MANAGE_USERS = "manage_users"
    VIEW_COST_TRACKING = "view_cost_tracking"
    CONFIGURE_INTEGRATIONS = "configure_integrations"
    VIEW_AUDIT_LOGS = "view_audit_logs"


_V, _E, _A, _S = Role.VIEWER, Role.ENGINEER, Role.ADMIN, Role.SERVICE

# PRD section 6, row by row: the roles that hold each permission.
MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_CATALOG: frozenset({_V, _E, _A, _S}),
    Permission.RUN_SQL_QUERIES: frozenset({_V, _E, _A, _S}),
    Permission.SAVE_SQL_SNIPPETS: frozenset({_V, _E, _A}),
    Permission.VIEW_PIPELINES: frozenset({_V, _E, _A, _S}),
    Permission.CREATE_PIPELINES: frozenset({_E, _A, _S}),
    Permission.EDIT_PIPELINES: frozenset({_E, _A, _S}),
    Permission.DELETE_PIPELINES: frozenset({_A}),
    Permission.SCHEDULE_PIPELINES: frozenset({_E, _A, _S}),
    Permission.VIEW_JOB_LOGS: frozenset({_V, _E, _A, _S}),
    Permission.RETRY_FAILED_JOBS: frozenset({_E, _A, _S}),
    Permission.VIEW_DATA_QUALITY: frozenset({_V, _E, _A, _S}),
    Permission.CONFIGURE_DQ_ALERTS: frozenset({_A}),
    Permission.VIEW_LINEAGE: frozenset({_V, _E, _A, _S}),
    Permission.EDIT_LINEAGE: frozenset({_E, _A}),
    Permission.USE_AI_ASSIST: frozenset({_E, _A, _S}),
    Permission.CREATE_AGENTS: frozenset({_E, _A, _S}),
    Permission.DEPLOY_AGENTS: frozenset({_E, _A, _S}),
    Permission.DELETE_AGENTS: frozenset({_A}),
    Permission.VIEW_AGENT_RUNS: frozenset({_E, _A, _S}),
    Permission.ACCESS_LANGFUSE: frozenset({_A}),
    Permission.MANAGE_USERS: frozenset({_A}),
    Permission.VIEW_COST_TRACKING: frozenset({_A}),
    Permission.CONFIGURE_INTEGRATIONS: frozenset({_A}),
    Permission.VIEW_AUDIT_LOGS: frozenset({_A, _S}),
}

# PRD section 6's RLS policy on ip_workbench.tables: engineers update table metadata (description,
# owner), admins manage it. Not a row of the matrix, so kept beside it.
CATALOG_EDITORS: frozenset[Role] = frozenset({_E, _A})

ROLES: tuple[str, ...] = tuple(r.value for r in Role)
PERMISSIONS: tuple[str, ...] = tuple(p.value for p in Permission)


class Actor(Protocol):
    """Anyone a service acts for: a signed-in user or an API principal."""

    id: str
    email: str
    role: str


def is_allowed(role: str, permission: str) -> bool:
    """True when `role` holds `permission` in the matrix; unknown roles or permissions hold nothing."""
    try:
        return Role(role) in MATRIX[Permission(permission)]
    except ValueError:
        return False


def _deny(actor: Actor | None, target: str, what: str, client_address: str | None) -> PermissionDenied:
    """Record a denial in the audit log and build the error that says so."""
    audit.record(action="permission_denied", actor=actor, target=target, client_address=client_address)
    role = actor.role if actor is not None else "anonymous"
    return PermissionDenied(f"Your role ({role}) does not allow {what}.")


def authorize(actor: Actor | None, permission: str, *, client_address: str | None = None) -> None:
    """Raise PermissionDenied (and record the denial in the audit log) unless the actor holds permission."""
    if actor is not None and is_allowed(actor.role, permission):
        return
    raise _deny(actor, str(permission), str(permission).replace("_", " "), client_address)


def authorize_catalog_edit(actor: Actor | None, *, client_address: str | None = None) -> None:
    """Raise PermissionDenied (audited) unless the actor may edit catalog descriptions and owners."""
    if actor is not None and actor.role in CATALOG_EDITORS:
        return
    raise _deny(actor, "edit_catalog_metadata", "editing catalog descriptions or owners", client_address)
