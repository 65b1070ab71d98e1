"""obligations by subject and status: a subject's open obligations read from one index

After every filing the policy engine reads the open obligations of the subjects it changed. With
an index on the subject alone beside one on (status, due date), SQLite chose the latter and read
every open obligation of the registry; an index on (subject, status) answers from the subject's
own rows. It replaces the index on the subject, its prefix.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_subject")
        batch_op.create_index("ix_obligations_subject_status", ["subject_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_subject_status")
        batch_op.create_index("ix_obligations_subject", ["subject_id"], unique=False)
