"""The vocabulary of federation: peers, the scope each is granted, and notices, as filings.

A peer is another Custos installation, known by its log's origin, the key that signs its
checkpoints, and its URL. A supervisor recognises it for a scope: the kinds of filing exchanged
with it, the jurisdictions they may concern, and the confidential fields it may be shown. What
is sent to a peer is flagged (``notice.flagged``) and sent until the peer acknowledges it
(``notice.acknowledged``, carrying the peer's signed receipt); what a peer sends is filed here,
once verified, as ``notice.received``. A peer caught rewriting its log is flagged
(``peer.flagged``) with the evidence, and nothing more is accepted from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.assurance.findings_model import FINDING_ESCALATED
from custos.core.jurisdictions import jurisdiction_code
from custos.filings import PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind
from custos.ledger import ALG_COSIGNATURE_V1, ALG_ED25519, Verifier
from custos.licensing.model import KINDS as LICENCE_KINDS
from custos.licensing.model import Transition
from custos.oversight.model import (
    INCIDENT_CLOSED,
    INCIDENT_CONFIRMED,
    INCIDENT_PUBLISHED,
    INCIDENT_REPORTED,
    INCIDENT_UPDATED,
)

#: The filings a peer may be sent: incidents and what follows them, licence suspensions,
#: revocations and reinstatements, and red-team escalations, the acts other supervisors need to
#: hear of across a border.
SHAREABLE = (
    INCIDENT_REPORTED,
    INCIDENT_UPDATED,
    INCIDENT_CONFIRMED,
    INCIDENT_CLOSED,
    INCIDENT_PUBLISHED,
    LICENCE_KINDS[Transition.SUSPEND],
    LICENCE_KINDS[Transition.REVOKE],
    LICENCE_KINDS[Transition.REINSTATE],
    FINDING_ESCALATED,
)
SHAREABLE_KINDS = tuple(kind.name for kind in SHAREABLE)


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PeerScope(_Payload):
    """What is exchanged with a peer, both ways: a notice outside it is neither sent nor accepted."""

    kinds: tuple[str, ...] = Field(
        min_length=1, json_schema_extra=PUBLIC_FIELD, description=f"Of {', '.join(SHAREABLE_KINDS)}."
    )
    jurisdictions: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="The jurisdictions the filings may concern (a filing's own, or those an incident "
        "affects); empty: any.",
    )
    fields: tuple[str, ...] = Field(
        (),
        json_schema_extra=PUBLIC_FIELD,
        description="Confidential fields the peer may be shown, by name; every other non-public field "
        "travels as its salted digest only.",
    )

    @field_validator("kinds")
    @classmethod
    def _shareable(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - set(SHAREABLE_KINDS))
        if unknown:
            raise ValueError(
                f"not shareable with a peer: {', '.join(unknown)}; one of {', '.join(SHAREABLE_KINDS)}"
            )
        return tuple(dict.fromkeys(kinds))

    @field_validator("jurisdictions")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(jurisdiction_code(code) for code in codes))

    @model_validator(mode="after")
    def _fields_of_the_kinds(self) -> PeerScope:
        """A field granted must be one the kinds exchanged carry: a typo grants nothing, silently."""
        carried = {
            name for kind in SHAREABLE if kind.name in self.kinds for name in kind.payload.model_fields
        }
        unknown = sorted(set(self.fields) - carried)
        if unknown:
            raise ValueError(
                f"no {', '.join(self.kinds)} filing has a field {', '.join(unknown)}; "
                f"they have {', '.join(sorted(carried))}"
            )
        return self

    def covers(self, kind: str, jurisdictions: set[str]) -> bool:
        """Whether a filing of ``kind`` concerning ``jurisdictions`` is within the scope."""
        return kind in self.kinds and (
            not self.jurisdictions or bool(jurisdictions & set(self.jurisdictions))
        )

    def outside(self, kind: str, jurisdictions: set[str], granted_to: str = "") -> str | None:
        """Why a filing of ``kind`` concerning ``jurisdictions`` is outside the scope, if it is."""
        if self.covers(kind, jurisdictions):
            return None
        return (
            f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} filing concerning "
            f"{', '.join(sorted(jurisdictions))} is outside the scope granted"
            f"{' to ' + granted_to if granted_to else ''} ({', '.join(self.kinds)}; "
            f"{', '.join(self.jurisdictions) or 'any jurisdiction'})"
        )


def _verifier(vkey: str, algorithm: int, what: str) -> Verifier:
    verifier = Verifier.from_vkey(vkey)
    if verifier.algorithm != algorithm:
        raise ValueError(f"{what} must be an Ed25519 key of algorithm 0x{algorithm:02x}")
    return verifier


class PeerRecognised(_Payload):
    """A supervisor recognises another installation as a peer (again, to change its scope)."""

    name: str = Field(min_length=1, max_length=200, json_schema_extra=PUBLIC_FIELD)
    origin: str = Field(
        min_length=1, max_length=255, json_schema_extra=PUBLIC_FIELD, description="Its log's origin line."
    )
    log_key: str = Field(
        json_schema_extra=PUBLIC_FIELD,
        description="The verifier key of its checkpoints: <origin>+<key id>+<base64 key>.",
    )
    witness_key: str = Field(
        json_schema_extra=PUBLIC_FIELD,
        description="The verifier key it cosigns checkpoints with (C2SP tlog-cosignature, algorithm 0x04).",
    )
    url: AnyHttpUrl = Field(json_schema_extra=PUBLIC_FIELD, description="Where its API answers.")
    scope: PeerScope = Field(json_schema_extra=PUBLIC_FIELD)
    note: str | None = Field(None, max_length=2000, json_schema_extra=SUPERVISORS_FIELD)

    @model_validator(mode="after")
    def _keys(self) -> PeerRecognised:
        log = _verifier(self.log_key, ALG_ED25519, "log_key")
        if log.name != self.origin:
            raise ValueError(f"log_key is named {log.name!r}, not the origin {self.origin!r}")
        _verifier(self.witness_key, ALG_COSIGNATURE_V1, "witness_key")
        return self


class PeerStep(_Payload):
    """A supervisor withdraws a peer's recognition, or clears a flag after looking into it."""

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class PeerFlagged(_Payload):
    """A peer was caught misbehaving: its log forked, or a proof it sent failed. Nothing more is
    accepted from it until a supervisor clears the flag."""

    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)
    evidence: dict[str, Any] = Field(
        json_schema_extra=SUPERVISORS_FIELD,
        description="What shows it: the checkpoints, sizes, roots and proof that disagree.",
    )


