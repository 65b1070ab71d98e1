"""The store: the one place that talks SQL, and the one path by which anything is written."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy.exc
from sqlalchemy import Connection, Engine, delete, select, text

from custos.core.clock import Clock, SystemClock
from custos.core.errors import Conflict, IntegrityFailure, NotFound, Unavailable
from custos.core.settings import Settings
from custos.filings import Filing
from custos.ledger import Signer, TileCache, VerificationReport, Verifier, verify_log
from custos.store import federation_views, keys, ledger_sql, migrate, private
from custos.store._tables import VIEW_TABLES, filings, ledger_entries
from custos.store.composition import Composition, DerivedWork
from custos.store.cursors import CursorSeal
from custos.store.engine import WRITE_OPTION, create_store_engine
from custos.store.ledger_sql import SqlTiles
from custos.store.unit_of_work import UnitOfWork, project
from custos.store.view_check import ViewReport, check_views

#: A composition, or what makes one when the store first needs it.
Composed = Composition | Callable[[], Composition]

WRITERS_LOCK = 0x637573746F73  # "custos": the advisory lock PostgreSQL writers queue on
DERIVED_WORK = "derived_work"  # the meta key recording which hooks run after which kinds


@dataclass(frozen=True)
class Proved:
    """A filing, its entry, and the checkpoint and inclusion proof that cover it (empty when
    no signed checkpoint covers it yet)."""

    filing: Filing
    index: int
    entry: bytes
    checkpoint: str
    proof: tuple[bytes, ...]


class Store:
    """An open installation: engine, log key, tile reader, clock, and what it is composed of."""

    def __init__(
        self,
        settings: Settings,
        composition: Composed,
        *,
        clock: Clock | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.settings = settings
        self._composition = composition
        self.clock: Clock = clock or SystemClock()
        self.engine = engine or create_store_engine(settings.database_url)
        self.tiles = SqlTiles(self.engine, TileCache())
        self._derived_work: DerivedWork | None = None

    @classmethod
    def open(cls, settings: Settings, composition: Composed, *, clock: Clock | None = None) -> Store:
        """Open an existing installation; refuse a database whose schema is not current."""
        database = private.sqlite_file(settings)
        if database is not None and not database.exists():
            raise NotFound(f"no Custos installation at {settings.home}: run `custos init` first")
        private.warn_if_exposed(settings)
        store = cls(settings, composition, clock=clock)
        current, head = migrate.current_revision(store.engine), migrate.head_revision()
        if current != head:
            store.close()
            raise Unavailable(
                f"the database schema is at {current or 'nothing'}, this Custos needs {head}: "
                "run `custos init` for a new installation or `custos db upgrade` for an existing one"
            )
        return store

    @property
    def composition(self) -> Composition:
        """What this store files, projects and runs; composed on first use, so a command that
        only reads (``custos ledger status``) never imports the domains' payload models."""
        if not isinstance(self._composition, Composition):
            self._composition = self._composition()
        return self._composition

    @composition.setter
    def composition(self, composition: Composition) -> None:
        self._composition = composition

    def close(self) -> None:
        self.engine.dispose()

    @property
    def log_signer(self) -> Signer:
        return keys.load_log_key(self.settings.keys_dir)

    @functools.cached_property
    def cursors(self) -> CursorSeal:
        """Seals list cursors with a key only this installation's processes can derive."""
        return CursorSeal(self.log_signer.skey.encode())

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction that never waits for writers."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """A write transaction: commits on success, rolls back entirely on any error.

        Write transactions run one at a time from their first statement, on both databases
        (SQLite by ``BEGIN IMMEDIATE``, PostgreSQL by a transaction-scoped advisory lock), so
        what a writer reads before it files (is this organisation registered yet?) is still
        true when it commits: two imports naming the same new organisation register it once.
        """
        try:
            with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
                _queue_writer(conn)
                yield UnitOfWork(conn, self.composition, self._recorded_work(conn))
        except sqlalchemy.exc.IntegrityError as exc:
            raise Conflict(
                f"the write conflicts with what is stored; nothing was changed ({exc.orig})"
            ) from exc
        except sqlalchemy.exc.OperationalError as exc:
            raise Unavailable(
                f"the database is busy or unreachable; nothing was changed ({exc.orig})"
            ) from exc

    def _recorded_work(self, conn: Connection) -> DerivedWork:
        """The derived work the installation recorded when it was created (it never changes)."""
        if self._derived_work is None:
            recorded = ledger_sql.meta(conn, DERIVED_WORK)
            if recorded is None:  # the installation is being created
                return {}
            self._derived_work = json.loads(recorded)
        return self._derived_work

    def publish_checkpoint(self) -> tuple[int, str]:
        """Sign the current tree head (if it moved) and return (size, note)."""
        signer = self.log_signer
        with self.transaction() as uow:
            return ledger_sql.publish_checkpoint(uow.conn, signer, self.tiles.reader, self.clock.now())

    def filing(self, conn: Connection, filing_id: str) -> tuple[Filing, int] | None:
        return self.filings(conn, [filing_id]).get(filing_id)

    def filings(self, conn: Connection, filing_ids: Sequence[str]) -> dict[str, tuple[Filing, int]]:
        """Many filings by id in one query, each with its index; the ids not found are absent."""
        rows = conn.execute(
            select(filings.c.id, filings.c.document, filings.c.idx).where(filings.c.id.in_(list(filing_ids)))
        )
        return {row.id: (Filing.model_validate(json.loads(row.document)), int(row.idx)) for row in rows}

    def proved(self, conn: Connection, filing_id: str) -> Proved | None:
        """A filing with its ledger entry and, when the newest signed checkpoint covers it, that
        checkpoint and the entry's inclusion proof in its tree: what a reader needs to check the
        filing against the log without trusting this server."""
        found = self.filing(conn, filing_id)
        if found is None:
            return None
        filing, index = found
        entry = ledger_sql.entries(conn, index, index + 1)[0][1]
        latest = ledger_sql.latest_checkpoint(conn)
        size, note = (latest[1], latest[2]) if latest else (0, "")
        if index >= size:
            return Proved(filing, index, entry, "", ())
        return Proved(filing, index, entry, note, tuple(self.tiles.reader.inclusion_proof(index, size)))

    def verify(self, witnesses: Sequence[Verifier] = ()) -> VerificationReport:
        """Verify the log from scratch, then that every stored filing matches its entry.

        Cosignatures are checked against the witnesses recorded in the installation's keys, its
        peers' witness keys, and ``witnesses``. When entries were rewritten behind the
        checkpoints' backs, the filings (stored apart from the entries) name the first altered
        entry within the bracket the checkpoints give, where they still hold the original.
        """
        with self.read() as conn:
            peers = [Verifier.from_vkey(vkey) for vkey in federation_views.witness_keys(conn)]
        known = [*keys.witness_keys(self.settings.keys_dir), *peers, *witnesses]
        try:
            report = verify_log(self.tiles, self.log_signer.verifier, known)
        except IntegrityFailure as failure:
            if "first" in failure.evidence and "end" in failure.evidence:
                self._first_mismatch(int(failure.evidence["first"]), int(failure.evidence["end"]), failure)
            raise
        self._first_mismatch(0, report.size, None)
        return report

    def _first_mismatch(self, start: int, end: int, cause: IntegrityFailure | None) -> None:
        """Raise naming the first filing in [start, end) that does not reproduce its entry."""
        with self.read() as conn:
            for filing, index, entry in _filings_with_entries(conn, start, end):
                if filing.ledger_entry() != entry:
                    message = f"filing {filing.id} does not match ledger entry {index}"
                    if cause is not None:
                        message = f"{cause.message}; the first altered entry is {index} (filing {filing.id})"
                    raise IntegrityFailure(message, evidence={"filing": filing.id, "entry": index})

    def replay(self) -> int:
        """Drop every view and rebuild it from the filings in log order; return the filings replayed.

        Each filing is checked against its ledger entry first: a view is never rebuilt from a
        filing the log does not vouch for.
        """
        with self.transaction() as uow:
            return self._rebuild_views(uow.conn)

    def verify_views(self) -> ViewReport:
        """Every view row against what replaying the log gives, changing nothing (see view_check)."""
        with self.engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
            transaction = conn.begin()
            try:
                _queue_writer(conn)
                return check_views(conn, self._rebuild_views)
            finally:
                transaction.rollback()

    def _rebuild_views(self, conn: Connection) -> int:
        return _rebuild_views(conn, functools.partial(project, conn, self.composition))


def _queue_writer(conn: Connection) -> None:
    """Wait for the writers before this one (SQLite's BEGIN IMMEDIATE already has)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})


def _rebuild_views(conn: Connection, project_one: Callable[[Filing], None]) -> int:
    for table in VIEW_TABLES:
        conn.execute(delete(table))
    count = 0
    for filing, index, entry in _filings_with_entries(conn):
        if filing.ledger_entry() != entry:
            raise IntegrityFailure(
                f"filing {filing.id} does not match ledger entry {index}; nothing was replayed",
                evidence={"filing": filing.id, "entry": index},
            )
        project_one(filing)
        count += 1
    return count


def _filings_with_entries(
    conn: Connection, start: int = 0, end: int | None = None
) -> Iterator[tuple[Filing, int, bytes]]:
    query = (
        select(filings.c.document, filings.c.idx, ledger_entries.c.data)
        .join(ledger_entries, ledger_entries.c.idx == filings.c.idx)
        .where(filings.c.idx >= start)
        .order_by(filings.c.idx)
    )
    rows = conn.execute(query if end is None else query.where(filings.c.idx < end))
    for document, index, entry in rows:
        yield Filing.model_validate(json.loads(document)), int(index), bytes(entry)


def initialise_installation(
    settings: Settings, origin: str, composition: Composed, *, clock: Clock | None = None
) -> Store:
    """Create the data directory, the schema, the log key and an empty log with its first checkpoint.

    The installation records the derived work its composition runs after filings, so a store
    later composed without it refuses to file what would need it. Refuses to touch an
    installation that already has a log or a key.
    """
    private.create_private(settings)
    store = Store(settings, composition, clock=clock)
    try:
        migrate.upgrade(store.engine)
        with store.transaction() as uow:
            ledger_sql.initialise(uow.conn, origin)
            ledger_sql.set_meta(
                uow.conn, DERIVED_WORK, json.dumps(store.composition.derived_work(), sort_keys=True)
            )
            keys.create_log_key(settings.keys_dir, origin)
        store.publish_checkpoint()
    except BaseException:
        store.close()
        raise
    return store
