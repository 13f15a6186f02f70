"""Catalog page: favorites, sync runs, the scheduler's job store, and search that scales.

Embeddings may now be pending (NULL) so a sync can store the documents' text at once and embed them
afterwards; a version row tells each process when to update its vector index; indexes make the name
and full-text parts of search fast on large catalogs.

Revision ID: 0005_catalog_page
Revises: 0004_catalog_embeddings
Create Date: 2026-11-26
"""

from alembic import op

revision = "0005_catalog_page"
down_revision = "0004_catalog_embeddings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(r"""
CREATE TABLE ip_workbench.catalog_favorites (
    user_id uuid NOT NULL REFERENCES ip_workbench.users(id) ON DELETE CASCADE,
    table_id uuid NOT NULL REFERENCES ip_workbench.tables(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, table_id)
);
COMMENT ON TABLE ip_workbench.catalog_favorites IS 'Tables each user starred; shown first in the catalog.';

CREATE TABLE ip_workbench.catalog_sync_runs (
    id bigserial PRIMARY KEY,
    trigger text NOT NULL CHECK (trigger IN ('setup', 'manual', 'schedule', 'cli', 'demo')),
    actor text,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    writes integer,
    tables_total integer,
    embedded integer,
    error text,
    fingerprint text
);
CREATE INDEX catalog_sync_runs_started ON ip_workbench.catalog_sync_runs (started_at DESC);
COMMENT ON TABLE ip_workbench.catalog_sync_runs IS 'Each catalog sync: who or what started it and what it wrote.';

-- APScheduler's SQLAlchemy job store (its own layout), so schedules survive restarts.
CREATE TABLE ip_workbench.scheduler_jobs (
    id varchar(191) PRIMARY KEY,
    next_run_time double precision,
    job_state bytea NOT NULL
);
CREATE INDEX ix_ip_workbench_scheduler_jobs_next_run_time ON ip_workbench.scheduler_jobs (next_run_time);

ALTER TABLE ip_workbench.catalog_embeddings ALTER COLUMN embedding DROP NOT NULL;
CREATE INDEX catalog_embeddings_pending ON ip_workbench.catalog_embeddings ((column_name IS NOT NULL), doc_key)
    WHERE embedding IS NULL;
CREATE INDEX catalog_embeddings_updated ON ip_workbench.catalog_embeddings (updated_at);
CREATE INDEX catalog_embeddings_name ON ip_workbench.catalog_embeddings
    (lower(coalesce(column_name, table_name)) text_pattern_ops);
CREATE INDEX catalog_embeddings_qualified ON ip_workbench.catalog_embeddings
    (lower(schema_name || '.' || table_name || coalesce('.' || column_name, '')) text_pattern_ops);
-- Stored, so ranking a full-text match does not parse the document again.
ALTER TABLE ip_workbench.catalog_embeddings
    ADD COLUMN text_search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX catalog_embeddings_text ON ip_workbench.catalog_embeddings USING gin (text_search);

CREATE TABLE ip_workbench.catalog_search_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO ip_workbench.catalog_search_state DEFAULT VALUES;
COMMENT ON TABLE ip_workbench.catalog_search_state IS
    'Bumped whenever stored embeddings change, so each process knows to update its vector index.';
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE IF EXISTS ip_workbench.catalog_search_state;
DROP INDEX IF EXISTS ip_workbench.catalog_embeddings_text;
ALTER TABLE ip_workbench.catalog_embeddings DROP COLUMN IF EXISTS text_search;
DROP INDEX IF EXISTS ip_workbench.catalog_embeddings_qualified;
DROP INDEX IF EXISTS ip_workbench.catalog_embeddings_name;
DROP INDEX IF EXISTS ip_workbench.catalog_embeddings_updated;
DROP INDEX IF EXISTS ip_workbench.catalog_embeddings_pending;
DELETE FROM ip_workbench.catalog_embeddings WHERE embedding IS NULL;
ALTER TABLE ip_workbench.catalog_embeddings ALTER COLUMN embedding SET NOT NULL;
DROP TABLE IF EXISTS ip_workbench.scheduler_jobs;
DROP TABLE IF EXISTS ip_workbench.catalog_sync_runs;
DROP TABLE IF EXISTS ip_workbench.catalog_favorites;
""")
