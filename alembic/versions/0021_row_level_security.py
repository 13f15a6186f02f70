"""Row-level security as defence in depth (PRD §6): the catalog's tables, pipelines, SQL snippets, API keys and
agents refuse, in the database, what the permission matrix refuses, even when a service function forgot its check.

The app acts for a user by `SET LOCAL ROLE wb_<database>_as_<role>` (one non-owner role per Workbench role,
holding the matrix's table privileges) and `SET LOCAL workbench.user_id` (the policies' key); the user's role
and whether the account is active are read back from `users`, never taken from the app. Migrations, jobs and
the scheduler keep running as the role that owns the tables, which row-level security does not bind.

Where the PRD's RLS sketch and its matrix disagree, the matrix wins: only admins delete pipelines (the sketch
lets engineers delete their own), and the catalog sync an engineer starts writes catalog rows as the owning
role (the sketch keeps inserts to admins, which stays true for anything acting as a user).

Revision ID: 0021_row_level_security
Revises: 0020_shared_limits
Create Date: 2026-11-27
"""

from alembic import op

revision = "0021_row_level_security"
down_revision = "0020_shared_limits"
branch_labels = None
depends_on = None

SECURED = ("tables", "pipelines", "sql_snippets", "api_keys", "agents")


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION ip_workbench.acting_user_id() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('workbench.user_id', true), '')::uuid $$;
COMMENT ON FUNCTION ip_workbench.acting_user_id() IS
    'The user the app acts for in this transaction (SET LOCAL workbench.user_id), NULL when it acts for nobody.';

CREATE FUNCTION ip_workbench.acting_user_role() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT role FROM ip_workbench.users WHERE id = ip_workbench.acting_user_id() AND is_active
$$;
COMMENT ON FUNCTION ip_workbench.acting_user_role() IS
    'That user''s role as stored, NULL for nobody, an unknown or a disabled account.';

CREATE FUNCTION ip_workbench.ensure_acting_roles() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    prefix text := 'wb_' || left(regexp_replace(lower(current_database()), '[^a-z0-9_]', '_', 'g'), 40) || '_as_';
    app_role text;
    db_role text;
    -- table: the Workbench roles holding each privilege on it (the PRD matrix, section 6)
    grants constant jsonb := '{
        "tables":       {"SELECT": ["viewer", "engineer", "admin", "service"],
                         "UPDATE (description, owner)": ["engineer"],
                         "INSERT, UPDATE, DELETE": ["admin"]},
        "pipelines":    {"SELECT": ["viewer", "engineer", "admin", "service"],
                         "INSERT, UPDATE": ["engineer", "admin", "service"],
                         "DELETE": ["admin"]},
        "sql_snippets": {"SELECT": ["viewer", "engineer", "admin", "service"],
                         "INSERT, UPDATE, DELETE": ["viewer", "engineer", "admin"]},
        "api_keys":     {"SELECT, INSERT, UPDATE, DELETE": ["admin"]},
        "agents":       {"SELECT, INSERT, UPDATE": ["engineer", "service"],
                         "SELECT, INSERT, UPDATE, DELETE": ["admin"]}
    }';
    secured text;
    privilege text;
BEGIN
    FOREACH app_role IN ARRAY ARRAY['viewer', 'engineer', 'admin', 'service'] LOOP
        db_role := prefix || app_role;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = db_role) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', db_role);
        END IF;
        IF NOT pg_has_role(current_user, db_role, 'MEMBER') THEN
            EXECUTE format('GRANT %I TO CURRENT_USER', db_role);
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA ip_workbench TO %I', db_role);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ip_workbench TO %I', db_role);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ip_workbench TO %I', db_role);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA ip_workbench'
                       ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', db_role);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA ip_workbench GRANT USAGE, SELECT ON SEQUENCES TO %I',
                       db_role);
        FOR secured IN SELECT jsonb_object_keys(grants) LOOP
            EXECUTE format('REVOKE ALL ON ip_workbench.%I FROM %I', secured, db_role);
            FOR privilege IN SELECT key FROM jsonb_each(grants -> secured)
                             WHERE (grants -> secured -> key) ? app_role LOOP
                EXECUTE format('GRANT %s ON ip_workbench.%I TO %I', privilege, secured, db_role);
            END LOOP;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ip_workbench.ensure_acting_roles() IS
    'Create (or repair) the non-owner roles the app acts as, one per Workbench role, with the matrix''s grants.';
SELECT ip_workbench.ensure_acting_roles();

ALTER TABLE ip_workbench.tables ENABLE ROW LEVEL SECURITY;
CREATE POLICY tables_read ON ip_workbench.tables FOR SELECT USING (ip_workbench.acting_user_role() IS NOT NULL);
CREATE POLICY tables_edit ON ip_workbench.tables FOR UPDATE
    USING (ip_workbench.acting_user_role() IN ('engineer', 'admin'));
