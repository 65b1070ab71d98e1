"""Permissions, named ``scope:resource:action``, and what each role holds.

Everything is denied unless a route names the permission it needs and the caller's role holds
it; a test pins every route of the API to its permission.
"""

from __future__ import annotations

from enum import StrEnum

from custos.access.model import Role


class Permission(StrEnum):
    LEDGER_READ = "ledger:log:read"
    LEDGER_CHECKPOINT = "ledger:checkpoint:sign"
    ORGANISATIONS_READ = "access:organisations:read"
    ORGANISATIONS_WRITE = "access:organisations:write"
    ACTORS_READ = "access:actors:read"
    ACTORS_WRITE = "access:actors:write"
    TOKENS_ISSUE = "access:tokens:issue"
    TOKENS_READ = "access:tokens:read"
    TOKENS_REVOKE = "access:tokens:revoke"
    SELF_READ = "access:self:read"
    SELF_REVOKE = "access:self:revoke"
    FILINGS_READ = "filings:filing:read"
    REGISTRY_READ = "registry:registry:read"
    MODELS_WRITE = "registry:models:write"
    DEPLOYMENTS_WRITE = "registry:deployments:write"
    IMPORTS_WRITE = "registry:imports:write"
    POLICY_READ = "policy:packs:read"
    POLICY_WRITE = "policy:packs:write"
    OBLIGATIONS_READ = "policy:obligations:read"
    OBLIGATIONS_WRITE = "policy:obligations:write"
    LICENCES_READ = "licensing:licences:read"
    LICENCES_APPLY = "licensing:licences:apply"
    LICENCES_DECIDE = "licensing:licences:decide"
    DECISIONS_REQUEST = "licensing:decisions:request"
    INCIDENTS_REPORT = "oversight:incidents:report"
    INCIDENTS_CLOSE = "oversight:incidents:close"
    INCIDENTS_CONFIRM = "oversight:incidents:confirm"
    INCIDENTS_READ = "oversight:incidents:read"
    INCIDENTS_PUBLISH = "oversight:incidents:publish"
    HISTORY_READ = "oversight:history:read"
    HISTORY_IMPORT = "oversight:history:import"
    AUDITS_READ = "assurance:audits:read"
    AUDITORS_ACCREDIT = "assurance:auditors:accredit"
    AUDITS_ENGAGE = "assurance:engagements:file"
    ATTESTATIONS_FILE = "assurance:attestations:file"
    FINDINGS_READ = "assurance:findings:read"
    FINDINGS_REPORT = "assurance:findings:report"
    FINDINGS_RESPOND = "assurance:findings:respond"
    FINDINGS_SWEEP = "assurance:findings:sweep"
    PEERS_MANAGE = "federation:peers:manage"
    NOTICES_DELIVER = "federation:notices:deliver"
    ESCROW_READ = "escrow:deposits:read"
    ESCROW_DEPOSIT = "escrow:deposits:file"
    ESCROW_CUSTODY = "escrow:custody:act"
    ESCROW_MANAGE = "escrow:custodians:manage"
    PROVENANCE_READ = "provenance:audits:read"
    PROVENANCE_FILE = "provenance:filings:file"
    PROVENANCE_SAMPLE = "provenance:samples:request"
    PROVENANCE_MANAGE = "provenance:aggregates:manage"
    MARKETS_READ = "markets:structure:read"
    MARKETS_FILE = "markets:plans:file"
    MARKETS_ANALYSE = "markets:dependencies:analyse"
    MARKETS_MANAGE = "markets:reviews:manage"
    BUFFERS_READ = "buffers:positions:read"
    BUFFERS_FILE = "buffers:declarations:file"
    POOL_READ = "pool:fund:read"
    POOL_PAY = "pool:contributions:pay"
    POOL_CLAIM = "pool:claims:file"
    POOL_MANAGE = "pool:fund:manage"
    MONITORING_REPORT = "monitoring:telemetry:report"
    MONITORING_READ = "monitoring:series:read"
    MONITORING_SUMMARIES = "monitoring:summaries:read"
    MONITORING_ENROL = "monitoring:enrolments:file"
    MONITORING_MANAGE = "monitoring:thresholds:manage"
    RISK_READ = "risk:runs:read"
    RISK_RUN = "risk:runs:start"
    LABOUR_READ = "labor:runs:read"
    LABOUR_RUN = "labor:runs:start"
    DASHBOARD_VIEW = "dashboard:pages:view"


