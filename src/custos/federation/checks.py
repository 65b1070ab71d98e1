"""Whether a notice may be filed: every check a receiver makes, in order, without the store.

The order matters for what a refusal proves. Until the signature checks, nothing in the notice
can be held against the peer it names (anyone can write a peer's origin on a forgery); after
it, the notice is the peer's own word, so a proof that fails or a log that forks is the peer's
fault, and the receiver flags the peer as well as refusing the notice.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from enum import StrEnum

from custos.core.canonical import canonical_json
from custos.core.errors import IntegrityFailure
from custos.federation.model import PeerScope
from custos.federation.notices import NoticeBody, Opened, proof_nodes, verified_body
from custos.filings import FilingView, Visibility, verify_view
from custos.ledger import (
    Checkpoint,
    NoteError,
    ProofError,
    Verifier,
    leaf_hash,
    open_checkpoint,
    verify_inclusion,
)


class Reason(StrEnum):
    """Why a notice was refused. The transient ones are answered by sending it again later."""

    MALFORMED = "malformed"
    UNKNOWN_PEER = "unknown_peer"
    NOT_ACTIVE = "peer_not_active"
    BAD_SIGNATURE = "bad_signature"
    MISDIRECTED = "misdirected"
    BAD_CHECKPOINT = "bad_checkpoint"
    UNWITNESSED = "unwitnessed"
    FORK = "fork"
    BAD_FILING = "bad_filing"
    BAD_PROOF = "bad_proof"
    OUT_OF_SCOPE = "out_of_scope"
    REPLAY = "replay"

    @property
    def transient(self) -> bool:
        return self is Reason.UNWITNESSED

    @property
    def flags_peer(self) -> bool:
        """The peer signed something false about its own log."""
        return self in (Reason.FORK, Reason.BAD_FILING, Reason.BAD_PROOF)


class Refused(Exception):
    def __init__(self, reason: Reason, detail: str, evidence: dict[str, object] | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.evidence = evidence or {}


@dataclass(frozen=True)
class PeerTerms:
    """What a receiver knows of a peer: its id, its log's key, the scope granted, its head."""

    id: str
    origin: str
    log: Verifier
    scope: PeerScope
    head_size: int | None
    head_root: bytes | None
    incidents: set[str] = field(default_factory=set)
    """The incidents received from the peer (their ids in its log): what follows one of them
    concerns the jurisdictions it does, which were within the scope when it was received."""


@dataclass(frozen=True)
class Checked:
    """A notice every check passed: ready to be filed."""

    peer_id: str
    body: NoticeBody
    tree_size: int
    text: str


def check_notice(text: str, opened: Opened, peer: PeerTerms, receiver: str) -> Checked:
    """Check a notice from ``peer`` to ``receiver`` (our origin); raise :class:`Refused`."""
    try:
        body: NoticeBody = verified_body(opened, peer.log, NoticeBody)
    except NoteError as exc:
        raise Refused(Reason.BAD_SIGNATURE, str(exc)) from exc
    if body.to != receiver:
        raise Refused(Reason.MISDIRECTED, f"the notice is addressed to {body.to!r}, not to {receiver!r}")
    try:
        checkpoint = _verified_checkpoint(body.checkpoint, peer.log.vkey)
    except (NoteError, IntegrityFailure) as exc:
        raise Refused(Reason.BAD_CHECKPOINT, f"its checkpoint does not verify: {exc}") from exc
    _against_head(checkpoint.size, checkpoint.root, peer)
    _included(body.filing, body.index, checkpoint.size, checkpoint.root, body.proof)
    _within_scope(body.filing, peer)
    return Checked(peer.id, body, checkpoint.size, text)


@functools.lru_cache(maxsize=64)
def _verified_checkpoint(note: str, log_key: str) -> Checkpoint:
    """A peer's checkpoint, its signature checked once: every notice of a batch carries the same
    one. Only a checkpoint that verifies is kept, so the answer depends on the two texts alone."""
    checkpoint, _ = open_checkpoint(note, Verifier.from_vkey(log_key))
    return checkpoint


def _against_head(size: int, root: bytes, peer: PeerTerms) -> None:
    """The notice must be proved against the very checkpoint this installation last cosigned
    for the peer: that one is known to extend every earlier one, so nothing else need be fetched."""
    if peer.head_size is None or size != peer.head_size:
        witnessed = "none" if peer.head_size is None else f"size {peer.head_size}"
        raise Refused(
            Reason.UNWITNESSED,
            f"the notice is proved against checkpoint size {size}, and the checkpoint this installation "
            f"last cosigned for {peer.origin} is {witnessed}: have it cosigned, then send again",
        )
    if root != peer.head_root:
        raise Refused(
            Reason.FORK,
            f"two checkpoints of {peer.origin} at size {size} disagree: its log has forked",
            {
                "size": size,
                "cosigned_root": base64.b64encode(peer.head_root or b"").decode(),
                "offered_root": base64.b64encode(root).decode(),
            },
        )


def _included(view: FilingView, index: int, size: int, root: bytes, proof: tuple[str, ...]) -> None:
    try:
        verify_view(view)
    except IntegrityFailure as exc:
        raise Refused(
            Reason.BAD_FILING, f"the filing's fields do not recompute to its digest: {exc}"
        ) from exc
    entry = canonical_json({**view.envelope, "digest": view.digest})
    try:
        verify_inclusion(index=index, size=size, leaf=leaf_hash(entry), proof=proof_nodes(proof), root=root)
    except (ProofError, NoteError, ValueError) as exc:
        raise Refused(
            Reason.BAD_PROOF,
            f"entry {index} is not proved in the tree of size {size}: {exc}",
            {"index": index, "size": size, "root": base64.b64encode(root).decode(), "proof": list(proof)},
        ) from exc


def concerned(jurisdiction: str, affected: object) -> set[str]:
    """The jurisdictions a filing concerns: its own, and those it says it affects (an incident's
    ``affected_jurisdictions``)."""
    return {jurisdiction} | ({str(code) for code in affected} if isinstance(affected, list) else set())


def _within_scope(view: FilingView, peer: PeerTerms) -> None:
    scope = peer.scope
    kind = str(view.envelope.get("kind"))
    affected = view.disclosed.get("affected_jurisdictions")
    jurisdictions = concerned(str(view.envelope.get("jurisdiction")), affected.value if affected else None)
    named = view.disclosed.get("incident_id")
    incident = str(named.value) if named else str(view.envelope.get("subject"))
    if kind.startswith("incident.") and incident in peer.incidents:
        jurisdictions |= set(peer.scope.jurisdictions)  # it follows an incident received within scope
    if (outside := scope.outside(kind, jurisdictions)) is not None:
        raise Refused(Reason.OUT_OF_SCOPE, outside)
    beyond = sorted(
        name
        for name, disclosure in view.disclosed.items()
        if disclosure.visibility != Visibility.PUBLIC and name not in scope.fields
    )
    if beyond:
        raise Refused(
            Reason.OUT_OF_SCOPE,
            f"the notice discloses confidential fields outside the scope granted: {', '.join(beyond)}",
        )
