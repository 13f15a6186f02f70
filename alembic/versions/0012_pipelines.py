"""Pipelines: versions of every saved definition, runs with per-node records, outbound webhook deliveries,
uploaded ingestion files, and the task queue's own tables (procrastinate, in schema `procrastinate`).

Revision ID: 0012_pipelines
Revises: 0011_sign_in_hardening
Create Date: 2026-11-26
"""

from importlib import resources

from alembic import op

revision = "0012_pipelines"
down_revision = "0011_sign_in_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.pipelines
    ALTER COLUMN enabled SET NOT NULL,
    ADD COLUMN timezone text NOT NULL DEFAULT 'UTC',
    ADD COLUMN webhook_urls text[] NOT NULL DEFAULT '{}',
    ADD COLUMN version int NOT NULL DEFAULT 1,
    ADD COLUMN valid boolean NOT NULL DEFAULT true,
    ADD COLUMN next_run_at timestamptz;
COMMENT ON COLUMN ip_workbench.pipelines.valid IS
    'False when the last save failed Guardian validation: the pipeline is then a disabled draft.';

CREATE TABLE ip_workbench.pipeline_versions (
    pipeline_id uuid NOT NULL REFERENCES ip_workbench.pipelines(id) ON DELETE CASCADE,
    version int NOT NULL,
    name text NOT NULL,
    description text,
    domain text,
    schedule text,
    timezone text NOT NULL,
    definition jsonb NOT NULL,
    saved_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    saved_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline_id, version)
);
COMMENT ON TABLE ip_workbench.pipeline_versions IS 'Every saved definition of a pipeline (list, diff, restore).';

ALTER TABLE ip_workbench.job_runs
    ALTER COLUMN started_at DROP DEFAULT,
    ALTER COLUMN rows_processed TYPE bigint,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN run_after timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN trigger text NOT NULL DEFAULT 'manual'
        CHECK (trigger IN ('manual', 'schedule', 'api', 'retry')),
    ADD COLUMN triggered_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    ADD COLUMN attempt int NOT NULL DEFAULT 1,
    ADD COLUMN retry_of uuid REFERENCES ip_workbench.job_runs(id) ON DELETE SET NULL,
    ADD COLUMN definition jsonb,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN worker text,
    ADD COLUMN heartbeat_at timestamptz,
    ADD COLUMN queue_job_id bigint;
COMMENT ON COLUMN ip_workbench.job_runs.heartbeat_at IS
    'Refreshed by the worker while the run runs; a running run whose heartbeat stopped lost its worker.';
ALTER TABLE ip_workbench.job_runs ALTER COLUMN logs SET DEFAULT '';
CREATE INDEX job_runs_pipeline_created ON ip_workbench.job_runs (pipeline_id, created_at DESC);
CREATE INDEX job_runs_created ON ip_workbench.job_runs (created_at DESC);

CREATE TABLE ip_workbench.job_run_nodes (
    job_run_id uuid NOT NULL REFERENCES ip_workbench.job_runs(id) ON DELETE CASCADE,
    node_id text NOT NULL,
    label text NOT NULL DEFAULT '',
    target text,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'skipped', 'cancelled')),
    started_at timestamptz,
    completed_at timestamptz,
    rows bigint,
    rejected bigint,
    logs text NOT NULL DEFAULT '',
    error_message text,
    sqlstate text,
    position int,
    PRIMARY KEY (job_run_id, node_id)
);
COMMENT ON TABLE ip_workbench.job_run_nodes IS 'One row per node of a run: status, timing, rows and logs.';

CREATE TABLE ip_workbench.webhook_deliveries (
    id bigserial PRIMARY KEY,
    job_run_id uuid REFERENCES ip_workbench.job_runs(id) ON DELETE CASCADE,
    url text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts int NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
COMMENT ON TABLE ip_workbench.webhook_deliveries IS
    'Run summaries POSTed to pipeline webhooks; a failed delivery stays pending and is retried.';

CREATE TABLE ip_workbench.pipeline_uploads (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    filename text NOT NULL,
    format text NOT NULL CHECK (format IN ('csv', 'json', 'jsonl')),
    content bytea NOT NULL,
    size_bytes bigint NOT NULL,
    uploaded_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    uploaded_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.pipeline_uploads IS 'Files uploaded for bronze ingestion nodes.';

ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo', 'pipeline'));

CREATE SCHEMA procrastinate;
REVOKE ALL ON SCHEMA procrastinate FROM PUBLIC;
""")
    schema_sql = resources.files("procrastinate.sql").joinpath("schema.sql").read_text()
    bind = op.get_bind()
    bind.exec_driver_sql("SET LOCAL search_path TO procrastinate")
    bind.exec_driver_sql(schema_sql.replace("%", "%%"))
    bind.exec_driver_sql("SET LOCAL search_path TO DEFAULT")


def downgrade() -> None:
    op.execute("""
DROP SCHEMA procrastinate CASCADE;
ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo'));
DROP TABLE ip_workbench.pipeline_uploads, ip_workbench.webhook_deliveries, ip_workbench.job_run_nodes,
    ip_workbench.pipeline_versions;
DROP INDEX ip_workbench.job_runs_pipeline_created, ip_workbench.job_runs_created;
ALTER TABLE ip_workbench.job_runs DROP COLUMN created_at, DROP COLUMN run_after, DROP COLUMN trigger,
    DROP COLUMN triggered_by, DROP COLUMN attempt, DROP COLUMN retry_of, DROP COLUMN definition,
    DROP COLUMN cancel_requested, DROP COLUMN worker, DROP COLUMN heartbeat_at, DROP COLUMN queue_job_id;
ALTER TABLE ip_workbench.pipelines DROP COLUMN timezone, DROP COLUMN webhook_urls, DROP COLUMN version,
    DROP COLUMN valid, DROP COLUMN next_run_at;
""")
