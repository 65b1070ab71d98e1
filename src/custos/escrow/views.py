"""What the escrow service returns: custodians, deposits with their custody checks, releases.

A deposit's vault, reference and plaintext digests are shown to supervisors only; a share
envelope only to the custodian it was encrypted to (and, in a release, to supervisors, encrypted
to the release's one-time recipient). No view ever holds a share or a key in the clear.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from custos.escrow.model import ChunkFailure, DepositedComponent, Exportability, Grounds


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class CustodianView(_View):
    id: str
    organisation_id: str
    recipient: str
    keys: tuple[dict[str, Any], ...]
    confirm_every_days: int
    valid_from: date
    valid_until: date
    status: str
    reason: str | None
    in_force: bool
    appointed_at: datetime
    filing_id: str


class HolderView(_View):
    """A custodian's share of a deposit and its liveness: when it last confirmed, when next."""

    deposit_id: str
    appointment_id: str
    organisation_id: str
    commitment: str
    confirmed_at: datetime | None
    due_at: datetime
    missed: int
    overdue: bool


class AuditView(_View):
    id: str
    deposit_id: str
    audited_at: datetime
    checkpoint_size: int
    checkpoint_root: str
    indices: tuple[int, ...]
    passed: bool
    failures: tuple[ChunkFailure, ...]


class DepositView(_View):
    id: str
    model_id: str
    owner_id: str
    passport_version: int
    current: bool
    components: tuple[DepositedComponent, ...]
    size: int
    chunks: int
    chunk_root: str
    manifest_digest: str
    aead: str
    threshold: int
    holders: tuple[HolderView, ...]
    live: int
    quorum_at_risk: bool
    exportability: Exportability
    deposited_at: datetime
    last_audit: AuditView | None
    opened_at: datetime | None
    vault: str | None = None
    reference: str | None = None
    digests: dict[str, str] | None = None


class ShareView(_View):
    """A custodian's own share of a deposit, still encrypted to it, with the deposit's reference
    the share's commitment binds it to."""

    deposit_id: str
    reference: str
    appointment_id: str
    commitment: str
    envelope: str


class ApprovalView(_View):
    appointment_id: str
    organisation_id: str
    approved_at: datetime
    filing_id: str


class ReleaseView(_View):
    id: str
    deposit_id: str
    model_id: str
    grounds: Grounds
    statement: str
    recipient: str
    requested_at: datetime
    status: str
    threshold: int
    approvals: tuple[ApprovalView, ...]
    quorum: bool
    reason: str | None
    closed_at: datetime | None
    reference: str | None = None


class ReleasedShare(_View):
    appointment_id: str
    commitment: str
    envelope: str


class ReleasePackage(_View):
    """What a supervisor needs to open a release: the deposit's manifest and where it is, and
    the approved shares, each encrypted to the release's one-time recipient."""

    release: ReleaseView
    deposit: DepositView
    shares: tuple[ReleasedShare, ...]


class EscrowSweep(_View):
    audits: tuple[AuditView, ...]
    missed: tuple[HolderView, ...]
