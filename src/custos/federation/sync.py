"""Sending to peers: have each peer cosign this log's newest checkpoint, then deliver the
notices flagged for it, proved against that very checkpoint, until each is acknowledged.

A round, per active peer:

1. Publish a checkpoint if the log moved, and offer it to the peer's witness endpoint with a
   consistency proof from the size the peer last cosigned (C2SP tlog-witness). A 409 says which
   size the peer holds; the offer is made again from there. The cosignature is verified with the
   peer's witness key and stored with the checkpoint, where ``/checkpoint`` serves it.
2. Send the pending notices (oldest first, in batches) against that checkpoint. The peer's
   receipt for the batch is verified with its log key before ``notice.acknowledged`` is filed
   for the notices it lists; a refused or
   undelivered notice waits longer each time (1 s doubling to 5 min) and is sent again.

Everything a round needs is in the database, so either side may stop at any moment: a notice
is acknowledged once, however many times it was sent, because the receiver recognises it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

import httpx

from custos.access.filer import file_as
from custos.core.errors import IntegrityFailure
from custos.federation.model import NOTICE_ACKNOWLEDGED, PeerScope
from custos.federation.notices import (
    RECEIPT_HEADER,
    ReceiptBody,
    notice_note,
    open_note,
    shown_to_peer,
    verified_body,
)
from custos.federation.service import FEDERATION
from custos.federation.views import NoticeResults
from custos.ledger import SIZE_MEDIA_TYPE, Note, NoteError, Signer, Verifier, render_add_checkpoint
from custos.store import Store, ledger_sql
from custos.store import federation_views as fv

BATCH = 500
FIRST_RETRY = timedelta(seconds=1)
LAST_RETRY = timedelta(minutes=5)


@dataclass(frozen=True)
class Reply:
    status: int
    media_type: str
    text: str


class Transport(Protocol):
    def post(self, url: str, content: str, media_type: str) -> Reply: ...


class HttpTransport:
    """Peers over HTTP, with a connection kept open to each."""

    def __init__(self, timeout: float = 30.0) -> None:
        self.client = httpx.Client(timeout=timeout)

    def post(self, url: str, content: str, media_type: str) -> Reply:
        response = self.client.post(url, content=content.encode(), headers={"Content-Type": media_type})
        return Reply(
            response.status_code, response.headers.get("content-type", "").split(";")[0], response.text
        )


class DeliveryError(Exception):
    """A peer could not be reached, or answered what a peer must not."""


@dataclass
class PeerRound:
    """What one round did with one peer."""

    peer_id: str
    name: str
    cosigned_size: int = 0
    sent: int = 0
    acknowledged: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None


class Sender:
    def __init__(self, store: Store, transport: Transport | None = None, batch: int = BATCH) -> None:
        self.store = store
        self.transport = transport or HttpTransport()
        self.batch = batch

    def run(self, *, deliver: bool = True) -> list[PeerRound]:
        """One round with every active peer: witnessing, then (unless not to ``deliver``) sending."""
        with self.store.read() as conn:
            peers = fv.peers(conn, status="active")
        if not peers:
            return []
        size, note = self.store.publish_checkpoint()
        signer = self.store.log_signer
        rounds = []
        for row in peers:
            peer_round = PeerRound(row["id"], row["name"])
            try:
                self._with(row, size, _bare(note, signer.name), signer, peer_round, deliver)
            except DeliveryError as exc:
                peer_round.error = str(exc)
            with self.store.transaction() as uow:
                fv.save_link(
                    uow.conn, row["id"], last_error=peer_round.error, last_attempt_at=self.store.clock.now()
                )
            rounds.append(peer_round)
        return rounds

    def _with(
        self, row: dict[str, Any], size: int, note: str, signer: Signer, peer_round: PeerRound, deliver: bool
    ) -> None:
        with self.store.read() as conn:
            cosigned = int(fv.link(conn, row["id"])["cosigned_size"])
        if cosigned != size:
            cosigned = self._witnessed(row, size, note, cosigned)
        peer_round.cosigned_size = cosigned
        while deliver:
            delivered = self._deliver(row, size, note, signer, peer_round)
            if delivered < self.batch:
                return

    def _witnessed(self, row: dict[str, Any], size: int, note: str, old: int) -> int:
        """Have the peer cosign the checkpoint of ``size``; return the size it now holds."""
        url = f"{row['url'].rstrip('/')}/v1/federation/add-checkpoint"
        for _ in range(2):  # the second time from the size a 409 named
            proof = self.store.tiles.reader.consistency_proof(old, size) if 0 < old < size else []
            reply = self._post(url, render_add_checkpoint(old, proof, note), "text/plain")
            if reply.status == 409 and reply.media_type == SIZE_MEDIA_TYPE and reply.text.strip().isdigit():
                old = int(reply.text.strip())
                if old > size:
                    raise DeliveryError(
                        f"{row['name']} holds a checkpoint of size {old}, past this log's {size}"
                    )
                continue
            if reply.status != 200:
                raise DeliveryError(
                    f"{row['name']} refused to cosign size {size}: {reply.status} {reply.text.strip()}"
                )
            self._store_cosignature(row, size, note, reply.text)
            return size
        raise DeliveryError(f"{row['name']} keeps naming another size to cosign from")

    def _store_cosignature(self, row: dict[str, Any], size: int, note: str, lines: str) -> None:
        witness = Verifier.from_vkey(row["witness_key"])
        line = next(
            (line + "\n" for line in lines.splitlines() if line.startswith(f"— {witness.name} ")), None
        )
        if line is None:
            raise DeliveryError(f"{row['name']} answered without a cosignature by {witness.name}")
        try:
            Note.parse(note + line).verify(witness)
        except NoteError as exc:
            raise DeliveryError(f"{row['name']}'s cosignature does not verify: {exc}") from exc
        with self.store.transaction() as uow:
            latest = ledger_sql.latest_checkpoint(uow.conn)
            if latest is not None and latest[1] == size:
                ledger_sql.add_cosignature(uow.conn, latest[0], witness.name, line)
            fv.save_link(uow.conn, row["id"], cosigned_size=size, cosigned_at=self.store.clock.now())

    def _deliver(
        self, row: dict[str, Any], size: int, note: str, signer: Signer, peer_round: PeerRound
    ) -> int:
        """Send one batch of pending notices; return how many were sent."""
        scope = PeerScope.model_validate_json(row["scope"])
        notices: dict[str, str] = {}
        with self.store.read() as conn:
            pending = fv.pending(conn, row["id"], self.store.clock.now(), self.batch)
            flagged = self.store.filings(conn, [entry["filing_id"] for entry in pending])
            for entry in pending:
                found = flagged.get(entry["filing_id"])
                if found is None or found[1] >= size:
                    continue  # not covered by the checkpoint yet: next round
                filing, index = found
                notices[entry["id"]] = notice_note(
                    signer,
                    to=row["origin"],
                    notice_id=entry["id"],
                    view=shown_to_peer(filing, scope.fields),
                    index=index,
                    proof=self.store.tiles.reader.inclusion_proof(index, size),
                    checkpoint=note,
                )
        if not notices:
            return 0
        url = f"{row['url'].rstrip('/')}/v1/federation/notices"
        try:
            reply = self._post(url, json.dumps({"notices": list(notices.values())}), "application/json")
            if reply.status != 200:
                raise DeliveryError(f"{row['name']} answered {reply.status}: {reply.text.strip()[:500]}")
            answer = NoticeResults.model_validate_json(reply.text)
        except (DeliveryError, ValueError) as exc:
            self._retry_later(list(notices), str(exc))
            raise DeliveryError(str(exc)) from exc
        peer_round.sent += len(notices)
        self._acknowledge(row, list(notices), answer, peer_round)
        return len(pending)

    def _acknowledge(
        self, row: dict[str, Any], sent: Sequence[str], answer: NoticeResults, peer_round: PeerRound
    ) -> None:
        """File one acknowledgement for what the peer's receipt lists; send the rest again later."""
        held: dict[str, str] = {}
        failed: dict[str, str] = {}
        if answer.receipt is not None:
            try:
                receipt: ReceiptBody = verified_body(
                    open_note(answer.receipt, RECEIPT_HEADER), Verifier.from_vkey(row["log_key"]), ReceiptBody
                )
                if receipt.to != self.store.log_signer.name:
                    raise NoteError(f"the receipt is addressed to {receipt.to}")
                held = {received.notice: received.received_as for received in receipt.received}
            except (NoteError, IntegrityFailure) as exc:
                failed = dict.fromkeys(sent, f"bad receipt: {exc}")
        for notice_id, result in zip(sent, answer.results, strict=False):
            if notice_id not in held and notice_id not in failed:
                failed[notice_id] = (
                    f"{result.reason}: {result.detail}" if result.reason else "not in the receipt"
                )
        for notice_id in sent[len(answer.results) :]:
            failed.setdefault(notice_id, "no answer for this notice")
        acknowledged = [
            (notice_id, held[notice_id])
            for notice_id in sent
            if notice_id in held and notice_id not in failed
        ]
        peer_round.refused.extend(f"{notice_id}: {why}" for notice_id, why in failed.items())
        if failed:
            self._retry_later(list(failed), "; ".join(sorted(set(failed.values())))[:2000])
        if not acknowledged:
            return
        with self.store.transaction() as uow:
            owner = str(ledger_sql.meta(uow.conn, "authority_id"))
            code = str(ledger_sql.meta(uow.conn, "jurisdiction"))
            notices = [
                {"notice_id": notice_id, "received_as": received_as}
                for notice_id, received_as in acknowledged
            ]
            uow.file(
                file_as(
                    FEDERATION,
                    NOTICE_ACKNOWLEDGED,
                    {"peer_id": row["id"], "notices": notices, "receipt": answer.receipt},
                    owner=owner,
                    subject=row["id"],
                    clock=self.store.clock,
                    jurisdiction=code,
                )
            )
            fv.save_link(uow.conn, row["id"], last_sent_at=self.store.clock.now())
        peer_round.acknowledged += len(acknowledged)

    def _retry_later(self, notice_ids: list[str], error: str) -> None:
        with self.store.transaction() as uow:
            attempts = fv.delivery(uow.conn, notice_ids)
            tries = max((row["attempts"] for row in attempts.values()), default=0)
            wait = min(FIRST_RETRY * (2**tries), LAST_RETRY)
            fv.attempted(uow.conn, notice_ids, self.store.clock.now() + wait, error)

    def _post(self, url: str, content: str, media_type: str) -> Reply:
        try:
            return self.transport.post(url, content, media_type)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{url} could not be reached: {exc}") from exc


def _bare(note: str, origin: str) -> str:
    """The checkpoint as the log signed it, without the cosignatures it has gathered."""
    parsed = Note.parse(note)
    return Note(parsed.text, tuple(s for s in parsed.signatures if s.name == origin)).render()
