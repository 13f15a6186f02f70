"""Data quality runs and alerts: a record per test run of a table (trigger, score, SLO checks) for trends and
the queue; per-table test schedules; alert channels (Apprise URLs, encrypted), rules and every delivery.

Revision ID: 0014_quality_alerts
Revises: 0013_data_quality
Create Date: 2026-11-26
"""

from alembic import op

revision = "0014_quality_alerts"
down_revision = "0013_data_quality"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.dq_runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    trigger text NOT NULL CHECK (trigger IN ('manual', 'schedule', 'pipeline', 'gate')),
    status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
    requested_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    job_run_id uuid REFERENCES ip_workbench.job_runs(id) ON DELETE SET NULL,
    score numeric,
    dimensions jsonb,
    slo jsonb,
    tests_total int,
    tests_failed int,
    error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    completed_at timestamptz
);
CREATE INDEX dq_runs_table_time ON ip_workbench.dq_runs (table_id, created_at DESC);
COMMENT ON TABLE ip_workbench.dq_runs IS
    'Each run of a table''s tests (by hand, on schedule, after a pipeline run, as a gate): score, dimensions, SLOs.';

CREATE TABLE ip_workbench.dq_schedules (
    table_id uuid PRIMARY KEY REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    cron text NOT NULL,
    timezone text NOT NULL DEFAULT 'UTC',
    enabled boolean NOT NULL DEFAULT true,
    next_run_at timestamptz,
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.dq_schedules IS 'When each table''s tests run on their own (cron in a timezone).';

CREATE TABLE ip_workbench.alert_channels (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    kind text NOT NULL,
    url_encrypted bytea NOT NULL,
    url_hint text NOT NULL,
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.alert_channels IS
    'Where alerts go: an Apprise URL (Slack, Mattermost, email, webhook …), encrypted; only a hint is readable.';

CREATE TABLE ip_workbench.alert_rules (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    event text NOT NULL CHECK (event IN ('test_failed', 'score_below', 'slo_breach', 'pipeline_failed',
        'cost_overrun', 'owner_assigned')),
    channel_id uuid NOT NULL REFERENCES ip_workbench.alert_channels(id) ON DELETE CASCADE,
    table_id uuid REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    threshold numeric,
    recipients text[] NOT NULL DEFAULT '{}',
    cooldown_minutes int NOT NULL DEFAULT 60 CHECK (cooldown_minutes >= 0),
    enabled boolean NOT NULL DEFAULT true,
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.alert_rules IS
    'Which events notify which channel (optionally one table), recipients, cooldown.';

CREATE TABLE ip_workbench.alert_deliveries (
    id bigserial PRIMARY KEY,
    rule_id uuid REFERENCES ip_workbench.alert_rules(id) ON DELETE SET NULL,
    channel_id uuid REFERENCES ip_workbench.alert_channels(id) ON DELETE SET NULL,
    rule_name text,
    channel_name text NOT NULL,
    event text NOT NULL,
    subject text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    title text NOT NULL,
    body text NOT NULL,
    recipients text[] NOT NULL DEFAULT '{}',
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'suppressed')),
    attempts int NOT NULL DEFAULT 0,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz,
    sent_at timestamptz
);
CREATE INDEX alert_deliveries_cooldown ON ip_workbench.alert_deliveries (rule_id, subject, created_at DESC);
CREATE INDEX alert_deliveries_time ON ip_workbench.alert_deliveries (created_at DESC);
COMMENT ON TABLE ip_workbench.alert_deliveries IS
    'Every notification: sent, pending a retry, failed for good, or suppressed by the rule''s cooldown.';
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE ip_workbench.alert_deliveries;
DROP TABLE ip_workbench.alert_rules;
DROP TABLE ip_workbench.alert_channels;
DROP TABLE ip_workbench.dq_schedules;
DROP TABLE ip_workbench.dq_runs;
""")
