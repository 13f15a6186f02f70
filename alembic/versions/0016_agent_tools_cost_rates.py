"""How an agent calls its tools (LiteLLM's native function calling, or the JSON-action protocol any chat model
follows), and the rates admins set for what is not a model call: pipeline compute per run-minute and storage
per GB-month. cost_tracker rows say what they are for (a pipeline run, a table's day of storage).

Revision ID: 0016_agent_tools_cost_rates
Revises: 0015_agents
Create Date: 2026-11-26
"""

from alembic import op

revision = "0016_agent_tools_cost_rates"
down_revision = "0015_agents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.agents
    ADD COLUMN tool_calling text NOT NULL DEFAULT 'auto' CHECK (tool_calling IN ('auto', 'native', 'json'));
COMMENT ON COLUMN ip_workbench.agents.tool_calling IS
    'auto: native function calling when LiteLLM''s map says the model has it, else the JSON-action protocol.';
ALTER TABLE ip_workbench.agent_runs ADD COLUMN tool_calling text;
COMMENT ON COLUMN ip_workbench.agent_runs.tool_calling IS 'native or json: how this run called its tools.';

CREATE TABLE ip_workbench.cost_rates (
    name text PRIMARY KEY CHECK (name IN ('pipeline_run_minute', 'storage_gb_month')),
    usd numeric NOT NULL CHECK (usd >= 0),
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.cost_rates IS
    'Admin-set prices of what is not a model call: a pipeline run-minute, a GB-month of table storage.';

ALTER TABLE ip_workbench.cost_tracker
    ADD COLUMN reference text,
    ADD COLUMN day date;
COMMENT ON COLUMN ip_workbench.cost_tracker.reference IS
    'What the cost is for: a job run id (pipeline), a schema.table (storage).';
COMMENT ON COLUMN ip_workbench.cost_tracker.day IS 'Storage: the day accrued (one row per table and day).';
CREATE UNIQUE INDEX cost_tracker_storage_day ON ip_workbench.cost_tracker (reference, day)
    WHERE service = 'storage';
CREATE INDEX cost_tracker_recorded ON ip_workbench.cost_tracker (recorded_at);
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX ip_workbench.cost_tracker_recorded;
DROP INDEX ip_workbench.cost_tracker_storage_day;
ALTER TABLE ip_workbench.cost_tracker DROP COLUMN day, DROP COLUMN reference;
DROP TABLE ip_workbench.cost_rates;
ALTER TABLE ip_workbench.agent_runs DROP COLUMN tool_calling;
ALTER TABLE ip_workbench.agents DROP COLUMN tool_calling;
""")
