"""Split a SQL script into statements, respecting Postgres quoting and comments, keeping offsets."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


@dataclass(frozen=True)
class Statement:
    text: str
    offset: int  # 0-based position of text[0] in the whole script


def _skip_block_comment(sql: str, i: int) -> int:
    depth, i = 1, i + 2
    while i < len(sql) and depth:
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return i


def _skip_quoted(sql: str, i: int, quote: str, backslash_escapes: bool) -> int:
    i += 1
    while i < len(sql):
        ch = sql[i]
        if backslash_escapes and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if sql.startswith(quote * 2, i):
                i += 2
                continue
            return i + 1
        i += 1
    return i


def _has_code(text: str) -> bool:
    """False when text holds only white space and comments."""
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif text.startswith("/*", i):
            i = _skip_block_comment(text, i)
        else:
            return True
    return False


def split_statements(sql: str) -> list[Statement]:
    """Statements in order; empty ones (only ';', white space or comments) are dropped."""
    statements: list[Statement] = []
    start = i = 0
    while i < len(sql):
        ch = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end + 1
        elif sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
        elif ch == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            i = _skip_quoted(sql, i, "'", backslash_escapes=escaped)
        elif ch == '"':
            i = _skip_quoted(sql, i, '"', backslash_escapes=False)
        elif ch == "$" and (match := _DOLLAR_TAG.match(sql, i)) and not (i > 0 and (sql[i - 1].isalnum()
                                                                                    or sql[i - 1] == "_")):
            tag = match.group(0)
            end = sql.find(tag, match.end())
            i = len(sql) if end < 0 else end + len(tag)
        elif ch == ";":
            _add(statements, sql, start, i)
            start = i = i + 1
        else:
            i += 1
    _add(statements, sql, start, len(sql))
    return statements


def _add(statements: list[Statement], sql: str, start: int, end: int) -> None:
    chunk = sql[start:end]
    if not _has_code(chunk):
        return
    leading = len(chunk) - len(chunk.lstrip())
    statements.append(Statement(text=chunk.strip(), offset=start + leading))
