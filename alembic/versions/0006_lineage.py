"""Lineage: where each edge comes from, column-level edges, and the indexes graph queries walk.

Revision ID: 0006_lineage
Revises: 0005_catalog_page
Create Date: 2026-11-26
"""

from alembic import op

revision = "0006_lineage"
down_revision = "0005_catalog_page"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(r"""
ALTER TABLE ip_workbench.lineage
    ADD COLUMN origin text NOT NULL DEFAULT 'manual'
        CHECK (origin IN ('demo_build', 'view', 'pipeline', 'manual', 'query')),
    ADD COLUMN origin_key text NOT NULL DEFAULT '',
    ADD COLUMN created_by uuid REFERENCES ip_workbench.users(id) ON DELETE SET NULL,
    ADD CONSTRAINT lineage_edge_per_origin UNIQUE (source_table_id, target_table_id, origin_key);
CREATE INDEX lineage_source_idx ON ip_workbench.lineage (source_table_id);
CREATE INDEX lineage_target_idx ON ip_workbench.lineage (target_table_id);
CREATE INDEX lineage_origin_idx ON ip_workbench.lineage (origin, origin_key);
COMMENT ON COLUMN ip_workbench.lineage.origin IS
    'What the edge was read from: the demo build SQL, a view definition, a pipeline node, a person, a query.';
COMMENT ON COLUMN ip_workbench.lineage.origin_key IS
    'Which one (file, view, node, query id); a refresh replaces the edges of one origin_key at a time.';

CREATE TABLE ip_workbench.column_lineage (
    id bigserial PRIMARY KEY,
    lineage_id uuid NOT NULL REFERENCES ip_workbench.lineage(id) ON DELETE CASCADE,
    source_table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    source_column text NOT NULL,
    target_table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    target_column text NOT NULL,
    UNIQUE (lineage_id, source_column, target_column)
);
CREATE INDEX column_lineage_source_idx ON ip_workbench.column_lineage (source_table_id, source_column);
CREATE INDEX column_lineage_target_idx ON ip_workbench.column_lineage (target_table_id, target_column);
COMMENT ON TABLE ip_workbench.column_lineage IS
    'Column-level edges of a lineage edge: source column feeds target column.';
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE IF EXISTS ip_workbench.column_lineage;
DROP INDEX IF EXISTS ip_workbench.lineage_origin_idx;
DROP INDEX IF EXISTS ip_workbench.lineage_target_idx;
DROP INDEX IF EXISTS ip_workbench.lineage_source_idx;
ALTER TABLE ip_workbench.lineage DROP CONSTRAINT IF EXISTS lineage_edge_per_origin,
    DROP COLUMN IF EXISTS created_by, DROP COLUMN IF EXISTS origin_key, DROP COLUMN IF EXISTS origin;
""")
