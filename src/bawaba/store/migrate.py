"""Alembic, driven from code: no alembic.ini on disk, the scripts ship inside the package.

Migrations run on a connection the caller already holds inside its write transaction, so on
PostgreSQL concurrent ``open_store`` calls serialise on an advisory lock and on SQLite on
``BEGIN IMMEDIATE``; the second opener finds the schema at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Arbitrary constant key of the PostgreSQL advisory lock held while migrating.
PG_MIGRATION_LOCK = 0x62617762  # "bawb"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the schema on ``connection`` (already in a transaction) to ``revision``."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
    if revision == "head" and current_revision(connection) == head_revision():
        return
    command.upgrade(alembic_config(connection), revision)
