"""The vocabulary of escrow: custodians, deposits, custody checks and releases, as filings.

A supervisor appoints custodians (organisations with an age X25519 recipient to which key shares
are encrypted, and signing keys for their custody statements). A provider deposits a model's
components sealed under a fresh data key whose k-of-n shares went to custodians
(``escrow.deposited``): the filing commits to the manifest, the Merkle root over the ciphertext
chunks, k, n and the custodians, while the plaintext digests are for supervisors only. Storage
audits (``escrow.audited``) and custodians' signed confirmations (``escrow.custody_confirmed``)
keep checking the deposit; a missed confirmation escalates (``escrow.confirmation_missed``). A
release is requested by a supervisor with grounds and a one-time recipient, approved by
custodians each sending its share encrypted to that recipient, and opened at quorum
(``escrow.opened``, or refused with the reason). No filing ever carries a share or the data key
in the clear: shares travel only as age ciphertexts to one recipient each.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.assurance.model import SigningKey
from custos.escrow.components import Role
from custos.filings import PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind

#: An age X25519 recipient: Bech32 with the ``age`` prefix (age-encryption.org/v1).
AGE_RECIPIENT = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")
#: A SHA-256 digest as lowercase hex.
SHA256_HEX = r"^[0-9a-f]{64}$"
#: SLIP-39 allows at most 16 members in a group.
MOST_CUSTODIANS = 16
#: An age ciphertext, ASCII-armored, for one share: a few hundred bytes, never more than this.
MOST_ENVELOPE = 4096


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _recipient(value: str) -> str:
    if not AGE_RECIPIENT.match(value):
        raise ValueError("an age X25519 recipient reads age1 followed by 58 Bech32 characters")
    return value


def _armored(value: str) -> str:
    if not value.startswith("-----BEGIN AGE ENCRYPTED FILE-----"):
        raise ValueError("a share travels as an ASCII-armored age ciphertext")
    return value


class CustodianAppointed(_Payload):
    """A supervisor appoints an organisation as custodian of key shares."""

    organisation_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    recipient: str = Field(
        json_schema_extra=PUBLIC_FIELD, description="The age X25519 recipient shares are encrypted to."
    )
    keys: tuple[SigningKey, ...] = Field(
        min_length=1,
        max_length=16,
        json_schema_extra=PUBLIC_FIELD,
        description="Keys that sign the custodian's custody statements.",
    )
    confirm_every_days: int = Field(
        90,
        ge=1,
        le=366,
        json_schema_extra=PUBLIC_FIELD,
        description="How often the custodian confirms it can still open each share it holds.",
    )
    valid_from: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)
    note: str | None = Field(None, max_length=2000, description="The supervisor's own note.")

    _recipient = field_validator("recipient")(_recipient)

    @model_validator(mode="after")
    def _ordered(self) -> CustodianAppointed:
        if self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if len({key.keyid for key in self.keys}) != len(self.keys):
            raise ValueError("each key is listed once")
        return self


class CustodianWithdrawn(_Payload):
    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class DepositedComponent(_Payload):
    """One sealed component as the public sees it: what it is and how many chunks it spans."""

    name: str = Field(min_length=1, max_length=1000)
    role: Role
    format: str = Field(min_length=1, max_length=40)
    size: int = Field(ge=0, description="Plaintext bytes.")
    first_chunk: int = Field(ge=0, description="Its first chunk in the deposit's Merkle tree.")
    chunks: int = Field(ge=1)


class Exportability(_Payload):
    """What the weight shards' headers add up to, against the passport's parameter count."""

    shards: int = Field(ge=1)
    parameters: int = Field(ge=0, description="Parameters the shards' tensors hold.")
    declared: float | None = Field(None, description="Parameters the passport declares.")
    tolerance: float = Field(
        ge=0, le=0.05, description="The relative difference allowed (at most 5%, as sealing allows)."
    )
    within_tolerance: bool | None = Field(None, description="None when the passport declares no count.")


class ShareHolder(_Payload):
    """A custodian holding one share, and the public commitment to that share."""

    appointment_id: str = Field(min_length=1)
    commitment: str = Field(pattern=SHA256_HEX)


class SealedShare(_Payload):
    """A share encrypted to its custodian's recipient: only that custodian can read it."""

    appointment_id: str = Field(min_length=1)
    envelope: str = Field(max_length=MOST_ENVELOPE)

    _armored = field_validator("envelope")(_armored)


