"""federation: peers, notices flagged and received, witnessed heads, delivery and refusals

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "federation_peers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("origin", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("log_key", sa.Text, nullable=False),
        sa.Column("witness_key", sa.Text, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("flag", sa.Text, nullable=True),
        sa.Column("recognised_at", _MOMENT, nullable=False),
        sa.Column("filing_id", sa.String(32), nullable=False),
    )
    op.create_table(
        "federation_outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("peer_id", sa.String(32), nullable=False),
        sa.Column("filing_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("flagged_at", _MOMENT, nullable=False),
        sa.Column("acknowledged_at", _MOMENT, nullable=True),
        sa.Column("received_as", sa.String(64), nullable=True),
    )
    op.create_index("ix_federation_outbox_peer_id", "federation_outbox", ["peer_id"])
    op.create_index("ix_federation_outbox_pending", "federation_outbox", ["peer_id", "acknowledged_at"])
    op.create_table(
        "federation_inbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("peer_id", sa.String(32), nullable=False),
        sa.Column("origin", sa.String(255), nullable=False),
        sa.Column("notice_id", sa.String(64), nullable=False),
        sa.Column("filing_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("received_at", _MOMENT, nullable=False),
    )
    op.create_index("ix_federation_inbox_peer_id", "federation_inbox", ["peer_id"])
    op.create_index("ix_federation_inbox_notice", "federation_inbox", ["origin", "notice_id"], unique=True)
    op.create_index("ix_federation_inbox_filing", "federation_inbox", ["origin", "filing_id"], unique=True)
    op.create_table(
        "federation_heads",
        sa.Column("origin", sa.String(255), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("cosigned_at", _MOMENT, nullable=False),
    )
    op.create_table(
        "federation_links",
        sa.Column("peer_id", sa.String(32), primary_key=True),
        sa.Column("cosigned_size", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cosigned_at", _MOMENT, nullable=True),
        sa.Column("last_sent_at", _MOMENT, nullable=True),
        sa.Column("last_received_at", _MOMENT, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("last_attempt_at", _MOMENT, nullable=True),
    )
    op.create_table(
        "federation_delivery",
        sa.Column("notice_id", sa.String(32), primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _MOMENT, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_table(
        "federation_refusals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", _MOMENT, nullable=False),
        sa.Column("origin", sa.String(255), nullable=True),
        sa.Column("peer_id", sa.String(32), nullable=True),
        sa.Column("notice_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_federation_refusals_at", "federation_refusals", ["at"])


def downgrade() -> None:
    for table in (
        "federation_refusals",
        "federation_delivery",
        "federation_links",
        "federation_heads",
        "federation_inbox",
        "federation_outbox",
        "federation_peers",
    ):
        op.drop_table(table)
