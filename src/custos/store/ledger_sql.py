"""The log kept in SQL: sequencing, integration into tiles, and publishing checkpoints.

The three steps are separate, as in Tessera: ``append`` durably assigns indices and integrates
the entries into the tiles in the caller's transaction; ``publish_checkpoint`` signs the tree
head later, in batches. An append MUST NOT be acknowledged before its transaction commits, and
a checkpoint MUST NOT be signed over entries that are not committed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, select, tuple_, update

from custos.core.errors import InvalidInput, NotFound
from custos.ledger import (
    MAX_ENTRY_BYTES,
    Checkpoint,
    LogReader,
    Signer,
    TileCache,
    leaf_hashes,
    plan_append,
)
from custos.ledger.tiles import TileId
from custos.store._tables import (
    ledger_checkpoints,
    ledger_cosignatures,
    ledger_entries,
    ledger_meta,
    ledger_state,
    ledger_tiles,
)

ENTRY_BATCH = 10_000
TILE_PAGE = 512


def tree_size(conn: Connection, *, lock: bool = False) -> int:
    query = select(ledger_state.c.size).where(ledger_state.c.id == 1)
    if lock:
        query = query.with_for_update()
    size = conn.execute(query).scalar_one_or_none()
    if size is None:
        raise NotFound("the log is not initialised: run `custos init`")
    return int(size)


def append(conn: Connection, entries: Sequence[bytes]) -> int:
    """Sequence and integrate ``entries``; return the index of the first. Call inside a write transaction."""
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_BYTES:
            raise InvalidInput(
                f"entry {position} of the batch is {len(entry)} bytes; "
                f"the log takes at most {MAX_ENTRY_BYTES}"
            )
    if not entries:
        return tree_size(conn)
    size = tree_size(conn, lock=True)
    existing: set[TileId] = set()

    def read_partial(level: int, index: int, width: int) -> bytes:
        existing.add((level, index))
        stored = conn.execute(
            select(ledger_tiles.c.hashes).where(ledger_tiles.c.level == level, ledger_tiles.c.idx == index)
        ).scalar_one()
        return bytes(stored[: width * 32])

    writes = plan_append(size, leaf_hashes(entries), read_partial)
    conn.execute(insert(ledger_entries), [{"idx": size + i, "data": e} for i, e in enumerate(entries)])
    new_tiles = [
        {"level": w.level, "idx": w.index, "hashes": w.hashes}
        for w in writes
        if (w.level, w.index) not in existing
    ]
    if new_tiles:
        conn.execute(insert(ledger_tiles), new_tiles)
    for write in writes:
        if (write.level, write.index) in existing:
            conn.execute(
                update(ledger_tiles)
                .where(ledger_tiles.c.level == write.level, ledger_tiles.c.idx == write.index)
                .values(hashes=write.hashes)
            )
    conn.execute(update(ledger_state).where(ledger_state.c.id == 1).values(size=size + len(entries)))
    return size


def meta(conn: Connection, key: str) -> str | None:
    value = conn.execute(select(ledger_meta.c.value).where(ledger_meta.c.key == key)).scalar_one_or_none()
    return None if value is None else str(value)


def set_meta(conn: Connection, key: str, value: str) -> None:
    if meta(conn, key) is None:
        conn.execute(insert(ledger_meta).values(key=key, value=value))
    else:
        conn.execute(update(ledger_meta).where(ledger_meta.c.key == key).values(value=value))


def authority(conn: Connection) -> tuple[str, str]:
    """The installation's authority and its jurisdiction: the owner and place of the filings it
    makes for itself (peers recognised, privacy budgets, releases)."""
    return str(meta(conn, "authority_id")), str(meta(conn, "jurisdiction"))


def origin(conn: Connection) -> str:
    value = meta(conn, "origin")
    if value is None:
        raise NotFound("the log is not initialised: run `custos init`")
    return value


def initialise(conn: Connection, log_origin: str) -> None:
    """Create an empty log named ``log_origin``; refuse to re-initialise one that exists."""
    if conn.execute(select(ledger_state.c.size)).first() is not None:
        raise InvalidInput("the log is already initialised")
    conn.execute(
        insert(ledger_meta), [{"key": "origin", "value": log_origin}, {"key": "format", "value": "1"}]
    )
    conn.execute(insert(ledger_state).values(id=1, size=0))


def entries(conn: Connection, start: int, end: int) -> list[tuple[int, bytes]]:
    rows = conn.execute(
        select(ledger_entries.c.idx, ledger_entries.c.data)
        .where(ledger_entries.c.idx >= start, ledger_entries.c.idx < end)
        .order_by(ledger_entries.c.idx)
    )
    return [(int(i), bytes(d)) for i, d in rows]


def read_tiles(conn: Connection, ids: Sequence[TileId]) -> dict[TileId, bytes]:
    if not ids:
        return {}
    rows = conn.execute(
        select(ledger_tiles.c.level, ledger_tiles.c.idx, ledger_tiles.c.hashes).where(
            tuple_(ledger_tiles.c.level, ledger_tiles.c.idx).in_(list(ids))
        )
    )
    return {(int(lv), int(ix)): bytes(h) for lv, ix, h in rows}


def latest_checkpoint(conn: Connection) -> tuple[int, int, str] | None:
    """(seq, size, note with its cosignature lines) of the newest checkpoint."""
    row = conn.execute(
        select(ledger_checkpoints.c.seq, ledger_checkpoints.c.size, ledger_checkpoints.c.note)
        .order_by(ledger_checkpoints.c.seq.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    lines = conn.execute(
        select(ledger_cosignatures.c.line)
        .where(ledger_cosignatures.c.checkpoint_seq == row.seq)
        .order_by(ledger_cosignatures.c.witness)
    ).scalars()
    return int(row.seq), int(row.size), row.note + "".join(lines)


def checkpoint_of_size(conn: Connection, size: int) -> str | None:
    """The signed note of the newest checkpoint of a tree of ``size`` entries, when one was signed."""
    return conn.execute(
        select(ledger_checkpoints.c.note)
        .where(ledger_checkpoints.c.size == size)
        .order_by(ledger_checkpoints.c.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def checkpoint_notes(conn: Connection) -> list[str]:
    """Every checkpoint as served: the log's signed note followed by its witnesses' cosignatures."""
    lines: dict[int, list[str]] = {}
    for seq, line in conn.execute(
        select(ledger_cosignatures.c.checkpoint_seq, ledger_cosignatures.c.line).order_by(
            ledger_cosignatures.c.checkpoint_seq, ledger_cosignatures.c.witness
        )
    ):
        lines.setdefault(int(seq), []).append(line)
    rows = conn.execute(
        select(ledger_checkpoints.c.seq, ledger_checkpoints.c.note).order_by(ledger_checkpoints.c.seq)
    )
    return [note + "".join(lines.get(int(seq), [])) for seq, note in rows]


def publish_checkpoint(conn: Connection, signer: Signer, reader: LogReader, now: datetime) -> tuple[int, str]:
    """Sign the current tree head unless the newest checkpoint already covers it; return (size, note)."""
    size = tree_size(conn)
    latest = latest_checkpoint(conn)
    if latest is not None and latest[1] == size:
        return size, latest[2]
    note = Checkpoint(origin(conn), size, reader.root(size)).sign(signer)
    conn.execute(insert(ledger_checkpoints).values(size=size, note=note, created_at=now))
    return size, note


def add_cosignature(conn: Connection, checkpoint_seq: int, witness: str, line: str) -> None:
    """Record a witness's cosignature of a checkpoint; a newer one from the same witness replaces it."""
    key = (ledger_cosignatures.c.checkpoint_seq == checkpoint_seq, ledger_cosignatures.c.witness == witness)
    if conn.execute(select(ledger_cosignatures.c.line).where(*key)).first() is None:
        conn.execute(
            insert(ledger_cosignatures).values(checkpoint_seq=checkpoint_seq, witness=witness, line=line)
        )
    else:
        conn.execute(update(ledger_cosignatures).where(*key).values(line=line))


