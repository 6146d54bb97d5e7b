"""Sources get a home region: where an article that names no place is filed.

Until now every such article fell back to the portal's home (egypt), which is wrong for a Gulf
paper's or an international service's articles. NULL keeps that default.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("home_region", sa.String(16)))


def downgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("home_region")
