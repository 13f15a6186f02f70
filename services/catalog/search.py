"""Catalog search: exact and prefix name matches first, then full text, then meaning (embeddings in Qdrant).

Documents (one per table, one per column) and their embeddings live in ip_workbench.catalog_embeddings;
each process loads them into its own Qdrant collection (in memory, or the server named by
WORKBENCH_QDRANT_URL) and reloads when they change."""

from __future__ import annotations

import threading
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from services.core import db
from services.core.config import settings
from services.core.errors import InvalidInput
from services.identity.rbac import Permission, authorize
from services.llm import embeddings

COLLECTION = "workbench_catalog"
TEXT_CANDIDATES = 2000
TABLE_BONUS = 0.08  # a table's own document outranks one of its columns that matches about as well
_DOCUMENTS = """
SELECT t.schema_name || '.' || t.table_name, t.schema_name, t.table_name, NULL::text,
       t.schema_name || '.' || t.table_name || ': ' || coalesce(t.description, t.dbt_description, t.db_comment, '')
       || ' Columns: ' || coalesce((SELECT string_agg(m.column_name, ', ' ORDER BY m.ordinal_position)
                                     FROM ip_workbench.table_metadata m WHERE m.table_id = t.id), '')
FROM ip_workbench.tables t WHERE {only}
UNION ALL
SELECT t.schema_name || '.' || t.table_name || '.' || m.column_name, t.schema_name, t.table_name, m.column_name,
       m.column_name || ' (' || m.data_type || ') in ' || t.schema_name || '.' || t.table_name || ': '
       || coalesce(m.description, m.dbt_description, m.db_comment, '')
FROM ip_workbench.tables t JOIN ip_workbench.table_metadata m ON m.table_id = t.id WHERE {only}
"""


@dataclass(frozen=True)
class SearchHit:
    schema_name: str
    table_name: str
    column_name: str | None
    score: float
    match: str  # exact, prefix, text or meaning


def _bump_version(conn: psycopg.Connection) -> None:
    conn.execute("UPDATE ip_workbench.catalog_search_state SET version = version + 1")


def store_documents(conn: psycopg.Connection, table_ids: list[str] | None = None) -> int:
    """Write new and changed documents' text (embedding pending), drop gone ones; returns pending count.

    All in SQL inside the caller's transaction (a sync's or an edit's), so name and full-text search see
    the change at once and a large catalog never travels through Python. `table_ids` limits the work to
    those tables (an edit); None covers the whole catalog and drops documents of tables that are gone."""
    only = "t.id = ANY(%(ids)s::uuid[])" if table_ids is not None else "true"
    params = {"ids": table_ids, "model": embeddings.MODEL_ID}
    conn.execute("CREATE TEMPORARY TABLE catalog_documents ON COMMIT DROP AS SELECT d.*,"
                 " encode(sha256(convert_to(d.text, 'UTF8')), 'hex') AS text_hash"
                 f" FROM ({_DOCUMENTS.format(only=only)}) AS d (doc_key, schema_name, table_name, column_name, text)",
                 params)
    conn.execute("CREATE INDEX ON catalog_documents (doc_key)")
    conn.execute("ANALYZE catalog_documents")
    if table_ids is None:
        gone = conn.execute("DELETE FROM ip_workbench.catalog_embeddings e WHERE NOT EXISTS"
                            " (SELECT 1 FROM catalog_documents d WHERE d.doc_key = e.doc_key)").rowcount
    else:  # columns of these tables that are gone, and every table that is gone
        gone = conn.execute("DELETE FROM ip_workbench.catalog_embeddings e WHERE NOT EXISTS"
                            " (SELECT 1 FROM ip_workbench.tables t WHERE t.schema_name = e.schema_name"
                            " AND t.table_name = e.table_name)").rowcount
        gone += conn.execute(
            "DELETE FROM ip_workbench.catalog_embeddings e USING ip_workbench.tables t"
            " WHERE t.id = ANY(%(ids)s::uuid[]) AND e.schema_name = t.schema_name AND e.table_name = t.table_name"
            " AND NOT EXISTS (SELECT 1 FROM catalog_documents d WHERE d.doc_key = e.doc_key)", params).rowcount
    changed = conn.execute(
        "INSERT INTO ip_workbench.catalog_embeddings AS e (doc_key, schema_name, table_name, column_name, text,"
        " text_hash, model_id, embedding) SELECT doc_key, schema_name, table_name, column_name, text, text_hash,"
        " %(model)s, NULL FROM catalog_documents"
        " ON CONFLICT (doc_key) DO UPDATE SET text = EXCLUDED.text, text_hash = EXCLUDED.text_hash,"
        " model_id = EXCLUDED.model_id, embedding = NULL, updated_at = now()"
        " WHERE e.text_hash IS DISTINCT FROM EXCLUDED.text_hash OR e.model_id <> EXCLUDED.model_id",
        params).rowcount
    conn.execute("DROP TABLE catalog_documents")
    if gone or changed:
        _bump_version(conn)
    return conn.execute("SELECT count(*) FROM ip_workbench.catalog_embeddings WHERE embedding IS NULL"
                        ).fetchone()[0]


