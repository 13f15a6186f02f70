"""Data quality: kept table profiles (one row per profile, columns as JSON) so a column's history can be charted.

Revision ID: 0013_quality_profiles
Revises: 0012_pipelines
Create Date: 2026-11-26
"""

from alembic import op

revision = "0013_quality_profiles"
down_revision = "0012_pipelines"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.dq_profiles (
    id bigserial PRIMARY KEY,
    table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    profiled_at timestamptz NOT NULL DEFAULT now(),
    rows bigint NOT NULL,
    sampled boolean NOT NULL,
    sample_percent numeric,
    distinct_method text NOT NULL,
    columns jsonb NOT NULL,
    seconds numeric NOT NULL
);
CREATE INDEX dq_profiles_table_time ON ip_workbench.dq_profiles (table_id, profiled_at DESC);
COMMENT ON TABLE ip_workbench.dq_profiles IS
    'Every profile of a table (one scan): per column nulls, distinct, min/max, mean, stddev, lengths, top values.';
""")


def downgrade() -> None:
    op.execute("DROP TABLE ip_workbench.dq_profiles")
