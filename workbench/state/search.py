"""The header's catalog search: suggestions as you type, Enter for the full results."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import reflex as rx

from services.catalog import search as catalog_search
from services.core.errors import WorkbenchError
from workbench.state.auth import acting_user

SUGGESTIONS = 8


def hit_row(hit: catalog_search.SearchHit) -> dict[str, str]:
    """What a search result shows: the table (and column) name, what matched, and where it leads."""
    table = f"{hit.schema_name}.{hit.table_name}"
    return {"label": table + (f".{hit.column_name}" if hit.column_name else ""), "table": table,
            "kind": "column" if hit.column_name else "table", "match": hit.match, "score": f"{hit.score:.2f}"}


class SearchState(rx.State):
    query: str = ""
    suggestions: list[dict[str, str]] = []
    message: str = ""

    async def suggest(self, text: str):
        """Suggestions for what has been typed so far (two characters or more)."""
        self.query = text
        if len(text.strip()) < 2:
            self.suggestions, self.message = [], ""
            return
        user, _ip = await acting_user(self)
        try:
            hits = await asyncio.to_thread(catalog_search.search, user, text, limit=SUGGESTIONS)
        except WorkbenchError as exc:
            self.suggestions, self.message = [], str(exc)
            return
        if text != self.query:  # a newer keystroke already asked
            return
        self.suggestions = [hit_row(h) for h in hits]
        self.message = "" if hits else "Nothing in the catalog matches."

    def hide(self):
        """Focus left the box: put the list away (the text stays)."""
        self.suggestions, self.message = [], ""

    def key(self, key: str):
        """Escape puts the list away."""
        if key == "Escape":
            self.hide()

    def clear(self):
        self.query, self.suggestions, self.message = "", [], ""

    def open_table(self, table: str):
        """A suggestion was picked: show that table in the catalog."""
        self.clear()
        return rx.redirect(f"/catalog?table={quote(table)}")

    def submit(self, form: dict):
        """Enter: every result on the catalog page."""
        text = str(form.get("q", self.query)).strip()
        self.suggestions = []
        if text:
            return rx.redirect(f"/catalog?q={quote(text)}")