_EVERYONE = {
    Permission.LEDGER_READ,
    Permission.ORGANISATIONS_READ,
    Permission.FILINGS_READ,
    Permission.REGISTRY_READ,
}
_EVERYONE |= {Permission.POLICY_READ, Permission.DASHBOARD_VIEW}
# Accreditations, attestations and findings are read by everyone, each as the reader may see it.
_EVERYONE |= {Permission.AUDITS_READ, Permission.FINDINGS_READ}
_EVERYONE |= {Permission.HISTORY_READ}  # imported incident history is public data
_EVERYONE |= {Permission.INCIDENTS_READ}  # each incident as the reader may see it: published ones to all
# Anyone may check that a deposit exists, how its custody checks fare, and a release's quorum.
_EVERYONE |= {Permission.ESCROW_READ}
# Commitments, audit outcomes and private aggregates are public; each figure as the reader may see it.
_EVERYONE |= {Permission.PROVENANCE_READ}
# The compute layer's concentration (public estimates), the list of linchpins and public-interest
# designations are public; the rest of market structure rests on confidential filings.
_EVERYONE |= {Permission.MARKETS_READ}
# The liability pool's balance and totals are public; each firm's amounts are its own.
_EVERYONE |= {Permission.POOL_READ}
# A peer delivers notices and offers checkpoints unauthenticated: each is signed by its log's key,
# which is what the receiver checks, and a peer holds no token of the installation it writes to.
_EVERYONE |= {Permission.NOTICES_DELIVER}
# The detector's thresholds and the published daily aggregates are public; series are not.
_EVERYONE |= {Permission.MONITORING_SUMMARIES}
# Labour exposure and runs are public aggregates of public data and public registry fields.
_EVERYONE |= {Permission.LABOUR_READ}
_SIGNED_IN = _EVERYONE | {
    Permission.SELF_READ,
    Permission.SELF_REVOKE,  # an actor may always end its own token
    Permission.OBLIGATIONS_READ,
    Permission.LICENCES_READ,
}
# Buffers are confidential to the firm, its insurer and supervisors: the public reads none of them.
_SIGNED_IN |= {Permission.BUFFERS_READ}
# A firm reads its own deployments' series and alerts; supervisors read every firm's.
_SIGNED_IN |= {Permission.MONITORING_READ}
# Any registered organisation harmed by an incident may claim on the liability pool.
_SIGNED_IN |= {Permission.POOL_CLAIM}
_USERS = {Permission.LICENCES_APPLY, Permission.DECISIONS_REQUEST, Permission.INCIDENTS_REPORT}
# Providers and deployers engage auditors, and report and answer red-team findings about their
# own models and deployments; auditors attest, and report findings as external red teams.
_USERS |= {Permission.AUDITS_ENGAGE, Permission.FINDINGS_REPORT, Permission.FINDINGS_RESPOND}
# Providers commit to datasets, reveal samples and declare training runs; a provider or deployer
# that sells compute states what it sold.
_USERS |= {Permission.PROVENANCE_FILE}
# A provider or deployer on which others depend files its fallback or interoperability plan.
_USERS |= {Permission.MARKETS_FILE}
# A firm pays the contributions called from it.
_USERS |= {Permission.POOL_PAY}
# A firm declares its capital, and the insured or its insurer files a policy.
_USERS |= {Permission.BUFFERS_FILE}
# A provider or deployer sends the telemetry of the deployments it runs, and enrols them.
_USERS |= {Permission.MONITORING_REPORT, Permission.MONITORING_ENROL}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PUBLIC: frozenset(_EVERYONE),
    Role.PROVIDER: frozenset(
        _SIGNED_IN | _USERS | {Permission.MODELS_WRITE, Permission.IMPORTS_WRITE, Permission.ESCROW_DEPOSIT}
    ),
    Role.DEPLOYER: frozenset(_SIGNED_IN | _USERS | {Permission.DEPLOYMENTS_WRITE}),
    Role.AUDITOR: frozenset(
        _SIGNED_IN | {Permission.ATTESTATIONS_FILE, Permission.FINDINGS_REPORT, Permission.PROVENANCE_SAMPLE}
    ),
    # A custodian fetches its own shares, confirms custody and approves releases.
    Role.CUSTODIAN: frozenset(_SIGNED_IN | {Permission.ESCROW_CUSTODY}),
    Role.SUPERVISOR: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
