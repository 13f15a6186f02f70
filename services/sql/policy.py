"""Parse, then allow: what a user statement is, decided by PostgreSQL's own parser (libpg_query via
pglast), and whether the actor may run it.

Viewers run queries (SELECT, VALUES, TABLE, WITH without writes), EXPLAIN of those and SHOW of a few
harmless settings. Engineers, admins and service accounts may also change data and tables (DML and DDL)
in the warehouse. Everything else — transaction control, SET of managed settings, DO, COPY, LOCK,
PREPARE/EXECUTE, LISTEN/NOTIFY, ALTER ROLE/SYSTEM, functions, extensions, grants — is refused with a
reason naming the statement, and so are calls to functions on the deny list and reads of Workbench's
own schema or other sessions' activity.

This is the first line. The real boundary is the database: the query roles' privileges, the functions
revoked from them (`services/sql/roles.py`) and the per-connection resets (`services/sql/execution.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pglast.parser import ParseError, parse_sql_json

from services.core.errors import PermissionDenied, QueryFailed

# Statements every role may run, and those that change data or tables (engineers, admins, service).
_READS = {"SelectStmt", "ExplainStmt", "VariableShowStmt"}
_WRITES = {
    "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt", "CreateStmt", "CreateTableAsStmt", "ViewStmt",
    "IndexStmt", "AlterTableStmt", "DropStmt", "TruncateStmt", "CommentStmt", "RenameStmt", "CreateSeqStmt",
    "AlterSeqStmt", "RefreshMatViewStmt", "VacuumStmt", "CreateEnumStmt", "CompositeTypeStmt",
    "AlterObjectSchemaStmt", "CreateStatsStmt", "ReindexStmt",
}
# Plain names for the refusals people are most likely to meet.
_NAMES = {
    "TransactionStmt": "Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT)",
    "VariableSetStmt": "SET and RESET",
    "DoStmt": "DO blocks",
    "CopyStmt": "COPY (use Export for results)",
    "LockStmt": "LOCK",
    "PrepareStmt": "PREPARE",
    "ExecuteStmt": "EXECUTE",
    "DeallocateStmt": "DEALLOCATE",
    "ListenStmt": "LISTEN",
    "NotifyStmt": "NOTIFY",
    "UnlistenStmt": "UNLISTEN",
    "AlterRoleStmt": "ALTER ROLE",
    "AlterRoleSetStmt": "ALTER ROLE … SET",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreateRoleStmt": "CREATE ROLE",
    "DropRoleStmt": "DROP ROLE",
    "GrantStmt": "GRANT and REVOKE",
    "GrantRoleStmt": "GRANT and REVOKE of roles",
    "AlterDefaultPrivilegesStmt": "ALTER DEFAULT PRIVILEGES",
    "CreateFunctionStmt": "CREATE FUNCTION and PROCEDURE",
    "CallStmt": "CALL",
    "CreateExtensionStmt": "CREATE EXTENSION",
    "DeclareCursorStmt": "DECLARE CURSOR",
    "FetchStmt": "FETCH",
    "ClosePortalStmt": "CLOSE",
    "DiscardStmt": "DISCARD",
    "LoadStmt": "LOAD",
    "CheckPointStmt": "CHECKPOINT",
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "CreateSchemaStmt": "CREATE SCHEMA",
    "CreateTrigStmt": "CREATE TRIGGER",
    "CreateEventTrigStmt": "CREATE EVENT TRIGGER",
    "RuleStmt": "CREATE RULE",
    "VariableShowStmt": "SHOW",
}
# SET is refused; SHOW is allowed for these (nothing about other sessions, the server's files or limits).
SHOWABLE = frozenset({"timezone", "datestyle", "intervalstyle", "server_version", "server_version_num",
                      "client_encoding", "server_encoding", "lc_monetary", "lc_numeric", "lc_time",
                      "standard_conforming_strings", "extra_float_digits", "transaction_read_only",
                      "transaction_isolation", "statement_timeout", "search_path", "max_identifier_length"})
# Functions no user statement may call, with the reason.
_SESSION = "Session and server controls are managed by Workbench"
DENIED_FUNCTIONS: dict[str, str] = {
    **{name: f"{_SESSION}: advisory locks would outlive your query" for name in (
        "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock", "pg_try_advisory_lock_shared",
        "pg_advisory_unlock", "pg_advisory_unlock_shared", "pg_advisory_unlock_all",
        "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock",
        "pg_try_advisory_xact_lock_shared")},
    **{name: f"{_SESSION}: other sessions cannot be signalled or watched" for name in (
        "pg_cancel_backend", "pg_terminate_backend", "pg_stat_get_activity", "pg_stat_get_backend_activity",
        "pg_stat_get_backend_pid", "pg_stat_get_backend_userid", "pg_stat_get_backend_idset",
        "pg_stat_get_backend_client_addr", "pg_stat_get_backend_activity_start", "pg_signal_backend",
        "pg_reload_conf", "pg_rotate_logfile", "pg_log_backend_memory_contexts", "pg_notify")},
    **{name: "Large objects are not available to user SQL" for name in (
        "lo_import", "lo_export", "lo_from_bytea", "lo_create", "lo_creat", "lo_unlink", "lo_open", "lo_close",
        "lo_put", "lo_get", "lo_truncate", "lo_truncate64", "lo_lseek", "lo_lseek64", "lo_tell", "lo_tell64",
        "loread", "lowrite")},
    **{name: "Reading or writing the server's files is not allowed" for name in (
        "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir",
        "pg_ls_tmpdir", "pg_ls_archive_statusdir", "pg_current_logfile")},
    "set_config": f"{_SESSION}: set_config() is not allowed",
    **{name: "Queries built from text at run time are not allowed" for name in (
        "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml",
        "cursor_to_xmlschema")},
    **{name: "Extensions and cross-database links are not allowed" for name in (
        "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u", "dblink_send_query", "dblink_open")},
}
# Relations user SQL may not read: other sessions' activity and statements, and the server's files.
DENIED_RELATIONS: dict[str, str] = {
    **{name: f"{_SESSION}: other sessions cannot be signalled or watched" for name in (
        "pg_stat_activity", "pg_stat_statements", "pg_stat_replication", "pg_stat_wal_receiver",
        "pg_stat_subscription", "pg_stat_gssapi", "pg_stat_ssl", "pg_stat_progress_copy")},
    **{name: "Reading or writing the server's files is not allowed" for name in (
        "pg_file_settings", "pg_hba_file_rules", "pg_ident_file_mappings", "pg_largeobject",
        "pg_largeobject_metadata")},
}
PROTECTED_SCHEMA = "ip_workbench"


@dataclass(frozen=True)
class Classified:
    """What one statement is: its parse-tree kind, whether it writes and whether it returns rows."""

    kind: str
    writes: bool
    returns_rows: bool


Node = tuple[str, dict[str, Any]]  # ("SelectStmt", its fields), as libpg_query's JSON parse tree has it


def _nodes(value: Any, stop: Callable[[str, dict[str, Any]], bool] | None = None) -> Iterator[Node]:
    """Every node in a JSON parse tree, depth first; `stop` may end the descent below a node."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if len(item) == 1:
                (key, fields), = item.items()
                if key[:1].isupper() and isinstance(fields, dict):
                    yield key, fields
                    if stop is None or not stop(key, fields):
                        stack.extend(fields.values())
                    continue
            if "relname" in item:  # a field typed RangeVar is written without its node name
                yield "RangeVar", item
            stack.extend(item.values())


