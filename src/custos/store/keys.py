"""Signing keys on disk: the log's checkpoint key, created by ``custos init``, and the public keys
of the witnesses that cosign the log.

Keys are signed-note signer key strings in files readable by their owner only (mode 0600),
in a directory of mode 0700. A key file with looser permissions is refused, as ssh does.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from custos.core.errors import InvalidInput, NotFound
from custos.ledger import ALG_COSIGNATURE_V1, ALG_ED25519, Signer, Verifier

LOG_KEY_FILE = "log.key"
WITNESSES_FILE = "witnesses"  # verifier keys of the witnesses that cosign this log, one a line


def write_key(path: Path, signer: Signer) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    if path.exists():
        raise InvalidInput(f"{path} already exists; refusing to overwrite a signing key")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(signer.skey + "\n")


def read_key(path: Path) -> Signer:
    if not path.exists():
        raise NotFound(f"no signing key at {path}: run `custos init`")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InvalidInput(f"{path} is readable by others (mode {mode:o}); chmod 600 it")
    return Signer.from_skey(path.read_text())


def create_log_key(keys_dir: Path, origin: str) -> Signer:
    signer = Signer.generate(origin, ALG_ED25519)
    write_key(keys_dir / LOG_KEY_FILE, signer)
    return signer


def load_log_key(keys_dir: Path) -> Signer:
    return read_key(keys_dir / LOG_KEY_FILE)


def witness_keys(keys_dir: Path) -> list[Verifier]:
    """The witnesses this installation knows, whose cosignatures verification checks."""
    path = keys_dir / WITNESSES_FILE
    if not path.exists():
        return []
    return [Verifier.from_vkey(line.strip()) for line in path.read_text().splitlines() if line.strip()]


def add_witness_key(keys_dir: Path, witness: Verifier) -> None:
    """Remember a witness's key (once), so its cosignatures can be verified later."""
    if any(known.vkey == witness.vkey for known in witness_keys(keys_dir)):
        return
    keys_dir.mkdir(parents=True, exist_ok=True)
    with (keys_dir / WITNESSES_FILE).open("a") as stream:
        stream.write(witness.vkey + "\n")


PEER_WITNESS_KEY_FILE = "peer-witness.key"


def peer_witness_key(keys_dir: Path, origin: str) -> Signer:
    """The key this installation cosigns its peers' checkpoints with, created on first use and
    named after its own log (``<origin>/witness``), so peers can tell whose cosignature it is."""
    path = keys_dir / PEER_WITNESS_KEY_FILE
    if not path.exists():
        with contextlib.suppress(InvalidInput, FileExistsError):  # another process made it first
            write_key(path, Signer.generate(f"{origin}/witness", ALG_COSIGNATURE_V1))
    return read_key(path)
