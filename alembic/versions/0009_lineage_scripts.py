"""Build scripts kept as lineage sources (the demo's build today, pipeline nodes next), so the lineage
store re-reads them on every refresh without knowing who wrote them.

Revision ID: 0009_lineage_scripts
Revises: 0008_genie
Create Date: 2026-11-26
"""

from alembic import op

revision = "0009_lineage_scripts"
down_revision = "0008_genie"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE ip_workbench.lineage_scripts (
    origin_key text PRIMARY KEY,
    origin text NOT NULL CHECK (origin IN ('demo_build', 'pipeline')),
    sql text NOT NULL,
    created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.lineage_scripts IS
    'SQL scripts registered as lineage sources; every lineage refresh re-reads them (origin_key as in lineage).';
""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ip_workbench.lineage_scripts")