def _names(parts: list | None) -> list[str]:
    return [part.get("String", {}).get("sval", "") for part in (parts or ())]


def _temporary() -> PermissionDenied:
    return PermissionDenied("Temporary tables are not available to user SQL; create the table in a warehouse"
                            " schema, or use a WITH query.")


def _check_references(tree: Node) -> None:
    """Functions on the deny list, Workbench's schema, other sessions' activity, temporary tables: refused
    wherever they appear."""
    for kind, fields in _nodes(dict([tree])):
        if kind == "FuncCall":
            name = (_names(fields.get("funcname")) or [""])[-1].lower()
            if name in DENIED_FUNCTIONS:
                raise PermissionDenied(f"{DENIED_FUNCTIONS[name]} ({name}).")
        elif kind == "RangeVar":
            schema, relation = fields.get("schemaname", "").lower(), fields.get("relname", "").lower()
            if schema == PROTECTED_SCHEMA:
                raise PermissionDenied("ip_workbench holds Workbench's own metadata and cannot be queried.")
            if relation in DENIED_RELATIONS and schema in ("", "pg_catalog"):
                raise PermissionDenied(f"{DENIED_RELATIONS[relation]} ({relation}).")
            if fields.get("relpersistence") == "t":
                raise _temporary()
        elif kind == "DefElem" and fields.get("defname", "").lower() == "security" and fields.get("arg"):
            raise PermissionDenied("SECURITY DEFINER functions are not allowed.")


