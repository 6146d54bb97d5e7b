"""Region listings: an index on (region, sort_at), as category listings have.

The portal's region pages and feeds (`/region/{slug}`) and the API's ``region`` filter list the
newest articles of one region; without the index that is a scan of every article.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_articles_region_sort_at", "articles", ["region", "sort_at"])


def downgrade() -> None:
    op.drop_index("ix_articles_region_sort_at", table_name="articles")
