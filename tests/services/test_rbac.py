"""The PRD section 6 matrix, cell by cell (96 cells), written out independently of services/rbac.py."""

from __future__ import annotations

import pytest

from services.core.errors import PermissionDenied
from services.identity import rbac

# Copied from the PRD table: Viewer | Engineer | Admin | Service.
PRD_MATRIX = """
view_catalog            Y Y Y Y
run_sql_queries         Y Y Y Y
save_sql_snippets       Y Y Y N
view_pipelines          Y Y Y Y
create_pipelines        N Y Y Y
edit_pipelines          N Y Y Y
delete_pipelines        N N Y N
schedule_pipelines      N Y Y Y
view_job_logs           Y Y Y Y
retry_failed_jobs       N Y Y Y
view_data_quality       Y Y Y Y
configure_dq_alerts     N N Y N
view_lineage            Y Y Y Y
edit_lineage            N Y Y N
use_ai_assist           N Y Y Y
create_agents           N Y Y Y
deploy_agents           N Y Y Y
delete_agents           N N Y N
view_agent_runs         N Y Y Y
access_langfuse         N N Y N
manage_users            N N Y N
view_cost_tracking      N N Y N
configure_integrations  N N Y N
view_audit_logs         N N Y Y
"""
ROLES = ("viewer", "engineer", "admin", "service")
CELLS = [
    (permission, role, flag == "Y")
    for permission, *flags in (line.split() for line in PRD_MATRIX.strip().splitlines())
    for role, flag in zip(ROLES, flags, strict=True)
]


def test_matrix_has_96_cells_and_covers_every_permission():
    assert len(CELLS) == 96
    assert {c[0] for c in CELLS} == set(rbac.PERMISSIONS)
    assert set(rbac.ROLES) == set(ROLES)


@pytest.mark.parametrize(("permission", "role", "expected"), CELLS)
def test_is_allowed(permission, role, expected):
    assert rbac.is_allowed(role, permission) is expected


@pytest.mark.parametrize("role", ["", "root", "ADMIN ", None])
def test_unknown_roles_hold_nothing(role):
    assert not any(rbac.is_allowed(role, p) for p in rbac.PERMISSIONS)


def test_unknown_permission_is_denied():
    assert rbac.is_allowed("admin", "drop_everything") is False


def test_authorize_raises_and_records_the_denial(make_user):
    from services.core import db

    viewer, _ = make_user("viewer")
    with pytest.raises(PermissionDenied, match="viewer"):
        rbac.authorize(viewer, rbac.Permission.MANAGE_USERS, client_address="10.1.2.3")
    with db.connection() as conn:
        row = conn.execute(
            "SELECT actor_email, target, client_address FROM ip_workbench.audit_log"
            " WHERE action = 'permission_denied' AND actor_id = %s", (viewer.id,)).fetchone()
    assert row == (viewer.email, "manage_users", "10.1.2.3")


def test_authorize_passes_silently_when_allowed(make_user):
    admin, _ = make_user("admin")
    rbac.authorize(admin, rbac.Permission.MANAGE_USERS)
