"""The C2SP tlog-witness protocol: a peer asks this installation to cosign its checkpoint.

Request (``POST .../add-checkpoint``): ``old <size>``, the lines of a consistency proof from that
size (base64, one a line), a blank line, then the signed checkpoint. The witness answers, in the
order of c2sp.org/tlog-witness: 400 for a malformed request or an old size above the
checkpoint's; 404 for a log it does not know; 403 when the log's signature does not verify; 409
with ``text/x.tlog.size`` and its own size when the old size is not the one it last cosigned;
409 when the sizes match but the roots differ; 422 when the proof does not verify; else 200 with
its cosignature line. A witness never cosigns a checkpoint it cannot prove extends the last it
cosigned, so a log that shows two histories is caught.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from custos.core.errors import IntegrityFailure
from custos.ledger.checkpoint import Checkpoint, open_checkpoint
from custos.ledger.hashing import EMPTY_ROOT
from custos.ledger.note import Note, NoteError, Verifier
from custos.ledger.proofs import ProofError, verify_consistency

#: A consistency proof is at most twice the tree's depth; 63 lines is what the spec's clients cap.
MAX_PROOF_LINES = 63
SIZE_MEDIA_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def origin(self) -> str:
        """The origin the checkpoint claims (its first line), before anything is verified."""
        text = self.note.split("\n\n", 1)[0]
        return text.split("\n", 1)[0]


class WitnessRefusal(Exception):
    """The witness's answer when it does not cosign: the HTTP status, why, and, for a stale old
    size, the size it did cosign last."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        known_size: int | None = None,
        evidence: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.known_size = known_size
        self.evidence = evidence or {}

    @property
    def shows_fork(self) -> bool:
        """The log signed a checkpoint that cannot extend the one cosigned before."""
        return self.status == 422 or (self.status == 409 and self.known_size is None)


def render_add_checkpoint(old_size: int, proof: list[bytes], note: str) -> str:
    lines = [f"old {old_size}", *(base64.b64encode(node).decode() for node in proof)]
    return "".join(f"{line}\n" for line in lines) + "\n" + note


def parse_add_checkpoint(body: str) -> AddCheckpoint:
    head, separator, note = body.partition("\n\n")
    if not separator or not note:
        raise WitnessRefusal(
            400, "the request is 'old <size>', proof lines, a blank line, then the checkpoint"
        )
    first, *proof_lines = head.split("\n")
    size_text = first.removeprefix("old ")
    if first == size_text or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise WitnessRefusal(400, f"the first line must be 'old <decimal size>', not {first!r}")
    if len(proof_lines) > MAX_PROOF_LINES:
        raise WitnessRefusal(400, f"the proof has {len(proof_lines)} lines, at most {MAX_PROOF_LINES}")
    try:
        proof = tuple(base64.b64decode(line, validate=True) for line in proof_lines)
    except binascii.Error as exc:
        raise WitnessRefusal(400, f"a proof line is not base64: {exc}") from exc
    if any(len(node) != 32 for node in proof):
        raise WitnessRefusal(400, "every proof line is a 32-byte hash")
    return AddCheckpoint(int(size_text), proof, note)


@dataclass(frozen=True)
class Head:
    """The checkpoint a witness last cosigned for a log."""

    size: int
    root: bytes


def witness_decision(request: AddCheckpoint, log: Verifier, head: Head | None) -> Checkpoint:
    """The checkpoint to cosign, or :class:`WitnessRefusal` saying why not (the spec's order)."""
    try:
        Checkpoint.parse_body(Note.parse(request.note).text)
    except NoteError as exc:
        raise WitnessRefusal(400, f"the checkpoint is malformed: {exc}") from exc
    try:
        checkpoint, _ = open_checkpoint(request.note, log)
    except (NoteError, IntegrityFailure) as exc:
        raise WitnessRefusal(403, f"the checkpoint is not signed by {log.name}'s log key: {exc}") from exc
    if request.old_size > checkpoint.size:
        raise WitnessRefusal(
            400, f"the checkpoint (size {checkpoint.size}) is smaller than old size {request.old_size}"
        )
    known = head.size if head is not None else 0
    if request.old_size != known:
        raise WitnessRefusal(
            409, f"the last checkpoint cosigned for {log.name} has size {known}", known_size=known
        )
    evidence = {
        "origin": log.name,
        "cosigned_size": known,
        "cosigned_root": base64.b64encode(head.root if head else EMPTY_ROOT).decode(),
        "offered_size": checkpoint.size,
        "offered_root": base64.b64encode(checkpoint.root).decode(),
        "offered": request.note,
        "proof": [base64.b64encode(node).decode() for node in request.proof],
    }
    if head is None:
        if request.proof:
            raise WitnessRefusal(422, "the proof must be empty when the old size is zero", evidence=evidence)
        return checkpoint
    if checkpoint.size == head.size:
        if checkpoint.root != head.root:
            raise WitnessRefusal(
                409,
                f"a checkpoint of size {head.size} with another root was cosigned: the log forked",
                evidence=evidence,
            )
        return checkpoint
    try:
        verify_consistency(
            old_size=head.size,
            new_size=checkpoint.size,
            old_root=head.root,
            new_root=checkpoint.root,
            proof=request.proof,
        )
    except ProofError as exc:
        raise WitnessRefusal(
            422,
            f"the checkpoint is not consistent with the one of size {head.size} cosigned before: {exc}",
            evidence=evidence,
        ) from exc
    return checkpoint
