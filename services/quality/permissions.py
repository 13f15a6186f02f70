"""Who runs data-quality work. PRD §6 lets every role view data quality and only admins configure alerts;
it has no row for running profiles and tests, so, like pipeline runs, engineers, admins and service
principals run them."""

from __future__ import annotations

from typing import Any

from services.core.errors import PermissionDenied
from services.identity import audit
from services.identity.rbac import Role

QUALITY_RUNNERS: frozenset[str] = frozenset({Role.ENGINEER, Role.ADMIN, Role.SERVICE})


def authorize_quality_run(actor: Any, *, client_address: str | None = None) -> None:
    """PermissionDenied (audited) unless the actor may run profiles and tests."""
    if actor is not None and actor.role in QUALITY_RUNNERS:
        return
    audit.record(action="permission_denied", actor=actor, target="run_data_quality", client_address=client_address)
    role = actor.role if actor is not None else "anonymous"
    raise PermissionDenied(f"Your role ({role}) does not allow running data-quality profiles or tests.")
