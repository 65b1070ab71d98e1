"""The offline verifier: trust nothing stored, recompute everything, name the first fault.

It recomputes the tree from the entries alone, compares every stored tile with the recomputed
one, checks every stored checkpoint's signature and root, and the consistency of each
checkpoint with the one before it. Signed checkpoints are the trust anchor: when an entry and
its tile disagree, the side that agrees with the signed checkpoints is the honest one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from custos.core.errors import IntegrityFailure
from custos.ledger.checkpoint import Checkpoint, open_checkpoint
from custos.ledger.hashing import HASH_SIZE, leaf_hashes
from custos.ledger.note import NoteError, Verifier
from custos.ledger.proofs import ProofError, verify_consistency
from custos.ledger.reader import LogReader, MemoryTiles
from custos.ledger.tiles import TILE_WIDTH, tile_width_at


class LogSource(Protocol):
    """Everything a log stores, read-only."""

    def stored_size(self) -> int: ...

    def iter_entries(self, start: int, end: int) -> Iterator[Sequence[tuple[int, bytes]]]:
        """Batches of (index, entry) in index order."""
        ...

    def iter_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored (level, index, hashes), ordered by level then index."""
        ...

    def checkpoint_notes(self) -> list[str]:
        """Every stored signed checkpoint, oldest first."""
        ...


@dataclass
class VerificationReport:
    size: int
    checkpoints: list[int] = field(default_factory=list)
    tiles: int = 0

    def summary(self) -> str:
        return (
            f"verified {self.size} entries, {self.tiles} tiles and {len(self.checkpoints)} signed checkpoints"
        )


def _recompute(source: LogSource, size: int) -> MemoryTiles:
    tree = MemoryTiles()
    expected = 0
    for batch in source.iter_entries(0, size):
        for index, _ in batch:
            if index != expected:
                raise IntegrityFailure(
                    f"entry {expected} is missing from the log", evidence={"entry": expected}
                )
            expected += 1
        tree.append(leaf_hashes([entry for _, entry in batch]))
    if expected != size:
        raise IntegrityFailure(
            f"the log claims {size} entries but stores {expected}", evidence={"entry": expected}
        )
    return tree


def _first_tile_fault(source: LogSource, tree: MemoryTiles, size: int) -> tuple[int, int, int] | None:
    """(level, index, first differing hash position) of the first stored tile that is wrong."""
    seen = set()
    for level, index, stored in source.iter_tiles():
        seen.add((level, index))
        width = tile_width_at(level, index, size)
        recomputed = tree.tiles.get((level, index), b"")
        if width == 0:
            return level, index, 0  # a tile beyond the tree's size
        if stored != recomputed:
            for position in range(width):
                span = slice(position * HASH_SIZE, (position + 1) * HASH_SIZE)
                if stored[span] != recomputed[span]:
                    return level, index, position
            return level, index, min(len(stored), len(recomputed)) // HASH_SIZE
    for level, index in sorted(tree.tiles):
        if (level, index) not in seen:
            return level, index, 0
    return None


def verify_log(source: LogSource, log_key: Verifier) -> VerificationReport:
    """Verify a whole log; raise :class:`IntegrityFailure` naming the first fault found."""
    size = source.stored_size()
    report = VerificationReport(size)
    checkpoints: list[Checkpoint] = []
    for position, note in enumerate(source.checkpoint_notes()):
        try:
            checkpoint, _ = open_checkpoint(note, log_key)
        except NoteError as exc:
            raise IntegrityFailure(
                f"checkpoint #{position} does not verify: {exc}", evidence={"checkpoint": position}
            ) from exc
        if checkpoint.size > size:
            raise IntegrityFailure(
                f"checkpoint #{position} commits to {checkpoint.size} entries, the log has {size}",
                evidence={"checkpoint": position, "size": checkpoint.size},
            )
        checkpoints.append(checkpoint)

    tree = _recompute(source, size)
    reader = LogReader(tree)
    roots_agree = [reader.root(c.size) == c.root for c in checkpoints]

    fault = _first_tile_fault(source, tree, size)
    if fault is not None:
        level, index, position = fault
        tile = f"{level}/{index}"
        entry = index * TILE_WIDTH + position if level == 0 else None
        covered = [
            ok for c, ok in zip(checkpoints, roots_agree, strict=True) if entry is None or c.size > entry
        ]
        if entry is not None and covered and not all(covered):
            raise IntegrityFailure(
                f"entry {entry} does not match the log: its hash differs from tile {tile} "
                "and from the signed checkpoints",
                evidence={"entry": entry, "tile": tile},
            )
        if entry is not None and not covered:
            raise IntegrityFailure(
                f"entry {entry} and tile {tile} disagree, and no signed checkpoint covers them yet",
                evidence={"entry": entry, "tile": tile},
            )
        raise IntegrityFailure(
            f"tile {tile} does not match the entries (first wrong hash at position {position})",
            evidence={"tile": tile, "position": position},
        )

    previous: Checkpoint | None = None
    for position, (checkpoint, agrees) in enumerate(zip(checkpoints, roots_agree, strict=True)):
        if not agrees:
            raise IntegrityFailure(
                f"checkpoint #{position} (size {checkpoint.size}) commits to a root the entries do not give",
                evidence={"checkpoint": position, "size": checkpoint.size},
            )
        if previous is not None:
            try:
                verify_consistency(
                    old_size=previous.size,
                    new_size=checkpoint.size,
                    old_root=previous.root,
                    new_root=checkpoint.root,
                    proof=reader.consistency_proof(previous.size, checkpoint.size)
                    if previous.size <= checkpoint.size
                    else [],
                )
            except ProofError as exc:
                raise IntegrityFailure(
                    f"checkpoint #{position} is not consistent with checkpoint #{position - 1}: {exc}",
                    evidence={"checkpoint": position},
                ) from exc
        report.checkpoints.append(checkpoint.size)
        previous = checkpoint
    report.tiles = len(tree.tiles)
    return report
