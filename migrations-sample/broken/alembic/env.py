"""Alembic environment: the database comes from DATABASE_URL (never from alembic.ini)."""
import os
import sys
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

url = os.environ.get("DATABASE_URL")
if not url:
    sys.exit("DATABASE_URL is not set: export DATABASE_URL=postgresql://user:password@host:5432/dbname")
# SQLAlchemy 1.4 wants an explicit driver; accept libpq-style URLs too.
for prefix in ("postgresql://", "postgres://"):
    if url.startswith(prefix):
        url = "postgresql+psycopg2://" + url[len(prefix):]

target_metadata = None


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: render SQL without a database."""
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