class NoticeFlagged(_Payload):
    """A filing of this installation is to be sent to a peer."""

    peer_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    filing_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    kind: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)


class _Signed(BaseModel):
    """A payload carrying a signed note: kept byte for byte, since a signature covers every byte."""

    model_config = ConfigDict(extra="forbid")


class NoticeReceived(_Signed):
    """A peer's filing, verified against its log and filed here as it was shown to us."""

    peer_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    origin: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    notice_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD, description="The sender's flag.")
    filing_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD, description="In the sender's log.")
    kind: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    index: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD, description="Its entry in the sender's log.")
    tree_size: int = Field(ge=1, json_schema_extra=PUBLIC_FIELD, description="Of the checkpoint proving it.")
    notice: str = Field(
        json_schema_extra=SUPERVISORS_FIELD,
        description="The signed notice as received: the filing as shown to us, its proof and checkpoint.",
    )


class Acknowledged(_Signed):
    notice_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    received_as: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD, description="In the peer's log.")


class NoticeAcknowledged(_Signed):
    """A peer's signed receipt of the notices of one delivery."""

    peer_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    notices: tuple[Acknowledged, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    receipt: str = Field(json_schema_extra=PUBLIC_FIELD, description="The receipt note the peer signed.")


PEER_RECOGNISED = FilingKind(
    "peer.recognised", PeerRecognised, "A supervisor recognises a peer installation."
)
PEER_WITHDRAWN = FilingKind("peer.withdrawn", PeerStep, "A peer's recognition is withdrawn.")
PEER_FLAGGED = FilingKind("peer.flagged", PeerFlagged, "A peer's log forked or its proof failed.")
PEER_CLEARED = FilingKind("peer.cleared", PeerStep, "A supervisor clears a peer's flag.")
NOTICE_FLAGGED = FilingKind("notice.flagged", NoticeFlagged, "A filing is to be sent to a peer.")
NOTICE_RECEIVED = FilingKind("notice.received", NoticeReceived, "A peer's notice, verified and filed.")
NOTICE_ACKNOWLEDGED = FilingKind(
    "notice.acknowledged", NoticeAcknowledged, "A peer acknowledges notices with its signed receipt."
)
PEER_STEPS = (PEER_WITHDRAWN, PEER_CLEARED)
FEDERATION_KINDS = (
    PEER_RECOGNISED,
    *PEER_STEPS,
    PEER_FLAGGED,
    NOTICE_FLAGGED,
    NOTICE_RECEIVED,
    NOTICE_ACKNOWLEDGED,
)
