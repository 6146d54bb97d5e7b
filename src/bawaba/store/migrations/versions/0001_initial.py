"""Initial schema: sources, feeds, fetch log, articles, stories, counters.

Written out in full (not imported from ``schema.py``) so this revision stays what it was
when later revisions change the schema.

Revision ID: 0001
Revises:
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("homepage", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False, server_default="ar"),
        sa.Column("section_map", JSONT, nullable=False),
        sa.Column("default_category", sa.String(64)),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("slug", name="uq_sources_slug"),
    )
    op.create_table(
        "feeds",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.Text()),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("body_hash", sa.String(128)),
        sa.Column("last_fetch_at", _ts()),
        sa.Column("last_success_at", _ts()),
        sa.Column("error_streak", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("poll_interval_s", sa.Integer(), nullable=False, server_default="3600"),
        sa.Column("next_poll_at", _ts()),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.PrimaryKeyConstraint("id", name="pk_feeds"),
        sa.UniqueConstraint("url", name="uq_feeds_url"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_feeds_source_id_sources", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_feeds_source_id", "feeds", ["source_id"])
    op.create_index("ix_feeds_next_poll_at", "feeds", ["next_poll_at"])

    op.create_table(
        "fetch_log",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("elapsed_ms", sa.Float(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("error_kind", sa.String(64)),
        sa.Column("source_id", ID),
        sa.Column("feed_id", ID),
        sa.Column("fetched_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fetch_log"),
    )
    op.create_index("ix_fetch_log_source_id", "fetch_log", ["source_id"])
    op.create_index("ix_fetch_log_fetched_at", "fetch_log", ["fetched_at"])

    op.create_table(
        "articles",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("author", sa.Text()),
        sa.Column("published_at", _ts()),
        sa.Column("first_seen", _ts(), nullable=False),
        sa.Column("sort_at", _ts(), nullable=False),
        sa.Column("lead_image", sa.Text()),
        sa.Column("images", JSONT, nullable=False),
        sa.Column("section", sa.Text()),
        sa.Column("tags", JSONT, nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("content_hash", sa.String(128), nullable=False),
        sa.Column("category", sa.String(64)),
        sa.Column("category_confidence", sa.Float()),
        sa.Column("region", sa.String(64)),
        sa.Column("story_id", ID),
        sa.Column("duplicate_of", ID),
        sa.Column("revision", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.UniqueConstraint("canonical_url", name="uq_articles_canonical_url"),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_articles_source_id_sources"),
        sa.ForeignKeyConstraint(
            ["duplicate_of"], ["articles.id"], name="fk_articles_duplicate_of_articles", ondelete="SET NULL"
        ),
    )
    op.create_index("ix_articles_url", "articles", ["url"])
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_index("ix_articles_content_hash", "articles", ["content_hash"])
    op.create_index("ix_articles_category", "articles", ["category"])
    op.create_index("ix_articles_story_id", "articles", ["story_id"])
    op.create_index("ix_articles_duplicate_of", "articles", ["duplicate_of"])
    op.create_index("ix_articles_sort_at_id", "articles", ["sort_at", "id"])
    op.create_index("ix_articles_category_sort_at", "articles", ["category", "sort_at"])
    op.create_index("ix_articles_source_id_sort_at", "articles", ["source_id", "sort_at"])
    op.create_index("ix_articles_first_seen", "articles", ["first_seen"])

    op.create_table(
        "stories",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("first_seen", _ts(), nullable=False),
        sa.Column("last_seen", _ts(), nullable=False),
        sa.Column("source_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("article_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("representative_id", ID),
        sa.Column("category", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_stories"),
    )
    op.create_index("ix_stories_last_seen", "stories", ["last_seen"])

    counters = op.create_table(
        "counters",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.bulk_insert(counters, [{"name": "content", "value": 0}])


def downgrade() -> None:
    for table in ("counters", "stories", "articles", "fetch_log", "feeds", "sources"):
        op.drop_table(table)
