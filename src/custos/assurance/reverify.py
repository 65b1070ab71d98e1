"""Re-verifying every filed attestation against the log as it stands: a supervisor's audit of
the record.

An attestation was verified when it was filed, but the log has moved on since: an
accreditation withdrawn after its key was lost makes everything its keys signed unacceptable,
whenever it was signed. Re-verification answers "which filed attestations would be refused
today, and why". It reads every attestation filing and what they are checked against (the
engagements, the accreditations with their steps, the filings their subjects may be named by)
in a handful of queries, builds each envelope's evidence in memory, and checks the envelopes
in batches on worker processes, since the signatures are what costs. Checks run as for a record
(``current=False``): an attestation whose validity has ended still verifies, and says so.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from custos.assurance.batch_check import Outcome, check_batch, ready
from custos.assurance.evidence import accreditation_record, engagement_record
from custos.assurance.verification import AccreditationRecord, EngagementRecord, Evidence
from custos.core.errors import InvalidInput
from custos.filings import Filing
from custos.store import Connection, Store, ledger_sql
from custos.store import assurance_views as av

#: The most envelopes sent to a worker at once: enough that pickling is a small share of the
#: work, few enough that the workers finish together and progress moves.
BATCH = 500

#: Reports progress as (envelopes checked, envelopes in all).
Progress = Callable[[int, int], None]


class ReverifiedAttestation(BaseModel):
    """One filed attestation checked again: what its filing recorded, and what the check says now."""

    model_config = ConfigDict(frozen=True)

    attestation_id: str
    auditor_id: str
    accreditation_id: str = Field(description="The accreditation recorded when it was filed.")
    subject_id: str
    scope: str
    verified: bool
    reason: str | None = Field(None, description="Why it no longer verifies.")
    expired: bool = Field(description="It verifies, and its validity has ended (false when refused).")


class ReverifyReport(BaseModel):
    """Every filed attestation checked against the log of ``log_size`` entries on ``checked_at``."""

    model_config = ConfigDict(frozen=True)

    checked_at: datetime
    log_size: int
    total: int
    verified: int
    refused: int
    expired: int = Field(description="Attestations that verify but whose validity has ended.")
    attestations: tuple[ReverifiedAttestation, ...]

    @property
    def refusals(self) -> tuple[ReverifiedAttestation, ...]:
        return tuple(found for found in self.attestations if not found.verified)


def reverify(store: Store, *, workers: int = 2, progress: Progress | None = None) -> ReverifyReport:
    """Check every filed attestation's envelope against the log as it stands, on ``workers``
    processes (1: in this one)."""
    if workers < 1:
        raise InvalidInput(f"workers must be at least 1, not {workers}")
    now = store.clock.now()
    with _executor(workers) as executor:
        starting = _start(executor, workers) if executor is not None else None
        with store.read() as conn:
            size = ledger_sql.tree_size(conn)
            documents = av.filed_attestations(conn)
            record = _Record(conn)
        if starting is not None:
            starting.join()
        checked = _checked(executor, documents, record, now, workers, progress)
    attestations = tuple(_reverified(filing_id, content, outcome) for filing_id, content, outcome in checked)
    verified = sum(found.verified for found in attestations)
    return ReverifyReport(
        checked_at=now,
        log_size=size,
        total=len(attestations),
        verified=verified,
        refused=len(attestations) - verified,
        expired=sum(found.verified and found.expired for found in attestations),
        attestations=attestations,
    )


def _reverified(filing_id: str, content: Mapping[str, Any], outcome: Outcome) -> ReverifiedAttestation:
    reason, expired = outcome
    recorded = {name: content[name] for name in ("auditor_id", "accreditation_id", "subject_id", "scope")}
    return ReverifiedAttestation.model_validate(
        {
            "attestation_id": filing_id,
            **recorded,
            "verified": reason is None,
            "expired": expired,
            **({"reason": reason} if reason is not None else {}),  # unset, so absent, when verified
        }
    )


@contextmanager
def _executor(workers: int) -> Iterator[Executor | None]:
    """Worker processes that never copy this one's connections and threads, as forking it would.

    Where the platform has it, a fork server that has loaded the checks forks them, so each
    starts at once, and a second re-verification in the same program finds the server running;
    elsewhere each worker is spawned and loads the checks itself.
    """
    if workers == 1:
        yield None
        return
    forks = "forkserver" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if forks else "spawn")
    if forks:
        context.set_forkserver_preload([check_batch.__module__])
    with ProcessPoolExecutor(workers, mp_context=context) as executor:
        yield executor


def _start(executor: Executor, workers: int) -> threading.Thread:
    """Start the workers from another thread while this one reads the log: starting the first
    waits until the fork server has loaded the checks."""
    thread = threading.Thread(target=lambda: [executor.submit(ready) for _ in range(workers)], daemon=True)
    thread.start()
    return thread


def _checked(
    executor: Executor | None,
    documents: Sequence[tuple[str, str]],
    record: _Record,
    now: datetime,
    workers: int,
    progress: Progress | None,
) -> list[tuple[str, dict[str, Any], Outcome]]:
    """Each attestation filing's id, content and outcome, in log order. Filings are read into
    batches as the workers check the batches before, so reading them costs little extra time."""
    size = max(1, min(BATCH, math.ceil(len(documents) / (workers * 4))))
    batches: list[tuple[list[tuple[str, dict[str, Any]]], Future[list[Outcome]]]] = []
    for start in range(0, len(documents), size):
        filed = [
            (filing_id, orjson.loads(document)["content"])
            for filing_id, document in documents[start : start + size]
        ]
        items = [(_envelope(content), record.evidence(content)) for _, content in filed]
        if executor is not None:
            batches.append((filed, executor.submit(check_batch, items, now)))
        else:
            batches.append((filed, _resolved(check_batch(items, now))))
            if progress:
                progress(start + len(filed), len(documents))
    if executor is not None and progress:
        sizes = {future: len(filed) for filed, future in batches}
        done = 0
        for future in as_completed(sizes):
            done += sizes[future]
            progress(done, len(documents))
    return [
        (filing_id, content, outcome)
        for filed, future in batches
        for (filing_id, content), outcome in zip(filed, future.result(), strict=True)
    ]


def _resolved(outcomes: list[Outcome]) -> Future[list[Outcome]]:
    future: Future[list[Outcome]] = Future()
    future.set_result(outcomes)
    return future


def _envelope(content: Mapping[str, Any]) -> Mapping[str, Any]:
    """The envelope a filing holds (an empty one, which no check passes, if it holds none)."""
    envelope = content.get("envelope")
    return envelope if isinstance(envelope, dict) else {}


class _Record:
    """What the log says that any filed envelope is checked against, read at once, from which
    each envelope's :class:`Evidence` is built as :func:`custos.assurance.evidence.evidence_for`
    builds it from the store."""

    def __init__(self, conn: Connection) -> None:
        subjects = {
            subject_id: (kind, _digests(documents))
            for subject_id, (kind, documents) in av.engaged_subject_filings(conn).items()
        }
        self.engagements: dict[str, tuple[EngagementRecord, dict[str, str]]] = {}
        for row in av.list_engagements(conn):
            found = subjects.get(row["subject_id"])
            if found is None:
                continue
            kind, digests = found
            self.engagements[row["id"]] = (engagement_record(row, kind), digests)
        rows = av.list_accreditations(conn)
        steps = av.steps_of(conn, [row["id"] for row in rows])
        self.accreditations: dict[str, list[AccreditationRecord]] = {}
        for row in rows:
            self.accreditations.setdefault(row["organisation_id"], []).append(
                accreditation_record(row, steps.get(row["id"], ()))
            )

    def evidence(self, content: Mapping[str, Any]) -> Evidence:
        """The evidence for the engagement and auditor an attestation filing records. They are
        what its Statement named when it was verified, and the filing holds them and the
        envelope under one digest in the log; were they altered, the check would find the
        Statement naming another engagement or signed by no key given, and refuse it."""
        engagement, digests = self.engagements.get(content["engagement_id"], (None, {}))
        return Evidence(
            engagement=engagement,
            accreditations=tuple(self.accreditations.get(content["auditor_id"], ())),
            subject_filings=digests,
        )


def _digests(documents: Sequence[str]) -> dict[str, str]:
    """Digest to filing id of these filing documents."""
    filings = (Filing.model_validate(orjson.loads(document)) for document in documents)
    return {filing.digest(): filing.id for filing in filings}