class EscrowDeposited(_Payload):
    """A provider's deposit of a model's components, sealed; its key split among custodians."""

    model_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    passport_version: int = Field(
        ge=1, json_schema_extra=PUBLIC_FIELD, description="The passport version the deposit escrows."
    )
    vault: str = Field(
        min_length=1,
        max_length=2000,
        json_schema_extra=SUPERVISORS_FIELD,
        description="The escrow store: a directory or an fsspec URL.",
    )
    reference: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
        json_schema_extra=SUPERVISORS_FIELD,
        description="The deposit's folder in the store.",
    )
    aead: str = Field(
        "AES256_GCM_HKDF_1MB",
        pattern=r"^AES256_GCM_HKDF_1MB$",
        json_schema_extra=PUBLIC_FIELD,
        description="The sealed stream's format (Tink's streaming AEAD).",
    )
    components: tuple[DepositedComponent, ...] = Field(
        min_length=1, max_length=10_000, json_schema_extra=PUBLIC_FIELD
    )
    digests: dict[str, str] = Field(
        json_schema_extra=SUPERVISORS_FIELD,
        description="Each component's plaintext SHA-256, by name.",
    )
    manifest_digest: str = Field(
        pattern=SHA256_HEX,
        json_schema_extra=PUBLIC_FIELD,
        description="SHA-256 of the canonical manifest (components with their digests): whoever is "
        "shown the manifest can match it.",
    )
    chunks: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD)
    chunk_root: str = Field(
        pattern=SHA256_HEX,
        json_schema_extra=PUBLIC_FIELD,
        description="RFC 9162 Merkle root over the ciphertext chunks, in component order.",
    )
    threshold: int = Field(ge=2, le=MOST_CUSTODIANS, json_schema_extra=PUBLIC_FIELD)
    holders: tuple[ShareHolder, ...] = Field(
        min_length=2, max_length=MOST_CUSTODIANS, json_schema_extra=PUBLIC_FIELD
    )
    shares: tuple[SealedShare, ...] = Field(
        min_length=2,
        max_length=MOST_CUSTODIANS,
        json_schema_extra=SUPERVISORS_FIELD,
        description="Each share encrypted to its custodian; a custodian is served its own only.",
    )
    exportability: Exportability = Field(json_schema_extra=PUBLIC_FIELD)

    @model_validator(mode="after")
    def _consistent(self) -> EscrowDeposited:
        holders = [holder.appointment_id for holder in self.holders]
        if len(set(holders)) != len(holders):
            raise ValueError("each custodian holds one share")
        if sorted(holders) != sorted(share.appointment_id for share in self.shares):
            raise ValueError("shares and holders name the same custodians")
        if self.threshold > len(self.holders):
            raise ValueError(f"a threshold of {self.threshold} needs at least as many custodians")
        names = [component.name for component in self.components]
        if len(set(names)) != len(names):
            raise ValueError("each component is named once")
        if set(names) != set(self.digests):
            raise ValueError("every component, and only they, has a digest")
        if any(not re.match(SHA256_HEX, digest) for digest in self.digests.values()):
            raise ValueError("digests are SHA-256 as 64 lowercase hex digits")
        if not any(component.role is Role.WEIGHTS for component in self.components):
            raise ValueError("no weight shards: a deposit escrows the weights")
        expected = 0
        for component in self.components:
            if component.first_chunk != expected:
                raise ValueError(f"{component.name} starts at chunk {component.first_chunk}, not {expected}")
            expected += component.chunks
        if expected != self.chunks:
            raise ValueError(f"the components span {expected} chunks, not {self.chunks}")
        return self


class ChunkFailure(_Payload):
    index: int = Field(ge=0)
    reason: str = Field(min_length=1, max_length=500)


class EscrowAudited(_Payload):
    """A storage audit: chunks chosen by a seed from a later log checkpoint, proved against the
    deposit's root. Anyone can recompute the choice from the checkpoint."""

    deposit_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    checkpoint_size: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD)
    checkpoint_root: str = Field(pattern=SHA256_HEX, json_schema_extra=PUBLIC_FIELD)
    indices: tuple[int, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    passed: bool = Field(json_schema_extra=PUBLIC_FIELD)
    failures: tuple[ChunkFailure, ...] = Field((), json_schema_extra=PUBLIC_FIELD)


class CustodyConfirmed(_Payload):
    """A custodian's signed statement that it opened its share in memory and it matched."""

    deposit_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    appointment_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    envelope: dict[str, Any] = Field(
        json_schema_extra=PUBLIC_FIELD, description="The DSSE envelope of the custody statement."
    )


class ConfirmationMissed(_Payload):
    """A custodian's confirmation is overdue: the sweep escalates, one rung a missed period."""

    deposit_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    appointment_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    due_at: AwareDatetime = Field(json_schema_extra=PUBLIC_FIELD)
    rung: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD, description="Periods missed in a row.")
    live: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD, description="Custodians still confirmed.")
    quorum_at_risk: bool = Field(
        json_schema_extra=PUBLIC_FIELD, description="Fewer confirmed custodians than the threshold."
    )


