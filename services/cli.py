"""`workbench`: the command line for admins and set-up, over the same services as the UI."""

from __future__ import annotations

import json
import sys

import click

from services.catalog import sync as catalog_sync
from services.core import db, migrations
from services.core.config import settings
from services.core.errors import WorkbenchError
from services.identity import users
from services.identity.operator import current_operator
from services.sql import execution as query_execution
from services.sql import roles as query_roles


class _Cli(click.Group):
    """Turn Workbench errors into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except WorkbenchError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        finally:
            query_execution.close_pools()
            db.close_pool()


@click.group(cls=_Cli)
def main() -> None:
    """Workbench command line."""


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrations.upgrade(revision)
    if revision == "head":
        query_roles.prepare()
    click.echo(f"database at revision {migrations.current_revision()}")


@db_group.command("downgrade")
@click.option("--revision", default="base", show_default=True)
@click.confirmation_option(prompt="This drops Workbench metadata. Continue?")
def db_downgrade(revision: str) -> None:
    """Roll migrations back to REVISION."""
    migrations.downgrade(revision)
    click.echo(f"database at revision {migrations.current_revision()}")


@main.command("setup")
@click.option("--skip-demo", is_flag=True, help="Do not load the demo warehouse.")
def setup(skip_demo: bool) -> None:
    """Migrate, create the first admin if none exists, load the demo warehouse when it is empty."""
    from services.demo import load as demo

    migrations.upgrade("head")
    query_roles.prepare()
    created = users.ensure_first_admin()
    if created:
        click.echo(f"created the first admin: {created.user.email}")
        click.echo(f"password (shown once, also kept in {settings().admin_credentials_file}): {created.password}")
    if not skip_demo and demo.warehouse_is_empty():
        click.echo("loading the demo warehouse (scale 1)...")
        result = demo.load(1)
        click.echo(f"demo warehouse loaded: {result.total_rows:,} rows in {result.seconds:.1f} s")
    synced = catalog_sync.sync(trigger="setup")
    click.echo(f"catalog: {synced.tables_total} tables and views ({synced.writes} changes synced)")


@main.group("user")
def user_group() -> None:
    """Accounts and roles."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["viewer", "engineer", "admin", "service"]))