def _plans_only(kind: str, fields: dict[str, Any]) -> bool:
    """EXPLAIN without ANALYZE only plans: nothing under it runs."""
    return kind == "ExplainStmt" and not any(
        option.get("DefElem", {}).get("defname", "").lower() == "analyze" for option in fields.get("options", ()))


def _writes(tree: Node) -> bool:
    """True when the statement changes data or tables (data-modifying CTEs and SELECT INTO included)."""
    for kind, fields in _nodes(dict([tree]), stop=_plans_only):
        if kind in _WRITES or (kind == "SelectStmt" and fields.get("intoClause")):
            return True
    return False


def _returns_rows(tree: Node) -> bool:
    kind, fields = tree
    if kind == "SelectStmt":
        return not fields.get("intoClause")
    if kind in ("ExplainStmt", "VariableShowStmt"):
        return True
    returning = fields.get("returningClause") or {}
    return bool(returning.get("exprs") or fields.get("returningList"))


def classify(text: str, *, may_write: bool, offset: int = 0) -> Classified:
    """Parse one statement and decide whether it may run; raises QueryFailed (syntax, with the position in
    the whole script via `offset`) or PermissionDenied (a plain reason naming the statement)."""
    try:
        parsed = json.loads(parse_sql_json(text)).get("stmts", [])
    except ParseError as exc:
        message, position = (exc.args + (None, None))[:2]
        position = position if isinstance(position, int) else None
        raise QueryFailed(f"Syntax error: {message}", sqlstate="42601",
                          position=offset + position if position is not None else None) from exc
    if len(parsed) != 1:
        raise QueryFailed("Send one statement at a time here.", sqlstate="42601")
    (kind, fields), = parsed[0]["stmt"].items()
    tree = (kind, fields)
    if kind == "VariableShowStmt":
        if fields.get("name", "").lower() not in SHOWABLE:
            raise PermissionDenied(f"SHOW {fields.get('name', '')} is not available; these settings are: "
                                   f"{', '.join(sorted(SHOWABLE))}.")
    elif kind == "ExplainStmt":
        inner = next(iter(fields.get("query", {})), "")
        if inner not in _READS and inner not in _WRITES:
            raise PermissionDenied(f"EXPLAIN of {_NAMES.get(inner, inner)} is not allowed.")
    elif kind not in _READS and kind not in _WRITES:
        what = _NAMES.get(kind, kind.removesuffix("Stmt"))
        raise PermissionDenied(f"{what} is not allowed in user SQL: Workbench manages transactions, sessions"
                               " and roles.")
    _check_references(tree)
    writes = _writes(tree)
    if writes and not may_write:
        raise QueryFailed(f"Viewers run queries read-only: {_label(kind)} changes data or tables.",
                          sqlstate="25006", position=offset)
    return Classified(kind=kind, writes=writes, returns_rows=_returns_rows(tree))


_LABELS = {
    "SelectStmt": "this query", "ExplainStmt": "EXPLAIN ANALYZE of a write", "CreateStmt": "CREATE TABLE",
    "CreateTableAsStmt": "CREATE TABLE … AS", "ViewStmt": "CREATE VIEW", "IndexStmt": "CREATE INDEX",
    "AlterTableStmt": "ALTER TABLE", "CreateSeqStmt": "CREATE SEQUENCE", "AlterSeqStmt": "ALTER SEQUENCE",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW", "CommentStmt": "COMMENT", "RenameStmt": "ALTER … RENAME",
}


def _label(kind: str) -> str:
    """The SQL words a person would use for a statement kind."""
    return _LABELS.get(kind, kind.removesuffix("Stmt").upper())


def describe(kind: str) -> str:
    """A statement kind in a person's words (DELETE, CREATE TABLE …), for messages of other domains."""
    return _label(kind)
