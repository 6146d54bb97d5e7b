"""The relational schema as SQLAlchemy Core tables, shared by SQLite and PostgreSQL.

This is the schema the code queries; ``migrations/`` creates it. A contract test compares the
two so they cannot drift apart. Times are stored as UTC (``timestamptz`` on PostgreSQL, naive
UTC text on SQLite) through :class:`UtcDateTime`, so callers always get aware datetimes back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: JSON on SQLite, JSONB on PostgreSQL.
JsonType = JSON().with_variant(JSONB(), "postgresql")
#: 64-bit ids on PostgreSQL; SQLite needs plain INTEGER for rowid aliasing (autoincrement).
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, whatever the backend keeps.

    SQLite has no time zones: a naive value is stored and read back, so binding converts to
    UTC first and reading re-attaches UTC. Naive inputs are taken to be UTC already.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


sources = Table(
    "sources",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("homepage", Text, nullable=False),
    Column("language", String(16), nullable=False, server_default="ar"),
    Column("section_map", JsonType, nullable=False),
    Column("default_category", String(64)),
    Column("home_region", String(16)),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("created_at", UtcDateTime, nullable=False),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source_id", IdType, ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("url", Text, nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("title", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("body_hash", String(128)),
    Column("last_fetch_at", UtcDateTime),
    Column("last_success_at", UtcDateTime),
    Column("error_streak", Integer, nullable=False, server_default="0"),
    Column("last_error", Text),
    Column("poll_interval_s", Integer, nullable=False, server_default="3600"),
    Column("next_poll_at", UtcDateTime, index=True),
    Column("enabled", Boolean, nullable=False, server_default=true()),
)

fetch_log = Table(
    "fetch_log",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", Integer, nullable=False),
    Column("elapsed_ms", Float, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("error", Text),
    Column("error_kind", String(64)),
    Column("source_id", IdType, index=True),
    Column("feed_id", IdType),
    Column("fetched_at", UtcDateTime, nullable=False, index=True),
)

articles = Table(
    "articles",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, index=True),
    Column("canonical_url", Text, nullable=False, unique=True),
    Column("source_id", IdType, ForeignKey("sources.id"), nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("author", Text),
    Column("published_at", UtcDateTime),
    Column("first_seen", UtcDateTime, nullable=False),
    #: coalesce(published_at, first_seen), kept by the store: the listing sort key
    Column("sort_at", UtcDateTime, nullable=False),
    Column("lead_image", Text),
    Column("images", JsonType, nullable=False),
    Column("section", Text),
    Column("tags", JsonType, nullable=False),
    Column("language", String(16)),
    Column("content_hash", String(128), nullable=False, index=True),
    Column("category", String(64), index=True),
    Column("category_confidence", Float),
    Column("region", String(64)),
    Column("story_id", IdType, index=True),
    Column("duplicate_of", IdType, ForeignKey("articles.id", ondelete="SET NULL"), index=True),
    #: 1 on insert, +1 on every update: tells an upsert's insert from its update
    Column("revision", Integer, nullable=False, server_default="1"),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_articles_sort_at_id", "sort_at", "id"),
    Index("ix_articles_category_sort_at", "category", "sort_at"),
    Index("ix_articles_region_sort_at", "region", "sort_at"),
    Index("ix_articles_source_id_sort_at", "source_id", "sort_at"),
    Index("ix_articles_first_seen", "first_seen"),
)

stories = Table(
    "stories",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("first_seen", UtcDateTime, nullable=False),
    Column("last_seen", UtcDateTime, nullable=False, index=True),
    Column("source_count", Integer, nullable=False, server_default="0"),
    Column("article_count", Integer, nullable=False, server_default="0"),
    Column("representative_id", IdType),
    Column("category", String(64)),
)

#: Named counters; ``content`` is bumped by every write the portal can see (change_token).
counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
