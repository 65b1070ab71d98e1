"""C2SP tlog-checkpoint: the signed head of the log.

Body: origin line, decimal tree size, base64 root hash, optional extension lines, each ending
in a newline; signed as a note by the log's key, whose name is the origin.

Reference: https://c2sp.org/tlog-checkpoint
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from custos.ledger.hashing import HASH_SIZE
from custos.ledger.note import Note, NoteError, Signer, Verifier, sign_note


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def body(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    def sign(self, signer: Signer) -> str:
        return sign_note(self.body(), signer)

    @classmethod
    def parse_body(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint body has an origin, a size and a root hash, each on a line")
        origin, size_text, root_text, *extensions = lines[:-1]
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
            raise NoteError(f"checkpoint size {size_text!r} is not a decimal without leading zeros")
        try:
            root = base64.b64decode(root_text, validate=True)
        except binascii.Error as exc:
            raise NoteError("checkpoint root hash is not base64") from exc
        if len(root) != HASH_SIZE:
            raise NoteError("checkpoint root hash is not 32 bytes")
        if any(not line for line in extensions):
            raise NoteError("checkpoint extension lines must not be empty")
        return cls(origin, int(size_text), root, tuple(extensions))


def open_checkpoint(note: str, verifier: Verifier) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint against the log's key and return it.

    The origin MUST match the key name: a checkpoint signed for another log is refused.
    """
    parsed = Note.parse(note)
    parsed.verify(verifier)
    checkpoint = Checkpoint.parse_body(parsed.text)
    if checkpoint.origin != verifier.name:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the log {verifier.name!r}")
    return checkpoint, parsed
