"""Genie: each question, the SQL that answered it, its attempts, and the person's verdict.

Revision ID: 0008_genie
Revises: 0007_llm_gateway
Create Date: 2026-11-26
"""

from alembic import op

revision = "0008_genie"
down_revision = "0007_llm_gateway"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.genie_turns (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    conversation_id uuid NOT NULL,
    user_id uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    question text NOT NULL,
    sql text,
    explanation text,
    status text NOT NULL CHECK (status IN ('answered', 'failed', 'refused')),
    attempts jsonb NOT NULL DEFAULT '[]'::jsonb,
    row_count int,
    rating smallint CHECK (rating IN (-1, 1)),
    question_embedding real[],
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX genie_turns_conversation_idx ON ip_workbench.genie_turns (conversation_id, created_at);
CREATE INDEX genie_turns_approved_idx ON ip_workbench.genie_turns (rating) WHERE rating = 1;
COMMENT ON TABLE ip_workbench.genie_turns IS
    'Genie questions and answers; approved ones (rating 1) are shown to the model as examples.';
""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ip_workbench.genie_turns")
