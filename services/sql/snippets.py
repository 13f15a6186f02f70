"""Saved SQL snippets: a team library; everyone signed in reads them, owners (and admins) change them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.core import db, row_security
from services.core.errors import InvalidInput, NotFound, PermissionDenied
from services.identity.rbac import Permission, authorize

MAX_TAGS = 20
_COLUMNS = ("s.id::text, s.name, coalesce(s.description, ''), s.sql, coalesce(s.tags, '{}'), "
            "coalesce(u.email, ''), s.owner::text, s.created_at, coalesce(s.updated_at, s.created_at)")


@dataclass(frozen=True)
class Snippet:
    id: str
    name: str
    description: str
    sql: str
    tags: list[str]
    owner_email: str
    owner_id: str | None
    created_at: datetime
    updated_at: datetime


def _clean(name: str, sql_text: str, tags: list[str] | str | None) -> tuple[str, str, list[str]]:
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("A snippet needs a name of 1 to 200 characters.")
    if not (sql_text or "").strip():
        raise InvalidInput("A snippet needs some SQL.")
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned = sorted({t.strip().lower() for t in (tags or []) if t.strip()})
    if len(cleaned) > MAX_TAGS or any(len(t) > 50 for t in cleaned):
        raise InvalidInput(f"Use at most {MAX_TAGS} tags of up to 50 characters.")
    return name, sql_text, cleaned


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound("No such snippet.") from exc


def save(actor: Any, name: str, sql_text: str, *, description: str = "", tags: list[str] | str | None = None
         ) -> Snippet:
    """Save a new snippet owned by the actor (save_sql_snippets)."""
    authorize(actor, Permission.SAVE_SQL_SNIPPETS)
    name, sql_text, tags = _clean(name, sql_text, tags)
    with db.connection() as conn, row_security.acting_as(conn, actor):
        new_id = conn.execute(
            "INSERT INTO ip_workbench.sql_snippets (name, description, sql, owner, tags) VALUES (%s, %s, %s, %s, %s)"
            " RETURNING id", (name, description.strip(), sql_text, actor.id, tags)).fetchone()[0]
    return get(actor, str(new_id))


def get(actor: Any, snippet_id: str) -> Snippet:
    """One snippet (run_sql_queries: whoever may run SQL may read the library)."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    with db.connection() as conn:
        row = conn.execute(f"SELECT {_COLUMNS} FROM ip_workbench.sql_snippets s"
                           " LEFT JOIN ip_workbench.users u ON u.id = s.owner WHERE s.id = %s",
                           (_uuid(snippet_id),)).fetchone()
    if row is None:
        raise NotFound("No such snippet.")
    return Snippet(*row)


def search(actor: Any, text: str = "", *, limit: int = 200) -> list[Snippet]:
    """Snippets whose name, description or a tag matches `text`, newest change first."""
    authorize(actor, Permission.RUN_SQL_QUERIES)
    pattern = f"%{text.strip()}%"
    with db.connection() as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM ip_workbench.sql_snippets s LEFT JOIN ip_workbench.users u ON u.id = s.owner"
            " WHERE %(t)s = '' OR s.name ILIKE %(p)s OR s.description ILIKE %(p)s"
            "   OR EXISTS (SELECT 1 FROM unnest(s.tags) tag WHERE tag ILIKE %(p)s)"
            " ORDER BY coalesce(s.updated_at, s.created_at) DESC LIMIT %(l)s",
            {"t": text.strip(), "p": pattern, "l": limit}).fetchall()
    return [Snippet(*row) for row in rows]


def may_change(actor: Any, snippet: Snippet) -> bool:
    """The snippet's owner and admins may change or delete it."""
    return snippet.owner_id == getattr(actor, "id", None) or getattr(actor, "role", "") == "admin"


def _require_owner(actor: Any, snippet: Snippet) -> None:
    if not may_change(actor, snippet):
        raise PermissionDenied("Only the snippet's owner or an admin may change it.")


def update(actor: Any, snippet_id: str, name: str, sql_text: str, *, description: str = "",
           tags: list[str] | str | None = None) -> Snippet:
    """Edit your own snippet (admins: any)."""
    authorize(actor, Permission.SAVE_SQL_SNIPPETS)
    snippet = get(actor, snippet_id)
    _require_owner(actor, snippet)
    name, sql_text, tags = _clean(name, sql_text, tags)
    with db.connection() as conn:
        row_security.change_as(conn, actor, f"snippet {snippet.name!r}",
                               "UPDATE ip_workbench.sql_snippets SET name = %s, description = %s, sql = %s, tags = %s,"
                               " updated_at = now() WHERE id = %s",
                               (name, description.strip(), sql_text, tags, snippet.id))
    return get(actor, snippet_id)


def delete(actor: Any, snippet_id: str) -> None:
    """Delete your own snippet (admins: any)."""
    authorize(actor, Permission.SAVE_SQL_SNIPPETS)
    snippet = get(actor, snippet_id)
    _require_owner(actor, snippet)
    with db.connection() as conn:
        row_security.change_as(conn, actor, f"snippet {snippet.name!r}",
                               "DELETE FROM ip_workbench.sql_snippets WHERE id = %s", (snippet.id,))
