"""dbt projects: a third query role (dbt: the writer's rights plus temporary tables) for pipelines' dbt nodes;
what an import of a dbt project's artifacts adds to the catalog (descriptions of dbt origin,
shown under ours and over the database's comments), lineage (origin 'dbt') and data quality (tests of
source 'dbt', typed by their generic test's name, with run_results statuses), and one row per project.

Revision ID: 0018_dbt
Revises: 0017_secrets_store
Create Date: 2026-11-26
"""

from alembic import op

revision = "0018_dbt"
down_revision = "0017_secrets_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.query_roles DROP CONSTRAINT query_roles_kind_check,
    ADD CONSTRAINT query_roles_kind_check CHECK (kind IN ('reader', 'writer', 'dbt'));

CREATE TABLE ip_workbench.dbt_projects (
    name text PRIMARY KEY,
    path text,
    dbt_version text,
    artifacts_sha text,
    invocation_id text,
    counts jsonb NOT NULL DEFAULT '{}',
    imported_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.dbt_projects IS
    'dbt projects imported into the catalog, lineage and data quality; artifacts_sha is of the last import.';

ALTER TABLE ip_workbench.tables
    ADD COLUMN dbt_description text,
    ADD COLUMN dbt_project text,
    ADD COLUMN dbt_unique_id text;
COMMENT ON COLUMN ip_workbench.tables.dbt_description IS
    'Description from a dbt project''s docs; shown when Workbench has none of its own.';
ALTER TABLE ip_workbench.table_metadata ADD COLUMN dbt_description text;
ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo', 'pipeline', 'odoo', 'dbt'));
CREATE INDEX tables_dbt_project_idx ON ip_workbench.tables (dbt_project) WHERE dbt_project IS NOT NULL;

ALTER TABLE ip_workbench.lineage DROP CONSTRAINT lineage_origin_check,
    ADD CONSTRAINT lineage_origin_check
        CHECK (origin IN ('demo_build', 'view', 'pipeline', 'manual', 'query', 'dbt'));

ALTER TABLE ip_workbench.dq_tests DROP CONSTRAINT dq_tests_test_type_check,
    DROP CONSTRAINT dq_tests_source_check,
    ADD COLUMN dbt_unique_id text,
    ADD COLUMN dbt_project text,
    ADD CONSTRAINT dq_tests_source_check CHECK (source IN ('yaml', 'page', 'suggested', 'dbt')),
    ADD CONSTRAINT dq_tests_test_type_check CHECK (source = 'dbt' OR test_type IN ('not_null', 'unique',
        'accepted_values', 'relationships', 'range', 'pattern', 'freshness', 'row_count', 'schema_change',
        'custom_sql'));
CREATE UNIQUE INDEX dq_tests_dbt_unique_id ON ip_workbench.dq_tests (dbt_project, dbt_unique_id)
    WHERE dbt_unique_id IS NOT NULL;
COMMENT ON COLUMN ip_workbench.dq_tests.test_type IS
    'A Workbench test type, or for dbt tests the generic test''s name (singular for a singular test).';

ALTER TABLE ip_workbench.dq_test_results
    ADD COLUMN status text CHECK (status IN ('pass', 'fail', 'warn', 'error', 'skipped'));
COMMENT ON COLUMN ip_workbench.dq_test_results.status IS
    'pass/fail/warn/error/skipped (dbt''s statuses); results from before it have only passed.';
CREATE UNIQUE INDEX dq_test_results_run_test ON ip_workbench.dq_test_results (run_id, test_id)
    WHERE status IS NOT NULL AND run_id IS NOT NULL AND test_id IS NOT NULL;
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX IF EXISTS ip_workbench.dq_test_results_run_test;
ALTER TABLE ip_workbench.dq_test_results DROP COLUMN status;
DELETE FROM ip_workbench.dq_tests WHERE source = 'dbt';
DROP INDEX IF EXISTS ip_workbench.dq_tests_dbt_unique_id;
ALTER TABLE ip_workbench.dq_tests DROP CONSTRAINT dq_tests_test_type_check, DROP CONSTRAINT dq_tests_source_check,
    DROP COLUMN dbt_unique_id, DROP COLUMN dbt_project,
    ADD CONSTRAINT dq_tests_source_check CHECK (source IN ('yaml', 'page', 'suggested')),
    ADD CONSTRAINT dq_tests_test_type_check CHECK (test_type IN ('not_null', 'unique', 'accepted_values',
        'relationships', 'range', 'pattern', 'freshness', 'row_count', 'schema_change', 'custom_sql'));
DELETE FROM ip_workbench.lineage WHERE origin = 'dbt';
ALTER TABLE ip_workbench.lineage DROP CONSTRAINT lineage_origin_check,
    ADD CONSTRAINT lineage_origin_check CHECK (origin IN ('demo_build', 'view', 'pipeline', 'manual', 'query'));
DROP INDEX IF EXISTS ip_workbench.tables_dbt_project_idx;
ALTER TABLE ip_workbench.table_metadata DROP COLUMN dbt_description;
ALTER TABLE ip_workbench.tables DROP COLUMN dbt_description, DROP COLUMN dbt_project, DROP COLUMN dbt_unique_id;
DROP TABLE ip_workbench.dbt_projects;
DELETE FROM ip_workbench.query_roles WHERE kind = 'dbt';
ALTER TABLE ip_workbench.query_roles DROP CONSTRAINT query_roles_kind_check,
    ADD CONSTRAINT query_roles_kind_check CHECK (kind IN ('reader', 'writer'));
DELETE FROM ip_workbench.catalog_sync_runs WHERE trigger = 'dbt';
ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo', 'pipeline', 'odoo'));
""")
