"""Data quality: kept table profiles (one row per profile, columns as JSON) so a column's history can be
charted; tests (as code or from the page) and their results with failing counts, samples and the SQL.

Revision ID: 0013_data_quality
Revises: 0012_pipelines
Create Date: 2026-11-26
"""

from alembic import op

revision = "0013_data_quality"
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

CREATE TABLE ip_workbench.dq_tests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    name text NOT NULL,
    test_type text NOT NULL CHECK (test_type IN ('not_null', 'unique', 'accepted_values', 'relationships', 'range',
        'pattern', 'freshness', 'row_count', 'schema_change', 'custom_sql')),
    column_name text,
    config jsonb NOT NULL DEFAULT '{}',
    severity text NOT NULL DEFAULT 'error' CHECK (severity IN ('warn', 'error')),
    dimension text NOT NULL CHECK (dimension IN ('completeness', 'uniqueness', 'validity', 'consistency',
        'freshness', 'volume')),
    source text NOT NULL DEFAULT 'page' CHECK (source IN ('yaml', 'page', 'suggested')),
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (table_id, name)
);
COMMENT ON TABLE ip_workbench.dq_tests IS 'Data-quality tests per table (dbt-like types), with severity and dimension.';

ALTER TABLE ip_workbench.dq_test_results
    ADD COLUMN test_id uuid REFERENCES ip_workbench.dq_tests(id) ON DELETE CASCADE,
    ADD COLUMN column_name text,
    ADD COLUMN severity text,
    ADD COLUMN dimension text,
    ADD COLUMN failing_rows bigint,
    ADD COLUMN rows_checked bigint,
    ADD COLUMN sample_rows jsonb,
    ADD COLUMN sql text,
    ADD COLUMN duration_ms numeric,
    ADD COLUMN run_id uuid;
CREATE INDEX dq_test_results_table_time ON ip_workbench.dq_test_results (table_id, executed_at DESC);
CREATE INDEX dq_test_results_test_time ON ip_workbench.dq_test_results (test_id, executed_at DESC);
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX ip_workbench.dq_test_results_table_time, ip_workbench.dq_test_results_test_time;
ALTER TABLE ip_workbench.dq_test_results DROP COLUMN test_id, DROP COLUMN column_name, DROP COLUMN severity,
    DROP COLUMN dimension, DROP COLUMN failing_rows, DROP COLUMN rows_checked, DROP COLUMN sample_rows,
    DROP COLUMN sql, DROP COLUMN duration_ms, DROP COLUMN run_id;
DROP TABLE ip_workbench.dq_tests;
DROP TABLE ip_workbench.dq_profiles;
""")
