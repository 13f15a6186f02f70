"""Query execution: history status and errors, snippet updates, query role credentials.

Revision ID: 0002_query_execution
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002_query_execution"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

UPGRADE_SQL = r"""
ALTER TABLE ip_workbench.query_history
    ADD COLUMN status text NOT NULL DEFAULT 'completed'
        CHECK (status IN ('running', 'completed', 'failed', 'cancelled')),
    ADD COLUMN error_message text,
    ADD COLUMN sqlstate text,
    ADD COLUMN source text NOT NULL DEFAULT 'editor';
CREATE INDEX query_history_user_time_idx ON ip_workbench.query_history (user_id, executed_at DESC);

ALTER TABLE ip_workbench.sql_snippets ADD COLUMN updated_at timestamptz DEFAULT now();

-- Login credentials of the least-privileged roles user SQL runs as (one reader, one writer per database).
-- Only the app's own role can read this schema.
CREATE TABLE ip_workbench.query_roles (
    kind text PRIMARY KEY CHECK (kind IN ('reader', 'writer')),
    role_name text NOT NULL UNIQUE,
    password text NOT NULL
);
COMMENT ON TABLE ip_workbench.query_roles IS 'Credentials of the least-privileged Postgres roles that run user SQL.';
"""

DOWNGRADE_SQL = r"""
DROP TABLE IF EXISTS ip_workbench.query_roles;
ALTER TABLE ip_workbench.sql_snippets DROP COLUMN IF EXISTS updated_at;
DROP INDEX IF EXISTS ip_workbench.query_history_user_time_idx;
ALTER TABLE ip_workbench.query_history
    DROP COLUMN IF EXISTS status, DROP COLUMN IF EXISTS error_message, DROP COLUMN IF EXISTS sqlstate,
    DROP COLUMN IF EXISTS source;
"""


def upgrade() -> None:
    op.execute(UPGRADE_SQL)


def downgrade() -> None:
    op.execute(DOWNGRADE_SQL)
