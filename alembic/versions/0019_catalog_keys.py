"""Cheaper catalog writes for big syncs: time-ordered ids (UUID version 7) for catalog tables, so thousands
of new tables append to the end of the primary-key index instead of writing all over it (Postgres 18 has
uuidv7(); on older servers, a configured WORKBENCH_DATABASE_URL, the same layout is built from
gen_random_uuid() and the clock; existing ids are kept); and columns keyed by (table_id, column_name), the
key they already had, instead of a random surrogate id nothing refers to (one index per column row, not two).

Revision ID: 0019_catalog_keys
Revises: 0018_dbt
Create Date: 2026-11-27
"""

from alembic import op

revision = "0019_catalog_keys"
down_revision = "0018_dbt"
branch_labels = None
depends_on = None

_BUILT_IN = "SELECT uuidv7()"
# 48 bits of Unix milliseconds, then version 7 and the variant over gen_random_uuid()'s random bits.
_PORTABLE = """SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid"""


def upgrade() -> None:
    has_uuidv7 = op.get_bind().exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'uuidv7' AND pronargs = 0)").scalar()
    op.execute(f"""
CREATE FUNCTION ip_workbench.new_id() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
{_BUILT_IN if has_uuidv7 else _PORTABLE}
$$;
COMMENT ON FUNCTION ip_workbench.new_id() IS 'A time-ordered UUID (version 7) for catalog rows.';
ALTER TABLE ip_workbench.tables ALTER COLUMN id SET DEFAULT ip_workbench.new_id();
ALTER TABLE ip_workbench.table_metadata DROP CONSTRAINT table_metadata_pkey, DROP COLUMN id;
ALTER TABLE ip_workbench.table_metadata DROP CONSTRAINT table_metadata_table_id_column_name_key,
    ADD CONSTRAINT table_metadata_pkey PRIMARY KEY (table_id, column_name);
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE ip_workbench.tables ALTER COLUMN id SET DEFAULT gen_random_uuid();
ALTER TABLE ip_workbench.table_metadata DROP CONSTRAINT table_metadata_pkey,
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    ADD CONSTRAINT table_metadata_table_id_column_name_key UNIQUE (table_id, column_name);
DROP FUNCTION ip_workbench.new_id();
""")
