"""record the derived work an installation runs after filings

Installations created before the record existed ran the policy engine after every filing of
another package, so that is what they record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_META = sa.table("ledger_meta", sa.column("key", sa.String), sa.column("value", sa.String))
_RECORDED = '{"policy.re_evaluate": "*"}'


def upgrade() -> None:
    conn = op.get_bind()
    keys = {row[0] for row in conn.execute(sa.select(_META.c.key))}
    if "origin" in keys and "derived_work" not in keys:
        conn.execute(sa.insert(_META).values(key="derived_work", value=_RECORDED))


def downgrade() -> None:
    op.get_bind().execute(sa.delete(_META).where(_META.c.key == "derived_work"))