CREATE POLICY tables_add ON ip_workbench.tables FOR INSERT WITH CHECK (ip_workbench.acting_user_role() = 'admin');
CREATE POLICY tables_remove ON ip_workbench.tables FOR DELETE USING (ip_workbench.acting_user_role() = 'admin');

ALTER TABLE ip_workbench.pipelines ENABLE ROW LEVEL SECURITY;
CREATE POLICY pipelines_read ON ip_workbench.pipelines FOR SELECT
    USING (ip_workbench.acting_user_role() IS NOT NULL);
CREATE POLICY pipelines_add ON ip_workbench.pipelines FOR INSERT WITH CHECK (
    ip_workbench.acting_user_role() = 'admin'
    OR (ip_workbench.acting_user_role() IN ('engineer', 'service') AND owner = ip_workbench.acting_user_id()));
CREATE POLICY pipelines_edit ON ip_workbench.pipelines FOR UPDATE USING (
    ip_workbench.acting_user_role() = 'admin'
    OR (ip_workbench.acting_user_role() IN ('engineer', 'service') AND owner = ip_workbench.acting_user_id()));
CREATE POLICY pipelines_remove ON ip_workbench.pipelines FOR DELETE USING (ip_workbench.acting_user_role() = 'admin');

ALTER TABLE ip_workbench.sql_snippets ENABLE ROW LEVEL SECURITY;
CREATE POLICY snippets_read ON ip_workbench.sql_snippets FOR SELECT
    USING (ip_workbench.acting_user_role() IS NOT NULL);
CREATE POLICY snippets_add ON ip_workbench.sql_snippets FOR INSERT WITH CHECK (
    ip_workbench.acting_user_role() IN ('viewer', 'engineer', 'admin') AND owner = ip_workbench.acting_user_id());
CREATE POLICY snippets_edit ON ip_workbench.sql_snippets FOR UPDATE USING (
    ip_workbench.acting_user_role() = 'admin'
    OR (ip_workbench.acting_user_role() IN ('viewer', 'engineer') AND owner = ip_workbench.acting_user_id()));
CREATE POLICY snippets_remove ON ip_workbench.sql_snippets FOR DELETE USING (
    ip_workbench.acting_user_role() = 'admin'
    OR (ip_workbench.acting_user_role() IN ('viewer', 'engineer') AND owner = ip_workbench.acting_user_id()));

ALTER TABLE ip_workbench.api_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY api_keys_admins ON ip_workbench.api_keys FOR ALL
    USING (ip_workbench.acting_user_role() = 'admin') WITH CHECK (ip_workbench.acting_user_role() = 'admin');

ALTER TABLE ip_workbench.agents ENABLE ROW LEVEL SECURITY;
CREATE POLICY agents_read ON ip_workbench.agents FOR SELECT
    USING (ip_workbench.acting_user_role() IN ('engineer', 'admin', 'service'));
CREATE POLICY agents_add ON ip_workbench.agents FOR INSERT WITH CHECK (
    ip_workbench.acting_user_role() IN ('engineer', 'admin', 'service') AND created_by = ip_workbench.acting_user_id());
CREATE POLICY agents_edit ON ip_workbench.agents FOR UPDATE
    USING (ip_workbench.acting_user_role() IN ('engineer', 'admin', 'service'));
CREATE POLICY agents_remove ON ip_workbench.agents FOR DELETE USING (ip_workbench.acting_user_role() = 'admin');
""")


def downgrade() -> None:
    for table in SECURED:
        op.execute(f"""
DO $$
DECLARE policy text;
BEGIN
    FOR policy IN SELECT policyname FROM pg_policies WHERE schemaname = 'ip_workbench' AND tablename = '{table}' LOOP
        EXECUTE format('DROP POLICY %I ON ip_workbench.{table}', policy);
    END LOOP;
END $$;
ALTER TABLE ip_workbench.{table} DISABLE ROW LEVEL SECURITY;
""")
    op.execute("""
DO $$
DECLARE db_role text;
BEGIN
    FOR db_role IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'wb\\_' || left(regexp_replace(lower(
            current_database()), '[^a-z0-9_]', '_', 'g'), 40) || '\\_as\\_%' LOOP
        EXECUTE format('DROP OWNED BY %I', db_role);
        EXECUTE format('DROP ROLE %I', db_role);
    END LOOP;
END $$;
DROP FUNCTION ip_workbench.ensure_acting_roles();
DROP FUNCTION ip_workbench.acting_user_role();
DROP FUNCTION ip_workbench.acting_user_id();
""")
