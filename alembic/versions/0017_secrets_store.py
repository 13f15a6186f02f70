"""The secrets store: every credential the app keeps, encrypted under the deployment's key (services/core/
secrets.py) — a named-secret table for integration and provider credentials, a key check that lets a process
with the wrong key stop at start, and the query roles' passwords moved out of clear text (the app encrypts
the existing ones the next time it reads them, since the key is not the migration's to know).

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
""")


def downgrade() -> None:
    op.execute("""
DELETE FROM ip_workbench.query_roles WHERE password IS NULL;  -- recreated, with new passwords, at the next start
ALTER TABLE ip_workbench.query_roles DROP COLUMN password_encrypted, ALTER COLUMN password SET NOT NULL;
DROP TABLE ip_workbench.secrets;
""")