@click.option("--name", "full_name", default="", help="Full name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(email: str, role: str, full_name: str, password_stdin: bool) -> None:
    """Create a user; without --password-stdin a password is generated and printed once."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    created = users.create_user(current_operator(), email, role, full_name=full_name, password=password)
    click.echo(f"created {created.user.email} ({created.user.role})")
    if created.password:
        click.echo(f"password: {created.password}")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def user_list(as_json: bool) -> None:
    """List users."""
    rows = users.list_users(current_operator())
    if as_json:
        click.echo(json.dumps([{"email": u.email, "full_name": u.full_name, "role": u.role,
                                "is_active": u.is_active} for u in rows], indent=2))
        return
    for u in rows:
        click.echo(f"{u.email:40} {u.role:9} {'active' if u.is_active else 'disabled':8} {u.full_name}")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(["viewer", "engineer", "admin", "service"]))
def user_set_role(email: str, role: str) -> None:
    """Change a user's role."""
    user = users.set_role(current_operator(), email, role)
    click.echo(f"{user.email} is now {user.role}")


@user_group.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable a user and end their sessions."""
    user = users.set_active(current_operator(), email, False)
    click.echo(f"{user.email} disabled")


@user_group.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Re-enable a disabled user."""
    user = users.set_active(current_operator(), email, True)
    click.echo(f"{user.email} enabled")


@user_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def user_reset_password(email: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once unless read from stdin)."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    generated = users.reset_password(current_operator(), email, password=password)
    click.echo(f"password reset for {email.strip().lower()}")
    if generated:
        click.echo(f"password: {generated}")


@main.group("apikey")
def apikey_group() -> None:
    """API keys (each acts with its user's role)."""


@apikey_group.command("create")
@click.option("--user", "email", required=True, help="The user the key acts as.")
@click.option("--name", default="", help="What the key is for, e.g. n8n.")
def apikey_create(email: str, name: str) -> None:
    """Create a key; it is printed once and stored hashed."""
    from services.identity import api_keys

    created = api_keys.create_key(current_operator(), email, name)
    click.echo(f"created key {created.record.key_prefix} for {created.record.user_email}")
    click.echo(f"key (shown once): {created.key}")


@apikey_group.command("revoke")
@click.argument("prefix")
def apikey_revoke(prefix: str) -> None:
    """Revoke a key by its prefix (or the whole key)."""
    from services.identity import api_keys

    revoked = api_keys.revoke_key(current_operator(), prefix)
    click.echo(f"revoked key {revoked.key_prefix} of {revoked.user_email}")


@apikey_group.command("list")
def apikey_list() -> None:
    """List keys (never their secrets)."""
    from services.identity import api_keys

    for key in api_keys.list_keys(current_operator()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.key_prefix}  {key.user_email:32} {key.name:20} {state}")


@main.command("sql")
@click.option("--as", "email", required=True, help="Run with this user's role.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.argument("sql_text")
def sql_command(email: str, fmt: str, sql_text: str) -> None:
    """Run SQL as a user, through the same service as the editor and the API."""
    from services.core.errors import NotFound
    from services.sql import output as sql_output

    user = users.find_by_email(email)
    if user is None or not user.is_active:
        raise NotFound(f"No active user with email {email.strip().lower()}.")
    result = query_execution.execute_all(user, sql_text, source="cli")
    rows = result.rows
    names = [c.name for c in result.columns]
    if not names:
        click.echo(result.status_message or "OK")
        return
    click.echo(sql_output.render(fmt, names, rows), nl=False)


@main.group("catalog")
def catalog_group() -> None:
    """The catalog of warehouse tables."""


@catalog_group.command("sync")
@click.option("--json", "as_json", is_flag=True)
def catalog_sync_command(as_json: bool) -> None:
    """Bring the catalog in line with the database (only changed rows are written)."""
    shown: dict[str, object] = {}

    def progress(message: str, fraction: float) -> None:
        """Each stage once, and the long embedding stage every tenth of the way."""
        stage, tenth = message.split(":")[0], int(fraction * 10)
        if not as_json and (stage, tenth) != (shown.get("stage"), shown.get("tenth")):
            shown.update(stage=stage, tenth=tenth)
            click.echo(f"  {message}", err=True)

    result = catalog_sync.sync(trigger="cli", actor_label=current_operator().email, progress=progress)
    if as_json:
        click.echo(json.dumps({**result.__dict__, "writes": result.writes}, default=str))
        return
    click.echo(f"{result.tables_total} tables: +{result.tables_added} ~{result.tables_updated} "
               f"-{result.tables_removed}; columns +{result.columns_added} ~{result.columns_updated} "
               f"-{result.columns_removed} in {result.seconds * 1000:.0f} ms")


@catalog_group.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def catalog_search_command(query: str, limit: int, as_json: bool) -> None:
    """Ranked tables and columns for QUERY (names first, then text, then meaning)."""
    from services.catalog import search as catalog_search

    hits = catalog_search.search(current_operator(), query, limit=limit)
    if as_json:
        click.echo(json.dumps([{"schema_name": h.schema_name, "table_name": h.table_name,
                                "column_name": h.column_name, "score": h.score} for h in hits], indent=2))
        return
    for h in hits:
        name = f"{h.schema_name}.{h.table_name}" + (f".{h.column_name}" if h.column_name else "")
        click.echo(f"{h.score:7.3f}  {h.match:8} {name}")


@main.group("lineage")
def lineage_group() -> None:
    """Column-level lineage."""


@lineage_group.command("extract")
@click.argument("file", type=click.File("r"))
@click.option("--dialect", default="postgres", show_default=True, help="SQL dialect of the file (sqlglot's names).")
@click.option("--json", "as_json", is_flag=True)
def lineage_extract(file, dialect: str, as_json: bool) -> None:
    """Tables FILE reads and writes, and the column edges between them ("-" reads standard input)."""
    from services.lineage.extract import extract_lineage

    result = extract_lineage(file.read(), dialect=dialect)
    edges = sorted(result.columns, key=lambda e: (e[2], e[3], e[0] or "", e[1]))
    if as_json:
        click.echo(json.dumps({
            "sources": sorted(result.sources), "targets": sorted(result.targets),
            "columns": [{"source_table": s, "source_column": c, "target_table": t, "target_column": tc}
                        for s, c, t, tc in edges]}, indent=2))
        return
    click.echo(f"sources: {', '.join(sorted(result.sources)) or '-'}")
    click.echo(f"targets: {', '.join(sorted(result.targets)) or '-'}")
    for source_table, source_column, target_table, target_column in edges:
        click.echo(f"  {source_table or '?'}.{source_column} -> {target_table}.{target_column}")


@lineage_group.command("impact")
@click.argument("name")
@click.option("--depth", default=10, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True)
def lineage_impact(name: str, depth: int, as_json: bool) -> None:
    """What depends on NAME (schema.table or schema.table.column): every downstream table and column."""
    from services.lineage import graph as lineage_graph

    parts = name.split(".")
    if len(parts) not in (2, 3):
        raise click.BadParameter("write schema.table or schema.table.column", param_hint="NAME")
    found = lineage_graph.impact(current_operator(), ".".join(parts[:2]), parts[2] if len(parts) == 3 else None,
                                 depth=depth)
    if as_json:
        click.echo(json.dumps({
            "start": found.start, "notice": found.notice or None,
            "tables": [{"table": i.table, "depth": i.depth, "path": list(i.path)} for i in found.tables],
            "columns": [{"table": i.table, "column": i.column, "depth": i.depth, "path": list(i.path)}
                        for i in found.columns]}, indent=2))
        return
    if found.notice:
        click.echo(found.notice, err=True)
    click.echo(f"{len(found.tables)} tables and {len(found.columns)} columns depend on {found.start}")
    for item in found.tables:
        click.echo(f"  [{item.depth}] {item.table}    via {' -> '.join(item.path)}")
    for item in found.columns:
        click.echo(f"  [{item.depth}] {item.table}.{item.column}    via {' -> '.join(item.path)}")


@lineage_group.command("add")
@click.argument("source")
@click.argument("target")
@click.option("--column", "columns", multiple=True, metavar="SOURCE_COLUMN:TARGET_COLUMN",
              help="A column edge; repeat for more.")
@click.option("--note", default="", help="Why the edge exists (kept with it).")
def lineage_add(source: str, target: str, columns: tuple[str, ...], note: str) -> None:
    """Add an edge SQL cannot show (SOURCE feeds TARGET, both schema.table); prints its key."""
    from services.lineage import store as lineage_store

    pairs = []
    for item in columns:
        left, sep, right = item.partition(":")
        if not sep or not left or not right:
            raise click.BadParameter(f"{item!r}: write SOURCE_COLUMN:TARGET_COLUMN", param_hint="--column")
        pairs.append((left.strip(), right.strip()))
    click.echo(lineage_store.add_manual_edge(current_operator(), source, target, columns=pairs, note=note))


@lineage_group.command("remove")
@click.argument("key")
def lineage_remove(key: str) -> None:
    """Remove an edge added by hand (KEY as printed by `lineage add`)."""
    from services.lineage import store as lineage_store

    lineage_store.remove_manual_edge(current_operator(), key)
    click.echo(f"removed {key}")


@main.group("genie")
def genie_group() -> None:
    """Questions in plain language (NL to SQL)."""


@genie_group.command("ask")
@click.argument("question")
@click.option("--as", "email", required=True, help="Ask as this user (their role applies).")
@click.option("--conversation", default=None, help="Continue this conversation (its id, from --json).")
@click.option("--json", "as_json", is_flag=True)
def genie_ask(question: str, email: str, conversation: str | None, as_json: bool) -> None:
    """Answer QUESTION with SQL run read-only as the user; prints the SQL, the rows and the attempts."""
    from services.core.errors import NotFound
    from services.genie.ask import ask
    from services.sql import output as sql_output

    user = users.find_by_email(email)
    if user is None or not user.is_active:
        raise NotFound(f"No active user with email {email.strip().lower()}.")
    answer = ask(user, question, conversation_id=conversation)
    if as_json:
        click.echo(json.dumps({
            "question": answer.question, "status": answer.status, "sql": answer.sql or None,
            "explanation": answer.explanation or None, "columns": answer.columns,
            "rows": [[sql_output.json_value(v) for v in row] for row in answer.rows],
            "attempts": [{"sql": a.sql, "error": a.error} for a in answer.attempts] + (
                [{"sql": answer.sql, "error": None}] if answer.status == "answered" else []),
            "message": answer.message or None, "conversation_id": answer.conversation_id}, indent=2, default=str))
        return
    for attempt in answer.attempts:
        click.echo(f"-- attempt failed: {attempt.error}\n{attempt.sql}\n", err=True)
    if answer.status != "answered":
        raise click.ClickException(answer.message or "No answer.")
    click.echo(answer.sql + "\n")
    click.echo(sql_output.render("table", answer.columns, answer.rows), nl=False)
    click.echo(f"\n{answer.explanation}")


@main.group("demo")
def demo_group() -> None:
    """The finance demo warehouse."""


@demo_group.command("load")
@click.option("--scale", default=1, show_default=True, type=int, help="Multiplies the 100,000 expenses.")
def demo_load(scale: int) -> None:
    """Generate the demo warehouse (replaces the demo tables)."""
    from services.demo import load as demo

    result = demo.load(scale, progress=lambda message: click.echo(f"  {message}"))
    for table, count in result.row_counts.items():
        click.echo(f"{table:40} {count:>12,}")
    click.echo(f"{result.total_rows:,} rows in {result.seconds:.1f} s "
               f"({result.total_rows / result.seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
