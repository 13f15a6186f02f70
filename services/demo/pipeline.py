"""The demo warehouse's gold and platinum build as a real pipeline, `finance_medallion`, so Flow 1 can be
walked on day one: owned by the first admin, scheduled nightly in Manila time."""

from __future__ import annotations

from pathlib import Path

from services.core import db
from services.core.errors import NotFound
from services.identity.users import User, find_by_email
from services.pipelines import store as pipeline_store
from services.pipelines.definition import PipelineSpec, parse_spec_text

DEMO_PIPELINE = "finance_medallion"
DEMO_PIPELINE_FILE = Path(__file__).resolve().parent / "pipelines" / f"{DEMO_PIPELINE}.json"


def spec() -> PipelineSpec:
    """The pipeline file shipped with the demo."""
    return parse_spec_text(DEMO_PIPELINE_FILE.read_text(encoding="utf-8"))


def first_admin() -> User | None:
    """The earliest active admin, who owns what the demo creates."""
    with db.connection() as conn:
        row = conn.execute("SELECT email FROM ip_workbench.users WHERE role = 'admin' AND is_active"
                           " ORDER BY created_at LIMIT 1").fetchone()
    return find_by_email(row[0]) if row else None


def ensure_pipeline(owner: User | None = None) -> str | None:
    """Create the demo pipeline when it is missing, owned by `owner` or the first admin (none: nothing to do);
    returns a line to show."""
    admin = owner or first_admin()
    if admin is None:
        return None
    with db.connection() as conn:
        try:
            pipeline_store.find(conn, DEMO_PIPELINE)
            return None
        except NotFound:
            pass
    applied = pipeline_store.apply(admin, spec())
    state = "valid" if applied.report.ok else "invalid: " + applied.report.summary()
    return f"pipeline {DEMO_PIPELINE} created ({state})"
