"""The database schema: the log (entries, tiles, checkpoints), the filings behind it, and views.

Log tables and ``filings`` are the record; view tables are projections that replay can drop
and rebuild; ``api_tokens`` holds credentials, which are operational state and never logged.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ledger_meta = Table(
    "ledger_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: One row (id = 1): the tree size. Writers lock it to sequence appends.
ledger_state = Table(
    "ledger_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
)

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)

ledger_tiles = Table(
    "ledger_tiles",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("size", BigInteger, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ledger_cosignatures = Table(
    "ledger_cosignatures",
    metadata,
    Column("checkpoint_seq", Integer, ForeignKey("ledger_checkpoints.seq"), primary_key=True),
    Column("witness", String(255), primary_key=True),
    Column("line", Text, nullable=False),
)

filings = Table(
    "filings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("idx", BigInteger, ForeignKey("ledger_entries.idx"), nullable=False, unique=True),
    Column("kind", String(64), nullable=False),
    Column("organisation", String(32), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("document", Text, nullable=False),
)
Index("ix_filings_subject", filings.c.subject)
Index("ix_filings_organisation", filings.c.organisation)

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("jurisdiction", String(16), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

actors = Table(
    "actors",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("role", String(32), nullable=False),
    Column("organisation_id", String(32), ForeignKey("organisations.id"), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("actor_id", String(32), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

#: Projections, in the order replay clears them (children before parents).
VIEW_TABLES = (actors, organisations)
