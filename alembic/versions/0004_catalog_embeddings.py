"""Catalog search: embeddings of table and column descriptions, kept in Postgres.

Each process builds its vector index (Qdrant, in memory or a server) from these rows, so the app and
the CLI never fight over a local Qdrant folder.

Revision ID: 0004_catalog_embeddings
Revises: 0003_catalog_sync
Create Date: 2026-11-25
"""

from alembic import op

revision = "0004_catalog_embeddings"
down_revision = "0003_catalog_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(r"""
CREATE TABLE ip_workbench.catalog_embeddings (
    doc_key text PRIMARY KEY,
    schema_name text NOT NULL,
    table_name text NOT NULL,
    column_name text,
    text text NOT NULL,
    text_hash text NOT NULL,
    model_id text NOT NULL,
    embedding real[] NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ip_workbench.catalog_embeddings IS
    'One embedded document per catalogued table and column; the source of every vector index.';
""")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS ip_workbench.catalog_embeddings")
