"""Rate limits and circuit breakers that every process of an install shares (several app processes and
workers act as one): per-key hit counters in one-second buckets (a limit sums the buckets of its window)
and one breaker row per model. Unlogged counters: after a crash they
start again from zero, which only forgives a minute of traffic.

Revision ID: 0020_shared_limits
Revises: 0019_catalog_keys
Create Date: 2026-11-27
"""

from alembic import op

revision = "0020_shared_limits"
down_revision = "0019_catalog_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE UNLOGGED TABLE ip_workbench.rate_windows (
    key text NOT NULL,
    window_start timestamptz NOT NULL,
    hits integer NOT NULL DEFAULT 0,
    PRIMARY KEY (key, window_start)
);
COMMENT ON TABLE ip_workbench.rate_windows IS
    'Hits per key and one-second bucket, for rate limits shared by every process (API keys, the AI gateway).';

CREATE TABLE ip_workbench.circuit_breakers (
    name text PRIMARY KEY,
    failures integer NOT NULL DEFAULT 0,
    opened_at timestamptz,
    probe_until timestamptz
);
COMMENT ON TABLE ip_workbench.circuit_breakers IS
    'One circuit breaker per model, shared by every process: failures in a row, when it opened, the probe lease.';
""")


def downgrade() -> None:
    op.execute("DROP TABLE ip_workbench.circuit_breakers; DROP TABLE ip_workbench.rate_windows;")
