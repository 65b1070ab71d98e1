"""the public's filter values: each registry view keeps each filtered value where it is public

A public reader's filtered list tested every matching row's visibility text, so its count read
every such row. Each filtered column now has a ``public_<column>`` twin holding the value where
the public may see it (null otherwise), indexed with the public name order, so the filter, the
order and the count read one index; the training compute, likewise, where it is public. The
upgrade replays the views, which fills the new columns.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: Each registry view, and its filtered columns with their types.
_FILTERS = {
    "organisations": {"country": 2},
    "models": {"provider_id": 32, "country": 2, "accessibility": 32},
    "deployments": {"deployer_id": 32, "model_id": 32, "country": 2, "sector": 32},
}


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_training_flop", sa.Float(), nullable=True))
        batch_op.create_index("ix_models_public_training_flop", ["public_training_flop"], unique=False)
    for table, filters in _FILTERS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, length in filters.items():
                batch_op.drop_index(f"ix_{table}_{column}_public_listing")
                batch_op.add_column(sa.Column(f"public_{column}", sa.String(length=length), nullable=True))
                batch_op.create_index(
                    f"ix_{table}_public_{column}_listing",
                    [f"public_{column}", "public_name_key", "id"],
                    unique=False,
                )


def downgrade() -> None:
    for table, filters in _FILTERS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in filters:
                batch_op.drop_index(f"ix_{table}_public_{column}_listing")
                batch_op.drop_column(f"public_{column}")
                batch_op.create_index(
                    f"ix_{table}_{column}_public_listing", [column, "public_name_key", "id"], unique=False
                )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index("ix_models_public_training_flop")
        batch_op.drop_column("public_training_flop")
