"""Which records of a committed manifest are sampled: drawn from a checkpoint of the log signed
after the commitment was filed, so neither the provider nor the auditor chose them and anyone
can repeat the draw.

The seed binds the commitment and the checkpoint: SHA-256 over the commitment id (UTF-8,
preceded by its length as 4 bytes big endian), the checkpoint's size (8 bytes big endian) and
its root hash. The draw is :func:`custos.ledger.public_draw.draw` over the seed prefixed with
this instrument's domain, so an escrow audit drawing from the same checkpoint draws other
indices.
"""

from __future__ import annotations

import hashlib

from custos.core.errors import InvalidInput
from custos.ledger.hashing import HASH_SIZE
from custos.ledger.public_draw import draw

SAMPLE_DOMAIN = b"custos-provenance/sample/v1\x00"


def sample_seed(commitment_id: str, checkpoint_size: int, checkpoint_root: bytes) -> bytes:
    """The 32-byte seed of the sample of commitment ``commitment_id`` drawn from a checkpoint."""
    if not commitment_id:
        raise InvalidInput("a sample is drawn for a commitment: its id is empty")
    if checkpoint_size < 1:
        raise InvalidInput(
            f"a sample is drawn from a checkpoint of the log, got a tree of size {checkpoint_size}"
        )
    if len(checkpoint_root) != HASH_SIZE:
        raise InvalidInput(f"a checkpoint's root hash is {HASH_SIZE} bytes, got {len(checkpoint_root)}")
    identifier = commitment_id.encode()
    return hashlib.sha256(
        len(identifier).to_bytes(4, "big") + identifier + checkpoint_size.to_bytes(8, "big") + checkpoint_root
    ).digest()


def sample_indices(
    commitment_id: str, checkpoint_size: int, checkpoint_root: bytes, sample_size: int, record_count: int
) -> list[int]:
    """The sorted, distinct indices of the records to reveal (every record when the sample is as
    large as the manifest)."""
    if sample_size < 1:
        raise InvalidInput(f"a sample holds at least one record, got {sample_size}")
    if record_count < 1:
        raise InvalidInput(f"a sample is drawn from at least one record, got {record_count}")
    seed = sample_seed(commitment_id, checkpoint_size, checkpoint_root)
    return draw(SAMPLE_DOMAIN + seed, sample_size, record_count)
