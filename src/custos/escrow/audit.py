"""Storage audits: chunks chosen by public randomness, proved against the committed root.

The seed is SHA-256 over the deposit and a signed checkpoint of the log that already holds the
deposit, so neither the provider nor the store could know at deposit time which chunks would be
asked for, and anyone holding the checkpoint can recompute the choice (:func:`seed`, then
:func:`chosen`). The store answers with each chunk and its audit
path; only the root in the deposit filing is trusted. Sixteen chunks an audit find a store that
lost a tenth of a deposit with probability 1 - 0.9^16 ≈ 81% each time, and monthly audits compound.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from custos.core.errors import CustosError
from custos.escrow.model import ChunkFailure
from custos.escrow.sealing import verify_chunks
from custos.escrow.vault import Vault
from custos.ledger.public_draw import draw

DOMAIN = b"custos-escrow-audit/v1\n"
#: What the draw of chunks prefixes to the seed.
CHALLENGE_DOMAIN = b"custos-escrow/challenge/v1\x00"
#: Chunks an audit asks for.
CHUNKS_PER_AUDIT = 16
#: How often each deposit is audited by the sweep.
AUDIT_EVERY = timedelta(days=30)


def seed(deposit_id: str, checkpoint_size: int, checkpoint_root: bytes) -> bytes:
    """The audit's public randomness: the deposit and a checkpoint that postdates it."""
    return hashlib.sha256(DOMAIN + f"{deposit_id}\n{checkpoint_size}\n".encode() + checkpoint_root).digest()


def chosen(deposit_id: str, checkpoint_size: int, checkpoint_root: bytes, total: int) -> list[int]:
    """The chunks an audit against this checkpoint asks for."""
    return draw(
        CHALLENGE_DOMAIN + seed(deposit_id, checkpoint_size, checkpoint_root), CHUNKS_PER_AUDIT, total
    )


def check_chunks(
    vault_url: str, reference: str, root: bytes, total: int, indices: Sequence[int]
) -> list[ChunkFailure]:
    """Ask the store for the chunks and check each against the root; the failures, by chunk."""
    try:
        proved = {chunk.index: chunk for chunk in Vault(vault_url).prove(reference, indices)}
    except (CustosError, OSError, ValueError) as exc:
        # The error's own text may name the store or the deposit's folder, which only
        # supervisors see: the audit filing is public, so it says only what kind of error.
        reason = f"the escrow store did not answer ({type(exc).__name__})"
        return [ChunkFailure(index=index, reason=reason) for index in indices]
    # Only the root in the deposit filing is trusted: the store's own sidecars never are.
    wrong = {failure.index for failure in verify_chunks(root.hex(), total, list(proved.values()))}
    return [
        ChunkFailure(index=index, reason="the escrow store did not return the chunk")
        if index not in proved
        else ChunkFailure(index=index, reason="the chunk does not match the root committed in the deposit")
        for index in indices
        if index not in proved or index in wrong
    ]
