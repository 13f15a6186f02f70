"""Statements user SQL may not run, refused before they reach the database with a clear reason.

The real barrier is the query roles' privileges (services/query_roles.py); this guard turns the usual
escape attempts into plain messages and audit entries instead of confusing database errors."""

from __future__ import annotations

import re

_PROTECTED_SETTINGS = ("role", "session authorization", "statement_timeout", "idle_in_transaction_session_timeout",
                       "transaction_read_only", "default_transaction_read_only", "search_path",
                       "session_replication_role", "lock_timeout")
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(set|reset)\s+(session\s+|local\s+)?(role|session\s+authorization)\b"),
     "Changing the database role is not allowed: your queries always run with your Workbench role's rights."),
    (re.compile(r"^reset\s+all\b"), "RESET ALL is not allowed: Workbench sets the session limits."),
    (re.compile(r"^set\s+(session\s+|local\s+)?(transaction|session\s+characteristics)\b.*\bread\s+write\b"),
     "Switching a read-only transaction to read-write is not allowed."),
    (re.compile(r"^(set|reset)\s+(session\s+|local\s+)?(" + "|".join(
        s.replace(" ", r"\s+") for s in _PROTECTED_SETTINGS[2:]) + r")\b"),
     "This setting is managed by Workbench (timeouts, read-only mode and the schema search path)."),
    (re.compile(r"\bset_config\s*\("), "set_config() is not allowed: Workbench manages session settings."),
    (re.compile(r"\bip_workbench\b"), "ip_workbench holds Workbench's own metadata and cannot be queried."),
    (re.compile(r"\b(pg_read_file|pg_read_binary_file|pg_ls_dir|pg_stat_file|lo_import|lo_export)\s*\("),
     "Reading or writing the server's files is not allowed."),
    (re.compile(r"^copy\b.*\b(to|from)\s+program\b"), "COPY ... PROGRAM is not allowed."),
    (re.compile(r"^copy\b.*\b(to|from)\s+'"), "COPY to or from server files is not allowed; use Export instead."),
    (re.compile(r"\bdblink\w*\s*\(|^create\s+extension\b"), "Extensions and cross-database links are not allowed."),
    (re.compile(r"\bsecurity\s+definer\b"), "SECURITY DEFINER functions are not allowed."),
)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"'(?:[^']|'')*'")


def _normalized(statement: str) -> str:
    text = _COMMENT.sub(" ", statement)
    return re.sub(r"\s+", " ", text).strip().lower()


def refusal(statement: str) -> str | None:
    """Why `statement` may not run, or None when it may."""
    text = _normalized(statement)
    without_strings = _STRING.sub("''", text)
    for pattern, reason in _RULES:
        target = text if pattern.pattern.startswith("^copy") else without_strings
        if pattern.search(target):
            return reason
    return None
