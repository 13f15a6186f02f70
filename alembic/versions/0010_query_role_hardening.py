"""Least privilege for user SQL: no temporary tables, large objects, advisory locks, session signals,
set_config() or other sessions' activity for anyone but the app's own role.

Revoked from PUBLIC (every role, so the query roles too) and granted back to the role running the
migration (the app's). On a server where the app's role may not change a system function's privileges
(a managed Postgres without superuser), that one is skipped with a warning; the SQL policy still refuses
it and `workbench setup` reports what is missing.

Revision ID: 0010_query_role_hardening
Revises: 0009_lineage_scripts
Create Date: 2026-11-26
"""

from alembic import op

revision = "0010_query_role_hardening"
down_revision = "0009_lineage_scripts"
branch_labels = None
depends_on = None

FUNCTIONS = (
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
    "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all", "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock", "pg_try_advisory_xact_lock_shared",
    "pg_cancel_backend", "pg_terminate_backend", "pg_stat_get_activity", "pg_stat_get_backend_activity",
    "pg_stat_get_backend_activity_start", "pg_stat_get_backend_client_addr", "pg_stat_get_backend_pid",
    "pg_stat_get_backend_userid", "pg_stat_get_backend_wait_event", "pg_stat_get_backend_wait_event_type",
    "pg_stat_get_backend_xact_start", "pg_stat_get_backend_start", "set_config",
    "lo_from_bytea", "lo_create", "lo_creat", "lo_unlink", "lo_open", "lo_close", "lo_put", "lo_get",
    "lo_truncate", "lo_truncate64", "lo_lseek", "lo_lseek64", "lo_tell", "lo_tell64", "loread", "lowrite",
    "lo_import", "lo_export",
)
RELATIONS = ("pg_stat_activity",)


def _privileges(statements: tuple[str, ...]) -> str:
    """A DO block applying each `statements` template (with %s: the object) to every listed function,
    relation and the database's TEMPORARY right; an object we may not change is skipped with a warning."""
    names = ", ".join(f"'{name}'" for name in FUNCTIONS)
    relations = ", ".join(f"'{name}'" for name in RELATIONS)

    def each(kind: str, variable: str) -> str:
        return "\n".join(f"EXECUTE format('{t.format(kind=kind)}', {variable});" for t in statements)

    return f"""
DO $$
DECLARE
    fn regprocedure;
    rel text;
BEGIN
    FOR fn IN SELECT p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace
              AND p.proname IN ({names}) LOOP
        BEGIN
            {each("EXECUTE ON FUNCTION %s", "fn")}
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'workbench: cannot change the privileges of %: %', fn, SQLERRM;
        END;
    END LOOP;
    FOREACH rel IN ARRAY ARRAY[{relations}] LOOP
        BEGIN
            {each("SELECT ON pg_catalog.%I", "rel")}
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'workbench: cannot change the privileges of %: %', rel, SQLERRM;
        END;
    END LOOP;
    BEGIN
        {each("TEMPORARY ON DATABASE %I", "current_database()")}
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'workbench: cannot change temporary-table rights: %', SQLERRM;
    END;
END
$$;
"""


def upgrade() -> None:
    op.execute(_privileges(("REVOKE {kind} FROM PUBLIC", "GRANT {kind} TO CURRENT_USER")))


def downgrade() -> None:
    op.execute(_privileges(("GRANT {kind} TO PUBLIC",)))
