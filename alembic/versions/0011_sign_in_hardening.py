"""Sign-in hardening: failed attempts counted per client address (bad passwords, bad API keys), and the
one-time codes that hand a verified sign-in to the HttpOnly session cookie.

Revision ID: 0011_sign_in_hardening
Revises: 0010_query_role_hardening
Create Date: 2026-11-26
"""

from alembic import op

revision = "0011_sign_in_hardening"
down_revision = "0010_query_role_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.auth_failures (
    client_address text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('password', 'api_key')),
    window_start timestamptz NOT NULL DEFAULT now(),
    failures int NOT NULL DEFAULT 0,
    PRIMARY KEY (client_address, kind)
);
COMMENT ON TABLE ip_workbench.auth_failures IS
    'Failed sign-ins and API-key checks per client address in the current one-minute window (throttling).';

CREATE TABLE ip_workbench.sign_in_handoffs (
    code_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES ip_workbench.users(id) ON DELETE CASCADE,
    client_address text,
    expires_at timestamptz NOT NULL
);
COMMENT ON TABLE ip_workbench.sign_in_handoffs IS
    'One-time codes (hashed, valid one minute) exchanged by GET /api/session/start for the HttpOnly cookie.';
""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ip_workbench.sign_in_handoffs; DROP TABLE IF EXISTS ip_workbench.auth_failures")
