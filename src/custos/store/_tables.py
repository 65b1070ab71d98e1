"""The database schema: the log (entries, tiles, checkpoints), the filings behind it, and views.

Log tables and ``filings`` are the record; view tables are projections that replay can drop
and rebuild; ``api_tokens`` holds credentials, which are operational state and never logged.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)
from sqlalchemy import false as sa_false

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
    Column("jurisdiction", String(16), nullable=True),
    Column("filing_id", String(32), nullable=False),
    Column("name_key", String(255), nullable=False, server_default=""),
    Column("public_name_key", String(255), nullable=False, server_default=""),
    Column("country", String(2), nullable=True),
    Column("public_country", String(2), nullable=True),
    Column("content", Text, nullable=False, server_default="{}"),
    Column("visibility", Text, nullable=False, server_default="{}"),
)

organisation_kinds = Table(
    "organisation_kinds",
    metadata,
    Column("organisation_id", String(32), ForeignKey("organisations.id"), primary_key=True),
    Column("kind", String(32), primary_key=True),
)
Index("ix_organisation_kinds_kind", organisation_kinds.c.kind)


def listing_indexes(table: Table, *filters: str) -> None:
    """Indexes that serve a list in name order, alone or after an equality filter, without sorting:
    (name_key, id), and (filter, name_key, id) for each filter column; and the same for the
    public, over ``public_name_key`` (the name where it is public, else empty) after each
    ``public_<filter>`` column (the value where it is public, else null), so a public filtered
    list and its count read the index alone."""
    Index(f"ix_{table.name}_listing", table.c.name_key, table.c.id)
    Index(f"ix_{table.name}_public_listing", table.c.public_name_key, table.c.id)
    for column in filters:
        Index(f"ix_{table.name}_{column}_listing", table.c[column], table.c.name_key, table.c.id)
        Index(
            f"ix_{table.name}_public_{column}_listing",
            table.c[f"public_{column}"],
            table.c.public_name_key,
            table.c.id,
        )


listing_indexes(organisations, "country")

#: Registry views share a shape: columns to filter and sort on, the filing's content as JSON,
#: and the visibility of each content field, so reads can redact per viewer.
models = Table(
    "models",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False),
    Column("public_name_key", String(255), nullable=False, server_default=""),
    Column("version", String(64), nullable=True),
    Column("provider_id", String(32), ForeignKey("organisations.id"), nullable=False),
    Column("country", String(2), nullable=True),
    Column("accessibility", String(32), nullable=False),
    Column("public_provider_id", String(32), nullable=True),
    Column("public_country", String(2), nullable=True),
    Column("public_accessibility", String(32), nullable=True),
    Column("public_interest", Boolean, nullable=False),
    Column("public_interest_grounds", Text, nullable=True),
    Column("release_date", Date, nullable=True),
    Column("base_model_id", String(32), nullable=True, index=True),
    Column("training_flop", Float, nullable=True, index=True),
    Column("compute_public", Boolean, nullable=False, server_default=sa_false()),
    Column("public_training_flop", Float, nullable=True, index=True),
    Column("completeness", Float, nullable=True),
    Column("filing_id", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
)

passports = Table(
    "passports",
    metadata,
    Column("filing_id", String(32), primary_key=True),
    Column("model_id", String(32), ForeignKey("models.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("completeness", Float, nullable=False),
    Column("missing", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
)
Index("ix_passports_model_version", passports.c.model_id, passports.c.version, unique=True)
listing_indexes(models, "provider_id", "country", "accessibility")

deployments = Table(
    "deployments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("name_key", String(255), nullable=False),
    Column("public_name_key", String(255), nullable=False, server_default=""),
    Column("deployer_id", String(32), ForeignKey("organisations.id"), nullable=False),
    Column("model_id", String(32), ForeignKey("models.id"), nullable=False),
    Column("country", String(2), nullable=True),
    Column("sector", String(32), nullable=False),
    Column("public_deployer_id", String(32), nullable=True),
    Column("public_model_id", String(32), nullable=True),
    Column("public_country", String(2), nullable=True),
    Column("public_sector", String(32), nullable=True),
    Column("decision_critical", Boolean, nullable=False),
    Column("start_date", Date, nullable=True),
    Column("hosting_provider_id", String(32), nullable=True, index=True),
    Column("filing_id", String(32), nullable=False),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
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
    Column("actor_id", String(32), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    # Written at most once a minute per token and process (see ``custos.access.service``).
    Column("last_used_at", DateTime(timezone=True), nullable=True),
)

listing_indexes(deployments, "deployer_id", "model_id", "country", "sector")

policy_packs = Table(
    "policy_packs",
    metadata,
    Column("pack", String(64), primary_key=True),
    Column("version", String(32), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("title", String(255), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("filing_id", String(32), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

obligations = Table(
    "obligations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("key", String(200), nullable=False),
    Column("pack", String(64), nullable=False),
    Column("subject_id", String(32), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=True),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("record", Text, nullable=False),
    Column("closed", Text, nullable=True),
    Column("filing_id", String(32), nullable=False),
)
# By subject, then status: the engine reads a subject's open obligations after every filing, and
# an index on status alone would have it scan every open obligation of the registry.
Index("ix_obligations_subject_status", obligations.c.subject_id, obligations.c.status)
Index("ix_obligations_due", obligations.c.status, obligations.c.due_at)
Index("ix_obligations_owner", obligations.c.owner_id, obligations.c.status)
Index("ix_obligations_pack", obligations.c.pack, obligations.c.status)

licences = Table(
    "licences",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("applicant_id", String(32), nullable=False, index=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("scope", Text, nullable=False),
    Column("conditions", Text, nullable=False, server_default="[]"),
    Column("term_months", Integer, nullable=False),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("reason", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

rollouts = Table(
    "rollouts",
    metadata,
    Column("licence_id", String(32), primary_key=True),
    Column("plan", Text, nullable=False),
    Column("stage", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("moved_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=True),
    Column("filing_id", String(32), nullable=False),
)

recognitions = Table(
    "recognitions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("recognising", String(16), nullable=False),
    Column("recognised", String(16), nullable=False),
    Column("terms", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

accreditations = Table(
    "accreditations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("keys", Text, nullable=False),
    Column("scopes", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("accredited_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=True),
    Column("filing_id", String(32), nullable=False),
)

engagements = Table(
    "engagements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False),
    Column("auditor_id", String(32), nullable=False, index=True),
    Column("scope", String(64), nullable=False),
    Column("finding_id", String(32), nullable=True),
    Column("engaged_at", DateTime(timezone=True), nullable=False),
    Column("attestation_id", String(32), nullable=True),
)

attestations = Table(
    "attestations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False),
    Column("auditor_id", String(32), nullable=False, index=True),
    Column("accreditation_id", String(32), nullable=False),
    Column("engagement_id", String(32), nullable=False),
    Column("scope", String(64), nullable=False),
    Column("standard", String(255), nullable=False),
    Column("opinion", String(16), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("finding_id", String(32), nullable=True),
    Column("envelope_sha256", String(64), nullable=False, unique=True),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

findings = Table(
    "findings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_id", String(64), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False, index=True),
    Column("jurisdiction", String(16), nullable=False),
    Column("severity", String(16), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("clock_from", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("summary", Text, nullable=True),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
    Column("escalations", Text, nullable=False, server_default="[]"),
    Column("filing_id", String(32), nullable=False),
)

# Federation. Peers, the notices flagged for them and those received from them are views; how
# far each peer has witnessed this log, how far this installation has witnessed each peer's,
# delivery attempts and refused notices are operational state, never logged.
federation_peers = Table(
    "federation_peers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("origin", String(255), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("log_key", Text, nullable=False),
    Column("witness_key", Text, nullable=False),
    Column("scope", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flag", Text, nullable=True),
    Column("recognised_at", DateTime(timezone=True), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

federation_outbox = Table(
    "federation_outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("peer_id", String(32), nullable=False, index=True),
    Column("filing_id", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("flagged_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("received_as", String(64), nullable=True),
    Index("ix_federation_outbox_pending", "peer_id", "acknowledged_at"),
)

federation_inbox = Table(
    "federation_inbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("peer_id", String(32), nullable=False, index=True),
    Column("origin", String(255), nullable=False),
    Column("notice_id", String(64), nullable=False),
    Column("filing_id", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Index("ix_federation_inbox_notice", "origin", "notice_id", unique=True),
    Index("ix_federation_inbox_filing", "origin", "filing_id", unique=True),
)

federation_heads = Table(
    "federation_heads",
    metadata,
    Column("origin", String(255), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("cosigned_at", DateTime(timezone=True), nullable=False),
)

federation_links = Table(
    "federation_links",
    metadata,
    Column("peer_id", String(32), primary_key=True),
    Column("cosigned_size", BigInteger, nullable=False, server_default="0"),
    Column("cosigned_at", DateTime(timezone=True), nullable=True),
    Column("last_sent_at", DateTime(timezone=True), nullable=True),
    Column("last_received_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("last_attempt_at", DateTime(timezone=True), nullable=True),
)

federation_delivery = Table(
    "federation_delivery",
    metadata,
    Column("notice_id", String(32), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
)

federation_refusals = Table(
    "federation_refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("origin", String(255), nullable=True),
    Column("peer_id", String(32), nullable=True),
    Column("notice_id", String(64), nullable=True),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("subject_id", String(32), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False, index=True),
    Column("jurisdiction", String(16), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("public_summary", Text, nullable=True),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
)

# Who an incident concerns: the providers of its models and the deployers of its deployments.
incident_parties = Table(
    "incident_parties",
    metadata,
    Column("incident_id", String(32), ForeignKey("incidents.id"), primary_key=True),
    Column("organisation_id", String(32), primary_key=True, index=True),
)

# The models and deployments an incident names: each one's rollouts an open serious incident holds.
incident_subjects = Table(
    "incident_subjects",
    metadata,
    Column("incident_id", String(32), ForeignKey("incidents.id"), primary_key=True),
    Column("subject_id", String(32), primary_key=True, index=True),
)

# The reports and disclosures that follow an incident's initial report.
incident_reports = Table(
    "incident_reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("incident_id", String(32), nullable=False, index=True),
    Column("kind", String(64), nullable=False),
    Column("owner_id", String(32), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
    Column("content", Text, nullable=False),
    Column("visibility", Text, nullable=False),
)

escrow_custodians = Table(
    "escrow_custodians",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("recipient", String(80), nullable=False),
    Column("keys", Text, nullable=False),
    Column("confirm_every_days", Integer, nullable=False),
    Column("valid_from", String(10), nullable=False),
    Column("valid_until", String(10), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("appointed_at", DateTime(timezone=True), nullable=False),
    Column("filing_id", String(32), nullable=False),
)

escrow_deposits = Table(
    "escrow_deposits",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False),
    Column("passport_version", Integer, nullable=False),
    Column("components", Integer, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("chunk_root", String(64), nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("custodians", Integer, nullable=False),
    Column("deposited_at", DateTime(timezone=True), nullable=False),
    Column("audited_at", DateTime(timezone=True), nullable=True),
    Column("audit_passed", Boolean, nullable=True),
    Column("audit_id", String(32), nullable=True),
    Column("opened_at", DateTime(timezone=True), nullable=True),
)

escrow_holders = Table(
    "escrow_holders",
    metadata,
    Column("deposit_id", String(32), primary_key=True),
    Column("appointment_id", String(32), primary_key=True),
    Column("commitment", String(64), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("missed", Integer, nullable=False),
    Index("ix_escrow_holders_appointment", "appointment_id"),
)

escrow_releases = Table(
    "escrow_releases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("deposit_id", String(32), nullable=False, index=True),
    Column("model_id", String(32), nullable=False),
    Column("grounds", String(32), nullable=False),
    Column("statement", Text, nullable=False),
    Column("recipient", String(80), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
)

escrow_approvals = Table(
    "escrow_approvals",
    metadata,
    Column("release_id", String(32), primary_key=True),
    Column("appointment_id", String(32), primary_key=True),
    Column("filing_id", String(32), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=False),
)

provenance_commitments = Table(
    "provenance_commitments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False),
    Column("dataset", String(300), nullable=False),
    Column("root", String(64), nullable=False),
    Column("record_count", BigInteger, nullable=False),
    Column("committed_at", DateTime(timezone=True), nullable=False),
)

provenance_samples = Table(
    "provenance_samples",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("commitment_id", String(32), nullable=False, index=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False),
    Column("auditor_id", String(32), nullable=True, index=True),
    Column("checkpoint_size", BigInteger, nullable=False),
    Column("sample_size", Integer, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("revealed_id", String(32), nullable=True),
    Column("audit_id", String(32), nullable=True),
    Column("outcome", String(8), nullable=True),
    Column("valid_until", Date, nullable=True),
)

provenance_runs = Table(
    "provenance_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("owner_id", String(32), nullable=False, index=True),
    Column("vendor_id", String(32), nullable=True),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date, nullable=False),
    Column("chip_hours", Float, nullable=False),
    Column("declared_at", DateTime(timezone=True), nullable=False),
)

provenance_statements = Table(
    "provenance_statements",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("vendor_id", String(32), nullable=False, index=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("chip_hours", Float, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

provenance_reconciliations = Table(
    "provenance_reconciliations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("vendor_id", String(32), nullable=False, index=True),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("status", String(32), nullable=False),
    Column("relative_gap", Float, nullable=True),
    Column("tolerance", Float, nullable=False),
    Column("reconciled_at", DateTime(timezone=True), nullable=False),
)

provenance_releases = Table(
    "provenance_releases",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("statistic", String(32), nullable=True),
    Column("epsilon", Float, nullable=False),
    Column("delta", Float, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

market_assessments = Table(
    "market_assessments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
)

#: Each provider's shares in the latest dependency assessment: what the packs read as facts.
market_dependency_shares = Table(
    "market_dependency_shares",
    metadata,
    Column("organisation_id", String(32), primary_key=True),
    Column("assessment_id", String(32), nullable=False),
    Column("deployment_share", Float, nullable=False),
    Column("institution_share", Float, nullable=False),
    Column("exposure_share", Float, nullable=False),
    Column("linchpin", Boolean, nullable=False),
)

merger_reviews = Table(
    "merger_reviews",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("acquirer_id", String(32), nullable=False, index=True),
    Column("target_id", String(32), nullable=False, index=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
)

merger_remedies = Table(
    "merger_remedies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("review_id", String(32), nullable=False, index=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("remedy", String(20), nullable=False),
    Column("imposed_at", DateTime(timezone=True), nullable=False),
    Column("answered_by", String(32), nullable=True),
)

fallback_plans = Table(
    "fallback_plans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("plan", String(20), nullable=False),
    Column("tested_on", Date, nullable=True),
    Column("valid_until", Date, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

public_interest_designations = Table(
    "public_interest_designations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_id", String(32), nullable=False, index=True),
    Column("public_interest", Boolean, nullable=False),
    Column("grounds", Text, nullable=False),
    Column("designated_at", DateTime(timezone=True), nullable=False),
)

#: Every liability-pool filing with what finds it: its kind, owner and what it refers to (the
#: call a payment settles, the claim an assessment decides, the incident a claim or payout is
#: about, the subrogation a recovery is under). Amounts stay in the filings, where the fund's
#: balance is summed from.
pool_filings = Table(
    "pool_filings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(64), nullable=False, index=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("reference", String(64), nullable=False, index=True),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

buffer_declarations = Table(
    "buffer_declarations",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("organisation_id", String(32), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    # Exact decimals as text: SQLite has no exact numeric type.
    Column("amount", String(40), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("verdict", String(12), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

buffer_policies = Table(
    "buffer_policies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("insured_id", String(32), nullable=False, index=True),
    Column("insurer_id", String(32), nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("limit_amount", String(40), nullable=False),
    Column("attachment_point", String(40), nullable=False),
    Column("term_start", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("verdict", String(12), nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

#: Continuous monitoring's time series: operational data, like API tokens (kept out of the log
#: and out of replay). A series is a deployment's figure (the figure's small integer, as
#: ``custos.registry.telemetry`` numbers it); points are keyed (series, time) in one compact
#: b-tree on SQLite (WITHOUT ROWID); the hourly and daily rollups are added to as points arrive.
monitor_series = Table(
    "monitor_series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("deployment_id", String(32), nullable=False),
    Column("figure", SmallInteger, nullable=False),
)
Index("ix_monitor_series_key", monitor_series.c.deployment_id, monitor_series.c.figure, unique=True)

monitor_points = Table(
    "monitor_points",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("at", BigInteger, primary_key=True, autoincrement=False),
    Column("value", Float, nullable=False),
    sqlite_with_rowid=False,
)

monitor_rollups = Table(
    "monitor_rollups",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("span", Integer, primary_key=True, autoincrement=False),
    Column("bucket", BigInteger, primary_key=True, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    Column("total", Float, nullable=False),
    Column("least", Float, nullable=False),
    Column("most", Float, nullable=False),
    sqlite_with_rowid=False,
)

#: The detector's state per series, saved after each batch so the next one continues from it.
monitor_states = Table(
    "monitor_states",
    metadata,
    Column("series_id", Integer, primary_key=True, autoincrement=False),
    Column("n", BigInteger, nullable=False),
    Column("mean", Float, nullable=False),
    Column("var", Float, nullable=False),
    Column("cusum", Float, nullable=False),
    Column("degraded", SmallInteger, nullable=False),
    Column("since", BigInteger, nullable=False),
    Column("good_run", BigInteger, nullable=False),
    Column("last_at", BigInteger, nullable=False),
    Column("onsets", BigInteger, nullable=False),
    Column("last_value", Float, nullable=True),
    Column("alert_id", String(32), nullable=True),
)

#: What each deployment last said it serves, and since when (telemetry's resource attributes).
monitor_served = Table(
    "monitor_served",
    metadata,
    Column("deployment_id", String(32), primary_key=True),
    Column("model_id", String(32), nullable=True),
    Column("version", String(128), nullable=True),
    Column("since", BigInteger, nullable=False),
)

#: Alerts as filed: a deployment's (kind ``alert``) and a group's (kind ``systemic``).
monitor_alerts = Table(
    "monitor_alerts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("organisation_id", String(32), nullable=False),
    Column("deployment_id", String(32), nullable=True, index=True),
    Column("figure", String(16), nullable=True),
    Column("group_by", String(16), nullable=True),
    Column("group_key", String(64), nullable=True),
    Column("group_name", String(255), nullable=True),
    Column("raised_at", DateTime(timezone=True), nullable=False, index=True),
    Column("cleared_at", DateTime(timezone=True), nullable=True),
    Column("deployments", Integer, nullable=True),
    Column("exposure_eur", Float, nullable=True),
    Column("chance", Float, nullable=True),
    Column("incident_id", String(32), nullable=True),
)

monitor_enrolments = Table(
    "monitor_enrolments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("deployment_id", String(32), nullable=False, index=True),
    Column("organisation_id", String(32), nullable=False),
    Column("figures", Text, nullable=False),
    Column("interval_seconds", Integer, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("filed_at", DateTime(timezone=True), nullable=False),
)

#: Which writer saved the detector's states last, and how many times they were saved: a writer
#: that keeps the states in memory trusts its copy only while it was the last to save them.
monitor_writer = Table(
    "monitor_writer",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("writer", String(64), nullable=False),
    Column("generation", BigInteger, nullable=False),
)

#: How far each span's rollups are made (unix seconds, a bucket boundary): the buckets before
#: ``until`` are in ``monitor_rollups``, the later ones are read from the raw points.
monitor_rolled = Table(
    "monitor_rolled",
    metadata,
    Column("span", Integer, primary_key=True, autoincrement=False),
    Column("until", BigInteger, nullable=False),
)

#: Labour runs with what lists and finds them; the run's full inputs and figures are its filing's
#: content, kept here as JSON so a run is read from one row.
labour_runs = Table(
    "labour_runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("run_id", String(32), nullable=False, unique=True),
    Column("filed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("filed_by", String(32), nullable=False),
    Column("scenario", String(200), nullable=False),
    Column("programmes", String(200), nullable=False),
    Column("measure", String(16), nullable=False),
    Column("draws", Integer, nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("registry", Boolean, nullable=False),
    Column("displaced_p50", Float, nullable=False),
    Column("total_cost_usd_p50", Float, nullable=False),
    Column("content", Text, nullable=False),
)

#: Projections, in the order replay clears them (children before parents).
VIEW_TABLES = (
    labour_runs,
    monitor_enrolments,
    monitor_alerts,
    buffer_policies,
    buffer_declarations,
    pool_filings,
    public_interest_designations,
    fallback_plans,
    merger_remedies,
    merger_reviews,
    market_dependency_shares,
    market_assessments,
    provenance_releases,
    provenance_reconciliations,
    provenance_statements,
    provenance_runs,
    provenance_samples,
    provenance_commitments,
    escrow_approvals,
    escrow_releases,
    escrow_holders,
    escrow_deposits,
    escrow_custodians,
    incident_reports,
    incident_subjects,
    incident_parties,
    incidents,
    federation_inbox,
    federation_outbox,
    federation_peers,
    findings,
    attestations,
    engagements,
    accreditations,
    recognitions,
    rollouts,
    licences,
    obligations,
    policy_packs,
    passports,
    deployments,
    models,
    actors,
    organisation_kinds,
    organisations,
)
