"""Catalog search: exact and prefix name matches first, then full text, then meaning (embeddings in Qdrant).

Documents (one per table, one per column) and their embeddings live in ip_workbench.catalog_embeddings;
each process loads them into its own Qdrant collection (in memory, or the server named by
WORKBENCH_QDRANT_URL) and reloads when they change."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any

import psycopg

from services import db, embeddings
from services.errors import InvalidInput
from services.rbac import Permission, authorize

COLLECTION = "workbench_catalog"
TABLE_BONUS = 0.08  # a table's own document outranks one of its columns that matches about as well
_DOCUMENTS = """
SELECT t.schema_name || '.' || t.table_name, t.schema_name, t.table_name, NULL::text,
       t.schema_name || '.' || t.table_name || ': ' || coalesce(t.description, t.db_comment, '')
       || ' Columns: ' || coalesce((SELECT string_agg(m.column_name, ', ' ORDER BY m.ordinal_position)
                                     FROM ip_workbench.table_metadata m WHERE m.table_id = t.id), '')
FROM ip_workbench.tables t
UNION ALL
SELECT t.schema_name || '.' || t.table_name || '.' || m.column_name, t.schema_name, t.table_name, m.column_name,
       m.column_name || ' (' || m.data_type || ') in ' || t.schema_name || '.' || t.table_name || ': '
       || coalesce(m.description, m.db_comment, '')
FROM ip_workbench.tables t JOIN ip_workbench.table_metadata m ON m.table_id = t.id
"""


@dataclass(frozen=True)
class SearchHit:
    schema_name: str
    table_name: str
    column_name: str | None
    score: float
    match: str  # exact, prefix, text or meaning


def refresh_index(conn: psycopg.Connection) -> int:
    """Embed new and changed documents, drop gone ones (inside the caller's transaction); returns embeds."""
    docs = conn.execute(_DOCUMENTS).fetchall()
    stored = dict(conn.execute("SELECT doc_key, text_hash FROM ip_workbench.catalog_embeddings").fetchall())
    wanted = {key: (schema, table, column, text, hashlib.sha1(text.encode()).hexdigest())
              for key, schema, table, column, text in docs}
    gone = [key for key in stored if key not in wanted]
    if gone:
        conn.execute("DELETE FROM ip_workbench.catalog_embeddings WHERE doc_key = ANY(%s)", (gone,))
    changed = [key for key, doc in wanted.items() if stored.get(key) != doc[4]]
    for start in range(0, len(changed), 512):
        keys = changed[start:start + 512]
        vectors = embeddings.embed([wanted[k][3] for k in keys])
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO ip_workbench.catalog_embeddings (doc_key, schema_name, table_name, column_name, text,"
                " text_hash, model_id, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (doc_key) DO UPDATE SET text = EXCLUDED.text, text_hash = EXCLUDED.text_hash,"
                " model_id = EXCLUDED.model_id, embedding = EXCLUDED.embedding, updated_at = now()",
                [(k, *wanted[k][:4], wanted[k][4], embeddings.MODEL_ID, vectors[i].tolist())
                 for i, k in enumerate(keys)])
    return len(changed)


class _VectorIndex:
    """This process's Qdrant collection, reloaded from Postgres when the stored embeddings change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client = None
        self._version: tuple | None = None

    def _client_for(self):
        from qdrant_client import QdrantClient

        if self._client is None:
            url = os.environ.get("WORKBENCH_QDRANT_URL")
            self._client = QdrantClient(url=url) if url else QdrantClient(location=":memory:")
        return self._client

    def search(self, vector: list[float], limit: int) -> list[tuple[dict[str, Any], float]]:
        from qdrant_client import models

        with self._lock:
            with db.connection() as conn:
                version = conn.execute("SELECT count(*), max(updated_at) FROM ip_workbench.catalog_embeddings"
                                       ).fetchone()
                if version != self._version:
                    rows = conn.execute("SELECT doc_key, schema_name, table_name, column_name, embedding"
                                        " FROM ip_workbench.catalog_embeddings").fetchall()
                    client = self._client_for()
                    if client.collection_exists(COLLECTION):
                        client.delete_collection(COLLECTION)
                    client.create_collection(COLLECTION, vectors_config=models.VectorParams(
                        size=embeddings.DIMENSIONS, distance=models.Distance.COSINE))
                    if rows:
                        client.upload_points(COLLECTION, [models.PointStruct(
                            id=i, vector=list(r[4]), payload={"schema_name": r[1], "table_name": r[2],
                                                              "column_name": r[3]}) for i, r in enumerate(rows)])
                    self._version = version
            found = self._client_for().query_points(COLLECTION, query=vector, limit=limit).points
        return [(p.payload, float(p.score)) for p in found]


_index = _VectorIndex()


def search(actor: Any, query: str, *, limit: int = 10) -> list[SearchHit]:
    """Ranked matches for `query` over table and column names and descriptions (view_catalog)."""
    authorize(actor, Permission.VIEW_CATALOG)
    text = (query or "").strip()
    if not text:
        raise InvalidInput("Type something to search for.")
    if len(text) > 500:
        raise InvalidInput("Search text is limited to 500 characters.")
    limit = max(1, min(limit, 100))
    hits: dict[tuple, SearchHit] = {}

    def keep(schema: str, table: str, column: str | None, score: float, match: str) -> None:
        key = (schema, table, column)
        if key not in hits or hits[key].score < score:
            hits[key] = SearchHit(schema, table, column, round(score, 4), match)

    lowered = text.lower()
    # Meaning first: the cosine of each close document also orders the text matches below.
    closeness: dict[tuple, float] = {}
    for payload, score in _index.search(embeddings.embed([text])[0].tolist(), limit=max(limit, 50)):
        key = (payload["schema_name"], payload["table_name"], payload["column_name"])
        closeness[key] = score
        keep(*key, score + (TABLE_BONUS if key[2] is None else 0.0), "meaning")
    with db.connection() as conn:
        for schema, table, column, exact in conn.execute(
                "SELECT schema_name, table_name, column_name,"
                " lower(coalesce(column_name, table_name)) = %(q)s OR lower(schema_name || '.' || table_name"
                "   || coalesce('.' || column_name, '')) = %(q)s"
                " FROM ip_workbench.catalog_embeddings"
                " WHERE lower(coalesce(column_name, table_name)) LIKE %(p)s"
                "    OR lower(schema_name || '.' || table_name || coalesce('.' || column_name, '')) LIKE %(p)s"
                " LIMIT 200", {"q": lowered, "p": lowered.replace("%", r"\%").replace("_", r"\_") + "%"}):
            keep(schema, table, column, (3.0 if exact else 2.0) + (0.1 if column is None else 0), "exact"
                 if exact else "prefix")
        for schema, table, column, rank in conn.execute(
                "SELECT schema_name, table_name, column_name,"
                " ts_rank(to_tsvector('english', text), websearch_to_tsquery('english', %(q)s))"
                " FROM ip_workbench.catalog_embeddings"
                " WHERE to_tsvector('english', text) @@ websearch_to_tsquery('english', %(q)s)"
                " ORDER BY 4 DESC LIMIT 50", {"q": text}):
            # Text matches outrank meaning-only ones; among them, meaning and text rank decide together.
            keep(schema, table, column, 1.0 + closeness.get((schema, table, column), 0.0) * 0.9
                 + min(float(rank), 1.0) * 0.09 + (TABLE_BONUS if column is None else 0.0), "text")
    return sorted(hits.values(), key=lambda h: -h.score)[:limit]
