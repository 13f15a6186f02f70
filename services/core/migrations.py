"""Run Alembic migrations programmatically (CLI, app start-up, tests)."""

from __future__ import annotations

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, pool

from alembic import command
from services.core.config import PROJECT_ROOT
from services.core.db import sqlalchemy_url


def alembic_config() -> Config:
    """Alembic config pointing at the project's migration scripts."""
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    return cfg


def upgrade(revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest)."""
    command.upgrade(alembic_config(), revision)


def downgrade(revision: str = "base") -> None:
    """Roll the database back to `revision` (default: nothing)."""
    command.downgrade(alembic_config(), revision)


def current_revision() -> str | None:
    """The revision the database is at, or None before the first migration."""
    engine = create_engine(sqlalchemy_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