def refresh_table(conn: psycopg.Connection, table_id: str) -> None:
    """After an edit of one table's metadata: its documents, embedded at once (a handful of texts)."""
    store_documents(conn, [str(table_id)])
    rows = conn.execute("SELECT count(*) FROM ip_workbench.catalog_embeddings WHERE embedding IS NULL"
                        " AND (schema_name, table_name) = (SELECT schema_name, table_name FROM ip_workbench.tables"
                        " WHERE id = %s)", (table_id,)).fetchone()[0]
    if rows:
        embed_pending(conn, limit=rows)


def _embed_batch(conn: psycopg.Connection, size: int) -> int:
    """Embed up to `size` waiting documents, tables first; returns how many."""
    rows = conn.execute(
        "SELECT doc_key, text FROM ip_workbench.catalog_embeddings WHERE embedding IS NULL"
        " ORDER BY (column_name IS NOT NULL), doc_key LIMIT %s FOR UPDATE SKIP LOCKED", (size,)).fetchall()
    if rows:
        vectors = embeddings.embed([text for _key, text in rows])
        with conn.cursor() as cur:
            cur.executemany("UPDATE ip_workbench.catalog_embeddings SET embedding = %s, updated_at = now()"
                            " WHERE doc_key = %s", [(vectors[i].tolist(), key) for i, (key, _t) in enumerate(rows)])
        _bump_version(conn)
    return len(rows)


def embed_pending(conn: psycopg.Connection | None = None, *, batch: int = 256, limit: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Embed documents still waiting (tables before columns), at most `limit`; returns how many.

    With no connection each batch commits on its own, so a long run on a large catalog makes
    meaning search better step by step and never holds a sync's locks."""
    pending = "SELECT count(*) FROM ip_workbench.catalog_embeddings WHERE embedding IS NULL"
    if conn is not None:
        total = conn.execute(pending).fetchone()[0]
    else:
        with db.connection() as counting:
            total = counting.execute(pending).fetchone()[0]
    total = total if limit is None else min(total, limit)
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        if conn is not None:
            embedded = _embed_batch(conn, size)
        else:
            with db.connection() as own:
                embedded = _embed_batch(own, size)
        if not embedded:
            break
        done += embedded
        if progress:
            progress(done, max(total, done))
    return done


def refresh_index(conn: psycopg.Connection) -> int:
    """Store documents and embed them all inside the caller's transaction (demo load, small catalogs)."""
    store_documents(conn)
    return embed_pending(conn)


def index_status(conn: psycopg.Connection | None = None) -> dict[str, int]:
    """Documents in the index and how many still wait for their embedding."""
    query = "SELECT count(*), count(*) FILTER (WHERE embedding IS NULL) FROM ip_workbench.catalog_embeddings"
    if conn is not None:
        total, pending = conn.execute(query).fetchone()
    else:
        with db.connection() as own:
            total, pending = own.execute(query).fetchone()
    return {"documents": total, "pending": pending}


def _point_id(doc_key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "workbench-catalog:" + doc_key))


