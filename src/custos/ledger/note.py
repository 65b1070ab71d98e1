"""C2SP signed notes with Ed25519 keys, and tlog-cosignature/v1 timestamped cosignatures.

A note is UTF-8 text ending in a newline, then a blank line, then signature lines
``— <name> base64(key id || signature)``. The key id is the first four bytes of
``SHA-256(name || "\\n" || algorithm byte || public key)``: 0x01 for a log's Ed25519 key,
0x04 for an Ed25519 cosigner, whose signature also carries a big-endian uint64 timestamp and
signs ``cosignature/v1\\ntime <t>\\n`` followed by the note text.

Written here rather than taken from a library because no maintained Python package implements
the signed-note and cosignature formats; the signing itself is ``cryptography``'s Ed25519, and
the tests pin the Go reference vectors (golang.org/x/mod/sumdb/note).

References: https://c2sp.org/signed-note, https://c2sp.org/tlog-cosignature
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from custos.core.errors import IntegrityFailure, InvalidInput

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
COSIGNATURE_HEADER = "cosignature/v1\n"


class NoteError(IntegrityFailure):
    """A note is malformed or a required signature does not verify."""


def _key_id(name: str, algorithm: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise InvalidInput(f"key name {name!r} must be non-empty, without spaces or '+'")


def _key_material(which: str, material: str) -> tuple[int, bytes]:
    """Decode ``base64(algorithm byte || 32-byte Ed25519 key)`` of a verifier or signer key."""
    try:
        raw = base64.b64decode(material, validate=True)
    except binascii.Error as exc:
        raise InvalidInput(f"{which} key material is not base64: {exc}") from exc
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise InvalidInput(f"{which} key must hold an Ed25519 key (algorithm 0x01 or 0x04)")
    return raw[0], raw[1:]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key that can check signature lines of one name."""

    name: str
    algorithm: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return _key_id(self.name, self.algorithm, self.public)

    @property
    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex key id>+<base64(alg || key)>``."""
        material = base64.b64encode(bytes([self.algorithm]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        parts = vkey.strip().split("+", 2)  # base64 key material may itself contain '+'
        if len(parts) != 3:
            raise InvalidInput("a verifier key has three '+'-separated parts: name, key id, key")
        name, key_hash, material = parts
        _check_name(name)
        algorithm, key = _key_material("verifier", material)
        verifier = cls(name, algorithm, key)
        if verifier.key_id.hex() != key_hash.lower() or len(key_hash) != 8:
            raise InvalidInput("verifier key id does not match its name and key")
        return verifier

    def check(self, message: bytes, signature: bytes) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except (InvalidSignature, ValueError) as exc:
            raise NoteError(f"signature by {self.name} does not verify") from exc


class Signer:
    """An Ed25519 private key with a name; ``algorithm`` 0x01 signs notes, 0x04 cosigns."""

    def __init__(self, name: str, private: Ed25519PrivateKey, algorithm: int = ALG_ED25519) -> None:
        _check_name(name)
        self.name = name
        self.algorithm = algorithm
        self._private = private
        self.verifier = Verifier(name, algorithm, _raw_public(private.public_key()))

    @classmethod
    def generate(cls, name: str, algorithm: int = ALG_ED25519) -> Signer:
        return cls(name, Ed25519PrivateKey.generate(), algorithm)

    @property
    def skey(self) -> str:
        """The signer key string ``PRIVATE+KEY+<name>+<hex id>+<base64(alg || seed)>``: a secret."""
        seed = self._private.private_bytes_raw()
        material = base64.b64encode(bytes([self.algorithm]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{material}"

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)  # base64 key material may itself contain '+'
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise InvalidInput("a signer key reads PRIVATE+KEY+<name>+<id>+<key>")
        _, _, name, key_hash, material = parts
        algorithm, seed = _key_material("signer", material)
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(seed), algorithm)
        if signer.verifier.key_id.hex() != key_hash.lower():
            raise InvalidInput("signer key id does not match its name and key")
        return signer

    def signature_line(self, text: str, *, timestamp: int | None = None) -> str:
        """The signature line for note ``text``; cosigners must give the ``timestamp``."""
        if self.algorithm == ALG_COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 2**63:
                raise InvalidInput("a cosignature needs a POSIX timestamp")
            message = cosigned_message(text, timestamp)
            blob = self.verifier.key_id + struct.pack(">Q", timestamp) + self._private.sign(message)
        else:
            blob = self.verifier.key_id + self._private.sign(text.encode())
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes  # for cosignatures: timestamp (8 bytes) then the Ed25519 signature


@dataclass(frozen=True)
class Note:
    text: str
    signatures: tuple[SignatureLine, ...]

    @classmethod
    def parse(cls, note: str) -> Note:
        """Split a signed note into its text and signature lines, checking the format only."""
        split = note.rfind("\n\n")
        if split < 0 or not note.endswith("\n"):
            raise NoteError("a signed note is text, a blank line, then signature lines")
        text, block = note[: split + 1], note[split + 2 :]
        signatures = []
        for line in block.splitlines():
            if not line.startswith(SIGNATURE_PREFIX):
                raise NoteError(f"not a signature line: {line!r}")
            try:
                name, encoded = line[len(SIGNATURE_PREFIX) :].split(" ")
                blob = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error) as exc:
                raise NoteError(f"malformed signature line: {line!r}") from exc
            if len(blob) < 5:
                raise NoteError(f"signature line too short: {line!r}")
            signatures.append(SignatureLine(name, blob[:4], blob[4:]))
        if not signatures:
            raise NoteError("the note carries no signature")
        return cls(text, tuple(signatures))

    def verify(self, verifier: Verifier) -> int | None:
        """Check the signature by ``verifier``; return its timestamp for a cosignature.

        Raises :class:`NoteError` when the note has no valid signature by that key.
        """
        for line in self.signatures:
            if line.name != verifier.name or line.key_id != verifier.key_id:
                continue
            if verifier.algorithm == ALG_COSIGNATURE_V1:
                if len(line.signature) != 72:
                    raise NoteError(f"cosignature by {verifier.name} has the wrong length")
                (timestamp,) = struct.unpack(">Q", line.signature[:8])
                verifier.check(cosigned_message(self.text, timestamp), line.signature[8:])
                return int(timestamp)
            verifier.check(self.text.encode(), line.signature)
            return None
        raise NoteError(f"no signature by {verifier.name} ({verifier.key_id.hex()}) on the note")

    def render(self, extra_lines: tuple[str, ...] = ()) -> str:
        """The note with its signature lines, plus any new ones appended."""
        lines = [
            f"{SIGNATURE_PREFIX}{s.name} {base64.b64encode(s.key_id + s.signature).decode()}\n"
            for s in self.signatures
        ]
        return self.text + "\n" + "".join(lines) + "".join(extra_lines)


def sign_note(text: str, signer: Signer) -> str:
    if not text.endswith("\n"):
        raise InvalidInput("note text must end with a newline")
    return text + "\n" + signer.signature_line(text)
