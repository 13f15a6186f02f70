"""AI gateway: each call's outcome, purpose and caller in llm_requests.

Revision ID: 0007_llm_gateway
Revises: 0006_lineage
Create Date: 2026-11-26
"""

from alembic import op

revision = "0007_llm_gateway"
down_revision = "0006_lineage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.llm_requests
    ADD COLUMN status text NOT NULL DEFAULT 'completed' CHECK (status IN ('completed', 'failed')),
    ADD COLUMN error text,
    ADD COLUMN purpose text NOT NULL DEFAULT 'other',
    ADD COLUMN user_id uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    ADD COLUMN attempt int NOT NULL DEFAULT 1;
CREATE INDEX llm_requests_time_idx ON ip_workbench.llm_requests (created_at DESC);
COMMENT ON COLUMN ip_workbench.llm_requests.attempt IS 'Which attempt at this model the row records (1-3).';
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX IF EXISTS ip_workbench.llm_requests_time_idx;
ALTER TABLE ip_workbench.llm_requests DROP COLUMN IF EXISTS attempt, DROP COLUMN IF EXISTS user_id,
    DROP COLUMN IF EXISTS purpose, DROP COLUMN IF EXISTS error, DROP COLUMN IF EXISTS status;
""")
