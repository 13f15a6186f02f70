"""The secrets store: every credential the app keeps, encrypted under the deployment's key (services/core/
secrets.py) — a named-secret table for integration and provider credentials, a key check that lets a process
with the wrong key stop at start, and the query roles' passwords moved out of clear text (the app encrypts
the existing ones the next time it reads them, since the key is not the migration's to know). Integrations:
their settings and status, Odoo pull watermarks, and the rate-limit log every process shares.

Revision ID: 0017_secrets_store
Revises: 0016_agent_tools_cost_rates
Create Date: 2026-11-26
"""

from alembic import op

revision = "0017_secrets_store"
down_revision = "0016_agent_tools_cost_rates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.secrets (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_.:-]{0,119}$'),
    ciphertext bytea NOT NULL,
    hint text,
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.secrets IS
    'Named credentials (integration passwords, API keys), Fernet-encrypted; hint is a masked form.';

ALTER TABLE ip_workbench.query_roles
    ADD COLUMN password_encrypted bytea,
    ALTER COLUMN password DROP NOT NULL;
COMMENT ON COLUMN ip_workbench.query_roles.password IS 'Legacy clear text: emptied once the app has encrypted it.';

CREATE TABLE ip_workbench.integrations (
    name text PRIMARY KEY,
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    last_success_at timestamptz,
    last_error text,
    last_error_at timestamptz,
    updated_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.integrations IS
    'Each configured integration (odoo, n8n, providers): its settings without secrets, and its last outcome.';

CREATE TABLE ip_workbench.odoo_watermarks (
    model text NOT NULL,
    target text NOT NULL,
    write_date text NOT NULL,
    last_id bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, target)
);
COMMENT ON TABLE ip_workbench.odoo_watermarks IS
    'Where the last Odoo pull of a model into a table stopped: the newest (write_date, id) it stored.';

CREATE TABLE ip_workbench.rate_events (
    id bigserial PRIMARY KEY,
    key text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo', 'pipeline', 'odoo'));

CREATE TABLE ip_workbench.event_webhooks (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    url_encrypted bytea NOT NULL,
    url_hint text NOT NULL,
    events text[] NOT NULL CHECK (cardinality(events) > 0 AND events <@ ARRAY['pipeline_run.finished',
        'pipeline_run.failed', 'dq_test.failed', 'agent_run.finished']::text[]),
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.event_webhooks IS
    'n8n (or any) webhook URLs, encrypted, and the events POSTed to them.';
ALTER TABLE ip_workbench.webhook_deliveries
    ADD COLUMN event_webhook_id bigint REFERENCES ip_workbench.event_webhooks(id) ON DELETE CASCADE,
    ADD COLUMN event text;
COMMENT ON COLUMN ip_workbench.webhook_deliveries.url IS
    'Where it goes: a pipeline webhook URL, or an event webhook''s masked hint (its URL stays encrypted).';
CREATE INDEX rate_events_key_at ON ip_workbench.rate_events (key, at);
COMMENT ON TABLE ip_workbench.rate_events IS
    'Calls to rate-limited outside services in the last window, shared by every process (see core/shared_limit.py).';
""")


def downgrade() -> None:
    op.execute("""
DELETE FROM ip_workbench.webhook_deliveries WHERE event_webhook_id IS NOT NULL;
ALTER TABLE ip_workbench.webhook_deliveries DROP COLUMN event, DROP COLUMN event_webhook_id;
DROP TABLE ip_workbench.event_webhooks;
DELETE FROM ip_workbench.catalog_sync_runs WHERE trigger = 'odoo';
ALTER TABLE ip_workbench.catalog_sync_runs DROP CONSTRAINT catalog_sync_runs_trigger_check,
    ADD CONSTRAINT catalog_sync_runs_trigger_check
        CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo', 'pipeline'));
DROP TABLE ip_workbench.rate_events;
DROP TABLE ip_workbench.odoo_watermarks;
DROP TABLE ip_workbench.integrations;
DELETE FROM ip_workbench.query_roles WHERE password IS NULL;  -- recreated, with new passwords, at the next start
ALTER TABLE ip_workbench.query_roles DROP COLUMN password_encrypted, ALTER COLUMN password SET NOT NULL;
DROP TABLE ip_workbench.secrets;
""")
