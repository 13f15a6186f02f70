"""Favorite tables: each user's own, shown first in the catalog."""

from __future__ import annotations

from typing import Any

from services.catalog import tables as catalog
from services.core import db
from services.core.errors import InvalidInput
from services.identity.rbac import Permission, authorize


def _user_id(actor: Any) -> str:
    user_id = getattr(actor, "id", None)
    if not user_id:
        raise InvalidInput("Favorites belong to a signed-in user; the server operator has none.")
    return str(user_id)


def set_favorite(actor: Any, qualified: str, favorite: bool) -> bool:
    """Star or unstar a table for the actor (view_catalog); returns the new state."""
    authorize(actor, Permission.VIEW_CATALOG)
    user_id = _user_id(actor)
    table = catalog.get_table(actor, qualified)
    with db.connection() as conn:
        if favorite:
            conn.execute("INSERT INTO ip_workbench.catalog_favorites (user_id, table_id) VALUES (%s, %s)"
                         " ON CONFLICT DO NOTHING", (user_id, table.id))
        else:
            conn.execute("DELETE FROM ip_workbench.catalog_favorites WHERE user_id = %s AND table_id = %s",
                         (user_id, table.id))
    return favorite


def favorites(actor: Any) -> list[str]:
    """The actor's favorite tables as schema.table, newest first."""
    authorize(actor, Permission.VIEW_CATALOG)
    user_id = _user_id(actor)
    with db.connection() as conn:
        rows = conn.execute("SELECT t.schema_name || '.' || t.table_name FROM ip_workbench.catalog_favorites f"
                            " JOIN ip_workbench.tables t ON t.id = f.table_id WHERE f.user_id = %s"
                            " ORDER BY f.created_at DESC", (user_id,)).fetchall()
    return [row[0] for row in rows]
