"""Catalog sync: object kind, the database's own comments kept apart from ours, change tracking.

Revision ID: 0003_catalog_sync
Revises: 0002_query_execution
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003_catalog_sync"
down_revision = "0002_query_execution"
branch_labels = None
depends_on = None

UPGRADE_SQL = r"""
ALTER TABLE ip_workbench.tables
    ADD COLUMN kind text NOT NULL DEFAULT 'table'
        CHECK (kind IN ('table', 'partitioned_table', 'view', 'materialized_view', 'foreign_table')),
    ADD COLUMN db_comment text,
    ADD COLUMN change_counter bigint,
    ADD COLUMN exact_row_count bigint,
    ADD COLUMN exact_counted_at timestamptz,
    ADD COLUMN synced_at timestamptz;
COMMENT ON COLUMN ip_workbench.tables.description IS 'Description written in Workbench; wins over db_comment.';
COMMENT ON COLUMN ip_workbench.tables.db_comment IS 'COMMENT ON TABLE in the database, refreshed by every sync.';
ALTER TABLE ip_workbench.table_metadata
    ADD COLUMN column_default text,
    ADD COLUMN db_comment text;
-- Until now the sync copied the database comment into description.
UPDATE ip_workbench.tables SET db_comment = description, description = NULL;
UPDATE ip_workbench.table_metadata SET db_comment = description, description = NULL;
"""

DOWNGRADE_SQL = r"""
UPDATE ip_workbench.table_metadata SET description = coalesce(description, db_comment);
UPDATE ip_workbench.tables SET description = coalesce(description, db_comment);
ALTER TABLE ip_workbench.table_metadata DROP COLUMN column_default, DROP COLUMN db_comment;
ALTER TABLE ip_workbench.tables DROP COLUMN kind, DROP COLUMN db_comment, DROP COLUMN change_counter,
    DROP COLUMN exact_row_count, DROP COLUMN exact_counted_at, DROP COLUMN synced_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE_SQL)


def downgrade() -> None:
    op.execute(DOWNGRADE_SQL)
