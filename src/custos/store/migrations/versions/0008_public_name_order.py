"""the public's name order: each registry view keeps its name where it is public, indexed

A public reader's list is ordered by the name where it may see it; ordering by an expression
over each row's visibility made SQLite sort every row. The upgrade replays the views, which
fills the new column.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Each registry view and the columns its lists are filtered by.
_FILTERS = {
    "organisations": ("country",),
    "models": ("provider_id", "country", "accessibility"),
    "deployments": ("deployer_id", "model_id", "country", "sector"),
}


def upgrade() -> None:
    for table, filters in _FILTERS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("public_name_key", sa.String(length=255), nullable=False, server_default="")
            )
            batch_op.create_index(f"ix_{table}_public_listing", ["public_name_key", "id"], unique=False)
            for column in filters:
                batch_op.create_index(
                    f"ix_{table}_{column}_public_listing", [column, "public_name_key", "id"], unique=False
                )


def downgrade() -> None:
    for table, filters in _FILTERS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in filters:
                batch_op.drop_index(f"ix_{table}_{column}_public_listing")
            batch_op.drop_index(f"ix_{table}_public_listing")
            batch_op.drop_column("public_name_key")
