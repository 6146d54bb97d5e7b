"""Full-text index v2: titles weigh 10x the body, and every article is re-analysed.

The analyser now splits letters from digits (بـ20 -> 20) and the title weight moved from 3 to 10,
both chosen by bench/search_quality.py; stored index rows are rewritten so old and new articles
agree.

Revision ID: 0003
Revises: 0002
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bawaba.store import fulltext

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    for statement in fulltext.rank_statements(conn.dialect.name, fulltext.TITLE_WEIGHT):
        conn.execute(sa.text(statement))
    fulltext.reindex_all(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in fulltext.rank_statements(conn.dialect.name, 3.0):
        conn.execute(sa.text(statement))
