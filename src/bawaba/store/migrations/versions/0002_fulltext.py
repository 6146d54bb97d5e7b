"""Full-text index: an FTS5 table on SQLite, a tsvector side table with a GIN index on PostgreSQL.

Existing articles are indexed in the same migration, so a store upgraded from 0001 searches
everything it holds.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bawaba.store import fulltext

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    for statement in fulltext.create_statements(conn.dialect.name):
        conn.execute(sa.text(statement))
    fulltext.reindex_all(conn)


def downgrade() -> None:
    conn = op.get_bind()
    for statement in fulltext.drop_statements(conn.dialect.name):
        conn.execute(sa.text(statement))
