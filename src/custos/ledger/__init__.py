"""The transparency log: RFC 9162 Merkle tree, C2SP tiles, signed checkpoints and witnesses.

It knows nothing of filings: entries are bytes. Storage is reached through the
:class:`TileSource` and :class:`LogSource` protocols, so the math runs the same over a
database, memory or files fetched from a tiles server.
"""

from custos.ledger.checkpoint import Checkpoint, open_checkpoint
from custos.ledger.hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, leaf_hashes, node_hash, reference_root
from custos.ledger.note import ALG_COSIGNATURE_V1, ALG_ED25519, Note, NoteError, Signer, Verifier
from custos.ledger.proofs import ProofError, verify_consistency, verify_inclusion
from custos.ledger.reader import LogReader, MemoryTiles, TileCache, TileSource
from custos.ledger.tiles import (
    MAX_ENTRY_BYTES,
    TILE_WIDTH,
    TileWrite,
    decode_bundle,
    encode_bundle,
    parse_tile_path,
    plan_append,
    tile_path,
)
from custos.ledger.verify import LogSource, VerificationReport, verify_log
from custos.ledger.witness import FileWitnessState, Witness, WitnessedHead
from custos.ledger.witness_protocol import (
    SIZE_MEDIA_TYPE,
    AddCheckpoint,
    Head,
    WitnessRefusal,
    parse_add_checkpoint,
    render_add_checkpoint,
    witness_decision,
)

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_ENTRY_BYTES",
    "SIZE_MEDIA_TYPE",
    "TILE_WIDTH",
    "AddCheckpoint",
    "Checkpoint",
    "FileWitnessState",
    "Head",
    "LogReader",
    "LogSource",
    "MemoryTiles",
    "Note",
    "NoteError",
    "ProofError",
    "Signer",
    "TileCache",
    "TileSource",
    "TileWrite",
    "VerificationReport",
    "Verifier",
    "Witness",
    "WitnessRefusal",
    "WitnessedHead",
    "decode_bundle",
    "encode_bundle",
    "leaf_hash",
    "leaf_hashes",
    "node_hash",
    "open_checkpoint",
    "parse_add_checkpoint",
    "parse_tile_path",
    "plan_append",
    "reference_root",
    "render_add_checkpoint",
    "tile_path",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
    "witness_decision",
]
