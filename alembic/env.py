"""Alembic environment: migrations are raw SQL, run against services.core.db's database."""

from sqlalchemy import create_engine, pool

from alembic import context
from services.core.db import sqlalchemy_url


def run_migrations_online() -> None:
    """Run migrations on a live connection (the only mode we support)."""
    connectable = context.config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(sqlalchemy_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported; run against a database.")
run_migrations_online()