class SqlTiles:
    """A :class:`~custos.ledger.TileSource` and :class:`~custos.ledger.LogSource` over an engine.

    Each read opens its own short read transaction; a shared :class:`TileCache` serves repeats.
    """

    def __init__(self, engine: Engine, cache: TileCache | None = None) -> None:
        self._engine = engine
        self.reader = LogReader(self, cache or TileCache())

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        with self._engine.connect() as conn:
            return read_tiles(conn, ids)

    def stored_size(self) -> int:
        with self._engine.connect() as conn:
            return tree_size(conn)

    def iter_entries(self, start: int, end: int) -> Iterator[Sequence[tuple[int, bytes]]]:
        with self._engine.connect() as conn:
            for low in range(start, end, ENTRY_BATCH):
                yield entries(conn, low, min(end, low + ENTRY_BATCH))

    def iter_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        """Pages of tiles by key (no server-side cursor to leak if the caller stops early)."""
        after = (-1, -1)
        while True:
            with self._engine.connect() as conn:
                rows = conn.execute(
                    select(ledger_tiles.c.level, ledger_tiles.c.idx, ledger_tiles.c.hashes)
                    .where(tuple_(ledger_tiles.c.level, ledger_tiles.c.idx) > after)
                    .order_by(ledger_tiles.c.level, ledger_tiles.c.idx)
                    .limit(TILE_PAGE)
                ).all()
            for level, index, hashes in rows:
                yield int(level), int(index), bytes(hashes)
            if len(rows) < TILE_PAGE:
                return
            after = (int(rows[-1][0]), int(rows[-1][1]))

    def checkpoint_notes(self) -> list[str]:
        with self._engine.connect() as conn:
            return checkpoint_notes(conn)
