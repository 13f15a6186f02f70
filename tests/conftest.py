"""Test session: a fresh embedded Postgres cluster under a temporary WORKBENCH_HOME, migrated once."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

# Must be set before services.core.config is first read.
_HOME = Path(tempfile.mkdtemp(prefix="wbtest-"))
os.environ["WORKBENCH_HOME"] = str(_HOME)
os.environ.pop("WORKBENCH_DATABASE_URL", None)
os.environ.setdefault("WORKBENCH_ADMIN_EMAIL", "admin@workbench.local")

from services.core import db, migrations  # noqa: E402
from services.identity import users  # noqa: E402
from services.identity.operator import current_operator  # noqa: E402
from services.sql import execution as query_execution  # noqa: E402
from services.sql import roles as query_roles  # noqa: E402

EXTERNAL_SERVER = os.environ.get("WORKBENCH_TEST_EXTERNAL_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def external_database():
    """An empty database of its own on the machine's PostgreSQL (as a Supabase user would point us at
    theirs); dropped afterwards."""
    name = f"wb_external_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(EXTERNAL_SERVER, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = EXTERNAL_SERVER.rsplit("/", 1)[0] + "/" + name
    yield url
    with psycopg.connect(EXTERNAL_SERVER, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def workbench_home() -> Path:
    return _HOME


@pytest.fixture(scope="session")
def migrated() -> None:
    """The schema at head (the migration test takes the database through base and back first)."""
    migrations.upgrade("head")
    query_roles.prepare()


@pytest.fixture(scope="session")
def demo_warehouse(migrated) -> None:
    """The demo warehouse, loaded once per session when missing."""
    from services.demo import load as demo

    if demo.warehouse_is_empty():
        demo.load(1)


@pytest.fixture(scope="session")
def dbt_shop(demo_warehouse):
    """tests/data/dbt_shop built by a pipeline's dbt node (tests/dbt_shop.py), once per session."""
    from tests import dbt_shop as shop

    return shop.build()


@pytest.fixture
def operator():
    return current_operator()


@pytest.fixture
def make_user(migrated, operator):
    """Create users with unique emails; returns (user, password)."""

    def _make(role: str = "viewer", password: str = "correct-horse-battery", name: str = ""):
        email = f"{role}-{uuid.uuid4().hex[:10]}@example.com"
        created = users.create_user(operator, email, role, full_name=name or f"Test {role.title()}",
                                    password=password)
        return created.user, password

    return _make


def pytest_sessionfinish(session, exitstatus):
    from services.llm import local_server

    local_server.stop()  # the test home's shared model server, whichever test or child process started it
    query_execution.close_pools()
    db.close_pool()
    if os.environ.get("WORKBENCH_KEEP_TEST_HOME") != "1":
        shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def local_model():
    """The real local model behind the gateway: prepared (once, cached) and its server started on demand."""
    from services.llm import local_model as model_files
    from services.llm import local_server

    model_files.prepare()
    for name in ("WORKBENCH_LLM_MODEL", "WORKBENCH_LLM_FALLBACKS", "WORKBENCH_LOCAL_LLM_BASE"):
        os.environ.pop(name, None)
    base = local_server.api_base_on_demand()
    assert base, "the local model is not prepared"
    yield base
    local_server.stop()
