"""Foundation: schema ip_workbench with the PRD section 5 tables, auth, audit, Home.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-25
"""

from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE_SQL = r"""
CREATE SCHEMA IF NOT EXISTS ip_workbench;

CREATE TABLE ip_workbench.users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL,
    full_name text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('viewer', 'engineer', 'admin', 'service')),
    password_hash text,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz
);
CREATE UNIQUE INDEX users_email_key ON ip_workbench.users (lower(email));
COMMENT ON TABLE ip_workbench.users IS 'Workbench accounts with their role (viewer, engineer, admin, service).';

CREATE TABLE ip_workbench.sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES ip_workbench.users(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    client_address text
);
CREATE INDEX sessions_user_idx ON ip_workbench.sessions (user_id);
COMMENT ON TABLE ip_workbench.sessions IS
    'Server-side login sessions; the browser holds only the token, we keep its hash.';

CREATE TABLE ip_workbench.login_throttle (
    email text PRIMARY KEY,
    failed_count int NOT NULL DEFAULT 0,
    locked_until timestamptz,
    last_failed_at timestamptz
);
COMMENT ON TABLE ip_workbench.login_throttle IS
    'Failed sign-in counts per email (known or not), so a lockout never reveals whether an account exists.';

CREATE TABLE ip_workbench.api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES ip_workbench.users(id) ON DELETE CASCADE,
    name text NOT NULL DEFAULT '',
    key_prefix text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
COMMENT ON TABLE ip_workbench.api_keys IS 'API keys (hashed); each acts with its user''s role.';

CREATE TABLE ip_workbench.audit_log (
    id bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    actor_email text,
    action text NOT NULL,
    target text,
    client_address text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_time_idx ON ip_workbench.audit_log (occurred_at DESC);
COMMENT ON TABLE ip_workbench.audit_log IS 'Append-only record of sign-ins, sign-outs, denials and account changes.';

CREATE FUNCTION ip_workbench.audit_log_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ip_workbench.audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON ip_workbench.audit_log
    FOR EACH ROW EXECUTE FUNCTION ip_workbench.audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON ip_workbench.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION ip_workbench.audit_log_is_append_only();

CREATE TABLE ip_workbench.activity_log (
    id bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL CHECK (kind IN ('pipeline_run', 'query', 'agent_run', 'demo', 'catalog', 'user')),
    title text NOT NULL,
    status text,
    actor_id uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    link text
);
CREATE INDEX activity_log_time_idx ON ip_workbench.activity_log (occurred_at DESC);
COMMENT ON TABLE ip_workbench.activity_log IS
    'Recent activity shown on Home: pipeline runs, queries, agent runs, loads.';

CREATE TABLE ip_workbench.alerts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    severity text NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
    source text NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
COMMENT ON TABLE ip_workbench.alerts IS 'Failed jobs, low DQ scores, cost overruns and load problems, shown on Home.';

CREATE TABLE ip_workbench.alert_dismissals (
    alert_id uuid NOT NULL REFERENCES ip_workbench.alerts(id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES ip_workbench.users(id) ON DELETE CASCADE,
    dismissed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, user_id)
);

CREATE TABLE ip_workbench.agents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    description text,
    tools jsonb NOT NULL DEFAULT '[]'::jsonb,
    model text NOT NULL,
    system_prompt text,
    temperature numeric DEFAULT 0.7,
    max_tokens int DEFAULT 4000,
    budget_usd numeric DEFAULT 1.0,
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.agent_runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid REFERENCES ip_workbench.agents(id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    input_prompt text NOT NULL,
    output text,
    tokens_used int,
    cost_usd numeric,
    model text,
    trace_url text,
    started_at timestamptz DEFAULT now(),
    completed_at timestamptz,
    error_message text
);

CREATE TABLE ip_workbench.pipelines (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE,
    description text,
    definition jsonb NOT NULL,
    schedule text,
    owner uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    domain text,
    enabled boolean DEFAULT true,
    n8n_webhook_url text,
    created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.job_runs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pipeline_id uuid REFERENCES ip_workbench.pipelines(id) ON DELETE CASCADE,
    status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'blocked', 'cancelled')),
    started_at timestamptz DEFAULT now(),
    completed_at timestamptz,
    logs text,
    rows_processed int,
    error_message text
);

CREATE TABLE ip_workbench.tables (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schema_name text NOT NULL,
    table_name text NOT NULL,
    description text,
    owner uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    row_count bigint,
    size_bytes bigint,
    last_updated timestamptz,
    dq_score numeric CHECK (dq_score IS NULL OR dq_score BETWEEN 0 AND 100),
    slo_freshness_hours int,
    slo_completeness_pct numeric,
    UNIQUE (schema_name, table_name)
);

CREATE TABLE ip_workbench.table_metadata (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    column_name text NOT NULL,
    data_type text NOT NULL,
    is_nullable boolean NOT NULL,
    is_primary_key boolean DEFAULT false,
    description text,
    ordinal_position int,
    UNIQUE (table_id, column_name)
);

CREATE TABLE ip_workbench.lineage (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source_table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    target_table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    transformation_sql text,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.llm_requests (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_run_id uuid REFERENCES ip_workbench.agent_runs(id) ON DELETE SET NULL,
    model text NOT NULL,
    prompt_tokens int NOT NULL,
    completion_tokens int NOT NULL,
    cost_usd numeric NOT NULL,
    latency_ms int NOT NULL,
    created_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.dq_test_results (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    table_id uuid REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    test_name text NOT NULL,
    test_type text NOT NULL,
    passed boolean NOT NULL,
    details jsonb,
    executed_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.sql_snippets (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    description text,
    sql text NOT NULL,
    owner uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    tags text[],
    created_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.query_history (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    sql text NOT NULL,
    rows_returned int,
    execution_time_ms int,
    executed_at timestamptz DEFAULT now()
);

CREATE TABLE ip_workbench.cost_tracker (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    service text NOT NULL CHECK (service IN ('llm', 'pipeline', 'storage', 'compute')),
    resource_id uuid,
    cost_usd numeric NOT NULL,
    recorded_at timestamptz DEFAULT now()
);

CREATE VIEW ip_workbench.kpi_summary AS
SELECT
    (SELECT count(*) FROM ip_workbench.tables) AS total_tables,
    (SELECT count(*) FROM ip_workbench.pipelines) AS total_pipelines,
    (SELECT count(*) FROM ip_workbench.agents) AS total_agents,
    (SELECT round(avg(dq_score), 1) FROM ip_workbench.tables WHERE dq_score IS NOT NULL) AS avg_dq_score,
    (SELECT count(*) FROM ip_workbench.tables WHERE dq_score IS NOT NULL) AS tables_with_dq_score;
COMMENT ON VIEW ip_workbench.kpi_summary IS 'One row of Home KPIs: tables, pipelines, agents, average DQ score.';
"""

DOWNGRADE_SQL = "DROP SCHEMA IF EXISTS ip_workbench CASCADE;"


def upgrade() -> None:
    op.execute(UPGRADE_SQL)


def downgrade() -> None:
    op.execute(DOWNGRADE_SQL)