class Grounds(StrEnum):
    """Why a deposit may be opened."""

    INSOLVENCY = "insolvency"
    COURT_ORDER = "court_order"
    SYSTEMIC_INCIDENT = "systemic_incident"
    LICENCE_REVOKED = "licence_revoked"
    OTHER = "other"


class ReleaseRequested(_Payload):
    """A supervisor asks custodians to release a deposit's key to a one-time recipient."""

    deposit_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    grounds: Grounds = Field(json_schema_extra=PUBLIC_FIELD)
    statement: str = Field(
        min_length=1, max_length=5000, json_schema_extra=PUBLIC_FIELD, description="The grounds, stated."
    )
    reference: str | None = Field(
        None, max_length=500, description="A court order's or an incident's reference, for the parties."
    )
    recipient: str = Field(
        json_schema_extra=PUBLIC_FIELD, description="The release's one-time age X25519 recipient."
    )

    _recipient = field_validator("recipient")(_recipient)


class ReleaseApproved(_Payload):
    """A custodian approves a release, sending its share encrypted to the release's recipient."""

    release_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    appointment_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    envelope: str = Field(max_length=MOST_ENVELOPE, json_schema_extra=SUPERVISORS_FIELD)
    statement: dict[str, Any] = Field(
        json_schema_extra=PUBLIC_FIELD,
        description="The custodian's signed approval (DSSE), naming the envelope's SHA-256.",
    )

    _armored = field_validator("envelope")(_armored)


class OpenOutcome(StrEnum):
    OPENED = "opened"
    REFUSED = "refused"


class EscrowOpened(_Payload):
    """The outcome of opening a released deposit: every component checked, or why not."""

    release_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    outcome: OpenOutcome = Field(json_schema_extra=PUBLIC_FIELD)
    reason: str | None = Field(None, max_length=2000, json_schema_extra=PUBLIC_FIELD)
    verified: tuple[str, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Components decrypted and matched to the manifest."
    )

    @model_validator(mode="after")
    def _explained(self) -> EscrowOpened:
        if self.outcome is OpenOutcome.REFUSED and not self.reason:
            raise ValueError("a refusal says why")
        return self


CUSTODIAN_APPOINTED = FilingKind(
    "custodian.appointed", CustodianAppointed, "A supervisor appoints a custodian of key shares."
)
CUSTODIAN_WITHDRAWN = FilingKind(
    "custodian.withdrawn", CustodianWithdrawn, "A custodian's appointment ends; it takes no new shares."
)
ESCROW_DEPOSITED = FilingKind(
    "escrow.deposited", EscrowDeposited, "A model's components are sealed in escrow, k of n custodians."
)
ESCROW_AUDITED = FilingKind(
    "escrow.audited", EscrowAudited, "Chunks chosen by public randomness are proved against the root."
)
CUSTODY_CONFIRMED = FilingKind(
    "escrow.custody_confirmed", CustodyConfirmed, "A custodian confirms, signed, it can open its share."
)
CONFIRMATION_MISSED = FilingKind(
    "escrow.confirmation_missed", ConfirmationMissed, "A custodian's confirmation is overdue."
)
RELEASE_REQUESTED = FilingKind(
    "escrow.release_requested", ReleaseRequested, "A supervisor asks for a deposit's release, with grounds."
)
RELEASE_APPROVED = FilingKind(
    "escrow.release_approved", ReleaseApproved, "A custodian approves a release with its re-encrypted share."
)
ESCROW_OPENED = FilingKind(
    "escrow.opened", EscrowOpened, "A released deposit is opened and checked, or refused with the reason."
)
ESCROW_KINDS = (
    CUSTODIAN_APPOINTED,
    CUSTODIAN_WITHDRAWN,
    ESCROW_DEPOSITED,
    ESCROW_AUDITED,
    CUSTODY_CONFIRMED,
    CONFIRMATION_MISSED,
    RELEASE_REQUESTED,
    RELEASE_APPROVED,
    ESCROW_OPENED,
)
