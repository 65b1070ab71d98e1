"""The offline verifier: trust nothing stored, recompute everything, name the first fault.

It recomputes the tree from the entries alone, compares every stored tile with the recomputed
one, checks every stored checkpoint's signature and root, every witness's cosignature on it
against that witness's key, and the consistency of each checkpoint with the one before it.
Signed checkpoints are the trust anchor: when an entry and its tile disagree, the side that
agrees with the signed checkpoints is the honest one; when entries were rewritten and every
tile recomputed to match, the checkpoints bracket the first altered entry between the last size
they still vouch for and the first they do not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from custos.core.errors import IntegrityFailure
from custos.ledger.checkpoint import Checkpoint, open_checkpoint
from custos.ledger.hashing import HASH_SIZE, leaf_hashes
from custos.ledger.note import Note, NoteError, Verifier
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
        """Every stored signed checkpoint with its witnesses' cosignature lines, oldest first."""
        ...


@dataclass
class VerificationReport:
    size: int
    checkpoints: list[int] = field(default_factory=list)
    tiles: int = 0
    cosignatures: int = 0

    def summary(self) -> str:
        return (
            f"verified {self.size:,} entries, {self.tiles:,} tiles, {len(self.checkpoints):,} signed "
            f"checkpoints and {self.cosignatures:,} witness cosignatures"
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


def _cosignatures(note: str, position: int, log_key: Verifier, witnesses: Sequence[Verifier]) -> int:
    """Check every signature line on a checkpoint other than the log's against its witness's key."""
    parsed = Note.parse(note)
    checked = 0
    for line in parsed.signatures:
        if (line.name, line.key_id) == (log_key.name, log_key.key_id):
            continue
        known = [w for w in witnesses if (w.name, w.key_id) == (line.name, line.key_id)]
        if not known:
            raise IntegrityFailure(
                f"checkpoint #{position} carries a cosignature by {line.name} ({line.key_id.hex()}), "
                "a witness whose key is not known here: give it to verify it",
                evidence={"checkpoint": position, "witness": line.name},
            )
        try:
            Note(parsed.text, (line,)).verify(known[0])
        except NoteError as exc:
            raise IntegrityFailure(
                f"checkpoint #{position}: the cosignature by {line.name} does not verify: {exc}",
                evidence={"checkpoint": position, "witness": line.name},
            ) from exc
        checked += 1
    return checked


def verify_log(
    source: LogSource, log_key: Verifier, witnesses: Sequence[Verifier] = ()
) -> VerificationReport:
    """Verify a whole log; raise :class:`IntegrityFailure` naming the first fault found.

    ``witnesses`` are the keys of the witnesses whose cosignatures the log may carry; a
    cosignature by anyone else, or one that does not verify, is a fault.
    """
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
        report.cosignatures += _cosignatures(note, position, log_key, witnesses)
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
            # An altered entry k breaks every root over more than k entries and none over fewer.
            first = max((c.size for c, ok in zip(checkpoints, roots_agree, strict=True) if ok), default=0)
            raise IntegrityFailure(
                f"the entries are not those checkpoint #{position} signed (size {checkpoint.size}): "
                f"an entry from {first} to {checkpoint.size - 1} was altered after signing, "
                "and the tiles recomputed to hide it",
                evidence={
                    "checkpoint": position,
                    "size": checkpoint.size,
                    "first": first,
                    "end": checkpoint.size,
                },
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
