"""Agents: versions of every change, runs with budgets and a step log (model and tool calls), and the price
table admins set per model (overriding LiteLLM's local price map; a notional price makes budgets bite on the
local model too).

Revision ID: 0015_agents
Revises: 0014_quality_alerts
Create Date: 2026-11-26
"""

from alembic import op

revision = "0015_agents"
down_revision = "0014_quality_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.agents
    ALTER COLUMN model DROP NOT NULL,
    ADD COLUMN max_steps int NOT NULL DEFAULT 8 CHECK (max_steps BETWEEN 1 AND 50),
    ADD COLUMN version int NOT NULL DEFAULT 1,
    ADD COLUMN deployed boolean NOT NULL DEFAULT false,
    ADD COLUMN updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL;
COMMENT ON COLUMN ip_workbench.agents.model IS
    'A LiteLLM model string; NULL: the gateway''s default (the local model).';

CREATE TABLE ip_workbench.agent_versions (
    agent_id uuid NOT NULL REFERENCES ip_workbench.agents(id) ON DELETE CASCADE,
    version int NOT NULL,
    definition jsonb NOT NULL,
    changed_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agent_id, version)
);

ALTER TABLE ip_workbench.agent_runs DROP CONSTRAINT agent_runs_status_check;
ALTER TABLE ip_workbench.agent_runs
    ADD CONSTRAINT agent_runs_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed',
        'cancelled', 'budget_exceeded')),
    ALTER COLUMN started_at DROP DEFAULT,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN requested_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    ADD COLUMN trigger text NOT NULL DEFAULT 'manual' CHECK (trigger IN ('manual', 'api', 'test', 'retry')),
    ADD COLUMN budget_usd numeric NOT NULL DEFAULT 1.0,
    ADD COLUMN max_steps int NOT NULL DEFAULT 8,
    ADD COLUMN agent_version int,
    ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN retry_of uuid REFERENCES ip_workbench.agent_runs(id) ON DELETE SET NULL,
    ADD COLUMN worker text,
    ADD COLUMN suggestion text;
CREATE INDEX agent_runs_agent_time ON ip_workbench.agent_runs (agent_id, created_at DESC);

CREATE TABLE ip_workbench.agent_steps (
    id bigserial PRIMARY KEY,
    run_id uuid NOT NULL REFERENCES ip_workbench.agent_runs(id) ON DELETE CASCADE,
    position int NOT NULL,
    kind text NOT NULL CHECK (kind IN ('model', 'tool')),
    tool text,
    input text,
    output text,
    error text,
    model text,
    prompt_tokens int,
    completion_tokens int,
    cost_usd numeric NOT NULL DEFAULT 0,
    latency_ms int,
    llm_request_id uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, position)
);
COMMENT ON TABLE ip_workbench.agent_steps IS 'Each model call and tool call of an agent run, in order, with cost.';

CREATE TABLE ip_workbench.model_prices (
    model text PRIMARY KEY,
    input_per_1m numeric NOT NULL CHECK (input_per_1m >= 0),
    output_per_1m numeric NOT NULL CHECK (output_per_1m >= 0),
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.model_prices IS
    'USD per 1M input and output tokens per model, set by admins; overrides LiteLLM''s local price map.';

CREATE TABLE ip_workbench.agent_samples (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agent_id uuid NOT NULL REFERENCES ip_workbench.agents(id) ON DELETE CASCADE,
    prompt text NOT NULL,
    expect_kind text NOT NULL CHECK (expect_kind IN ('contains', 'regex', 'number')),
    expected text NOT NULL,
    tolerance numeric NOT NULL DEFAULT 0 CHECK (tolerance >= 0),
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.agent_samples IS
    'An agent''s evaluation set: sample prompts and the expected answer (contains, regex, number ± tolerance).';
ALTER TABLE ip_workbench.agent_runs
    ADD COLUMN sample_id uuid REFERENCES ip_workbench.agent_samples(id) ON DELETE SET NULL;

CREATE TABLE ip_workbench.budgets (
    scope text NOT NULL CHECK (scope IN ('agent', 'service')),
    key text NOT NULL,
    monthly_usd numeric NOT NULL CHECK (monthly_usd > 0),
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
COMMENT ON TABLE ip_workbench.budgets IS
    'Monthly budgets per agent (by name) and per service (llm, pipeline, storage, compute); alerts at 80 % and 100 %.';
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE ip_workbench.budgets;
ALTER TABLE ip_workbench.agent_runs DROP COLUMN sample_id;
DROP TABLE ip_workbench.agent_samples;
DROP TABLE ip_workbench.model_prices;
DROP TABLE ip_workbench.agent_steps;
DROP INDEX ip_workbench.agent_runs_agent_time;
ALTER TABLE ip_workbench.agent_runs DROP CONSTRAINT agent_runs_status_check;
DELETE FROM ip_workbench.agent_runs WHERE status = 'budget_exceeded';
ALTER TABLE ip_workbench.agent_runs
    ADD CONSTRAINT agent_runs_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed',
        'cancelled')),
    ALTER COLUMN started_at SET DEFAULT now(),
    DROP COLUMN created_at, DROP COLUMN requested_by, DROP COLUMN trigger, DROP COLUMN budget_usd,
    DROP COLUMN max_steps, DROP COLUMN agent_version, DROP COLUMN cancel_requested, DROP COLUMN retry_of,
    DROP COLUMN worker, DROP COLUMN suggestion;
DROP TABLE ip_workbench.agent_versions;
ALTER TABLE ip_workbench.agents DROP COLUMN max_steps, DROP COLUMN version, DROP COLUMN deployed,
    DROP COLUMN updated_by;
UPDATE ip_workbench.agents SET model = 'openai/workbench-local' WHERE model IS NULL;
ALTER TABLE ip_workbench.agents ALTER COLUMN model SET NOT NULL;
""")