class _VectorIndex:
    """This process's Qdrant collection, brought up to date from Postgres when the stored embeddings change.

    Only rows changed since the last look are upserted; a removal (fewer rows than loaded) reloads all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client = None
        self._version: int | None = None
        self._watermark = None
        self._loaded: set[str] = set()

    def _client_for(self):
        from qdrant_client import QdrantClient

        if self._client is None:
            url = settings().qdrant_url
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # local mode warns about large collections; we accept brute force
                self._client = QdrantClient(url=url) if url else QdrantClient(location=":memory:")
        return self._client

    def _reset(self) -> None:
        from qdrant_client import models

        client = self._client_for()
        if client.collection_exists(COLLECTION):
            client.delete_collection(COLLECTION)
        client.create_collection(COLLECTION, vectors_config=models.VectorParams(
            size=embeddings.DIMENSIONS, distance=models.Distance.COSINE))
        self._watermark, self._loaded = None, set()

    def _catch_up(self, conn: psycopg.Connection) -> None:
        from qdrant_client import models

        version = conn.execute("SELECT version FROM ip_workbench.catalog_search_state").fetchone()[0]
        if version == self._version:
            return
        embedded = conn.execute("SELECT count(*) FROM ip_workbench.catalog_embeddings WHERE embedding IS NOT NULL"
                                ).fetchone()[0]
        if self._version is None:
            self._reset()
        client = self._client_for()
        if embedded < len(self._loaded):  # documents went away or wait for a new embedding
            present = {r[0] for r in conn.execute(
                "SELECT doc_key FROM ip_workbench.catalog_embeddings WHERE embedding IS NOT NULL")}
            gone = self._loaded - present
            client.delete(COLLECTION, points_selector=models.PointIdsList(points=[_point_id(k) for k in gone]))
            self._loaded -= gone
        rows = conn.execute(
            "SELECT doc_key, schema_name, table_name, column_name, embedding, updated_at"
            " FROM ip_workbench.catalog_embeddings WHERE embedding IS NOT NULL"
            " AND (%(since)s::timestamptz IS NULL OR updated_at >= %(since)s)",
            {"since": self._watermark}).fetchall()
        for start in range(0, len(rows), 2000):
            client.upsert(COLLECTION, [models.PointStruct(
                id=_point_id(r[0]), vector=list(r[4]),
                payload={"schema_name": r[1], "table_name": r[2], "column_name": r[3]})
                for r in rows[start:start + 2000]])
        self._loaded.update(r[0] for r in rows)
        if rows:
            self._watermark = max(r[5] for r in rows)
        # A row committed late with an older timestamp would be missed: look at everything next time.
        if embedded > len(self._loaded):
            self._watermark = None
        self._version = version

    def search(self, vector: list[float], limit: int) -> list[tuple[dict[str, Any], float]]:
        with self._lock:
            with db.connection() as conn:
                self._catch_up(conn)
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
        # Ranked among the first TEXT_CANDIDATES matches, so a word found in every column stays cheap.
        for schema, table, column, rank in conn.execute(
                "SELECT schema_name, table_name, column_name, ts_rank(text_search, query) FROM"
                " (SELECT e.schema_name, e.table_name, e.column_name, e.text_search, q.query"
                "  FROM ip_workbench.catalog_embeddings e, websearch_to_tsquery('english', %(q)s) AS q (query)"
                "  WHERE e.text_search @@ q.query LIMIT %(candidates)s) AS matched"
                " ORDER BY 4 DESC LIMIT 50", {"q": text, "candidates": TEXT_CANDIDATES}):
            # Text matches outrank meaning-only ones; among them, meaning and text rank decide together.
            keep(schema, table, column, 1.0 + closeness.get((schema, table, column), 0.0) * 0.9
                 + min(float(rank), 1.0) * 0.09 + (TABLE_BONUS if column is None else 0.0), "text")
    return sorted(hits.values(), key=lambda h: -h.score)[:limit]
