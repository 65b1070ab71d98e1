"""Notices and receipts on the wire: signed notes (C2SP signed-note) with a JSON body.

A notice carries one filing as the receiving peer may see it (the envelope, the fields it may
read with their salts, the salted digests of the rest), the filing's index in the sender's log,
its inclusion proof, and the checkpoint that proof is against. It is signed by the sender's log
key, so it names its sender beyond dispute; its first line, ``custos.notice/v1``, can never be
taken for a checkpoint, whose first line is the log's origin. A receipt is the receiver's
signed answer to a delivery: which notices it holds, each filed as what (one signature for the
batch: signing and checking one per notice was a third of the exchange's time).

The body is RFC 8785 canonical JSON on one line, so a note is the same bytes wherever it is
rebuilt, and a retransmission of a notice is recognisable as such.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from custos.core.canonical import canonical_json
from custos.filings import Filing, FilingView, Visibility
from custos.filings.commitment import Disclosure
from custos.ledger import Note, NoteError, ProofError, Signer, Verifier

NOTICE_HEADER = "custos.notice/v1"
RECEIPT_HEADER = "custos.receipt/v1"
#: At most this many bytes of notice: a filing's entry is at most 64 KiB, and its content with
#: the proof and the checkpoint fits well within four times that.
MAX_NOTICE_BYTES = 256 * 1024


class NoticeBody(BaseModel):
    """What a notice says: from whom, to whom, which filing, and the proof that it is logged."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    sender: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    notice: str = Field(min_length=1, max_length=64)
    filing: FilingView
    index: int = Field(ge=0)
    proof: tuple[str, ...]
    checkpoint: str = Field(min_length=1)


class Received(BaseModel):
    """One notice of a receipt: the sender's notice and filing, filed by the receiver as ``received_as``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notice: str = Field(min_length=1)
    filing: str = Field(min_length=1)
    received_as: str = Field(min_length=1)


class ReceiptBody(BaseModel):
    """What a receipt says: the receiver holds each notice listed, filed as it says."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    sender: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    received: tuple[Received, ...] = Field(min_length=1)


def shown_to_peer(filing: Filing, fields: Sequence[str]) -> FilingView:
    """The filing as a peer sees it: public fields and the confidential ``fields`` it was
    granted, with their salts; every other field as its salted digest only."""
    granted = set(fields)
    digests = filing.field_digests()
    disclosed = {
        name: Disclosure(value=value, salt=filing.salts[name], visibility=filing.visibility[name])
        for name, value in filing.content.items()
        if filing.visibility[name] == Visibility.PUBLIC or name in granted
    }
    return FilingView(
        envelope=filing.envelope(),
        disclosed=disclosed,
        withheld=sorted(digest for name, digest in digests.items() if name not in disclosed),
        digest=filing.digest(),
    )


def _signed(header: str, body: BaseModel, signer: Signer) -> str:
    payload = body.model_dump(mode="json", by_alias=True)
    text = f"{header}\n{canonical_json(payload).decode()}\n"
    return text + "\n" + signer.signature_line(text)


def notice_note(
    signer: Signer,
    *,
    to: str,
    notice_id: str,
    view: FilingView,
    index: int,
    proof: Sequence[bytes],
    checkpoint: str,
) -> str:
    """A signed notice from the installation whose log key is ``signer``."""
    body = NoticeBody.model_validate(
        {
            "from": signer.name,
            "to": to,
            "notice": notice_id,
            "filing": view,
            "index": index,
            "proof": [base64.b64encode(node).decode() for node in proof],
            "checkpoint": checkpoint,
        }
    )
    return _signed(NOTICE_HEADER, body, signer)


def receipt_note(signer: Signer, *, to: str, received: Sequence[Received]) -> str:
    """One signed receipt for every notice of a delivery from ``to`` that is held here."""
    body = ReceiptBody.model_validate({"from": signer.name, "to": to, "received": received})
    return _signed(RECEIPT_HEADER, body, signer)


@dataclass(frozen=True)
class Opened:
    """A note whose format is sound, with the name of the key that claims to have signed it."""

    note: Note
    signer_name: str
    body: dict[str, Any]


def open_note(text: str, header: str) -> Opened:
    """Split a notice or receipt into its note and JSON body, checking the format only.

    Raises :class:`NoteError` with the reason when it is not one."""
    if len(text) > MAX_NOTICE_BYTES:
        raise NoteError(f"the note is over {MAX_NOTICE_BYTES} bytes")
    note = Note.parse(text)
    if len(note.signatures) != 1:
        raise NoteError("a notice or receipt carries exactly one signature, its sender's")
    first, _, rest = note.text.partition("\n")
    if first != header or rest.count("\n") != 1:
        raise NoteError(f"the note is not a {header} note: its text is {header!r} then one JSON line")
    try:
        body = json.loads(rest)
    except json.JSONDecodeError as exc:
        raise NoteError(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise NoteError("the body is not a JSON object")
    return Opened(note, note.signatures[0].name, body)


def verified_body(opened: Opened, verifier: Verifier, model: type[NoticeBody] | type[ReceiptBody]) -> Any:
    """The body, once the signature by ``verifier`` checks and the body names its signer."""
    opened.note.verify(verifier)
    try:
        body = model.model_validate(opened.body)
    except ValidationError as exc:
        raise NoteError(f"the body is not a well-formed {model.__name__}: {exc.errors()[0]['msg']}") from exc
    if body.sender != verifier.name:
        raise NoteError(f"the note says it is from {body.sender!r} but is signed by {verifier.name!r}")
    return body


def proof_nodes(encoded: Sequence[str]) -> list[bytes]:
    """A proof's nodes from their base64 (as notices and the API's proofs carry them)."""
    try:
        return [base64.b64decode(node, validate=True) for node in encoded]
    except (binascii.Error, TypeError) as exc:
        raise ProofError(f"a proof node is not base64: {exc}") from exc
