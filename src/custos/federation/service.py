"""Federation: recognising peers, flagging filings for them, receiving their notices, and
witnessing their logs.

Everything a receiver checks before filing a notice is in ``federation.checks``; how notices are
sent and retried is in ``federation.sync``. Here the checks meet the store: a batch of notices is
checked against the peers and the heads this installation has cosigned, then what passes is
filed in one transaction and listed in one signed receipt, and what fails is recorded with its
reason. A retransmission of a notice already filed is listed again as filed the first time, so a
sender that never heard the answer can simply send again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from custos.access.filer import file_as
from custos.access.model import Principal, system
from custos.core.clock import Clock, FixedClock
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.federation.checks import Checked, PeerTerms, Reason, Refused, check_notice, concerned
from custos.federation.model import (
    NOTICE_FLAGGED,
    NOTICE_RECEIVED,
    PEER_CLEARED,
    PEER_FLAGGED,
    PEER_RECOGNISED,
    PEER_WITHDRAWN,
    SHAREABLE_KINDS,
    NoticeFlagged,
    NoticeReceived,
    PeerFlagged,
    PeerRecognised,
    PeerScope,
)
from custos.federation.notices import NOTICE_HEADER, NoticeBody, Received, open_note, receipt_note
from custos.federation.views import (
    Identity,
    IncomingNotice,
    NoticeResult,
    NoticeResults,
    OutgoingNotice,
    PeerStatus,
    PeerView,
    Refusal,
)
from custos.filings import Filing, FilingKind
from custos.ledger import (
    Head,
    Note,
    NoteError,
    Verifier,
    WitnessRefusal,
    parse_add_checkpoint,
    witness_decision,
)
from custos.oversight.model import INCIDENT_REPORTED
from custos.store import Connection, Store, UnitOfWork, keys, ledger_sql
from custos.store import federation_views as fv
from custos.store import incident_views as iv

#: The part of the installation that files what peers send and flags what is sent to them.
FEDERATION = system("federation", "federation")
#: At most this many notices in one delivery.
MAX_BATCH = 1000


def _supervisor(by: Principal) -> None:
    if not by.sees_everything:
        raise Forbidden("peers and notices are a supervisor's business")


def peer_view(row: Mapping[str, Any]) -> PeerView:
    flag = json.loads(row["flag"])["reason"] if row.get("flag") else None
    return PeerView.model_validate({**row, "scope": json.loads(row["scope"]), "flag": flag})


def _terms(row: Mapping[str, Any], head: Mapping[str, Any] | None, incidents: set[str]) -> PeerTerms:
    return PeerTerms(
        id=row["id"],
        origin=row["origin"],
        log=Verifier.from_vkey(row["log_key"]),
        scope=PeerScope.model_validate_json(row["scope"]),
        head_size=int(head["size"]) if head else None,
        head_root=base64.b64decode(head["root"]) if head else None,
        incidents=incidents,
    )


class FederationService:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- who we are and whom we know ------------------------------------------------------

    def identity(self) -> Identity:
        log = self.store.log_signer
        witness = keys.peer_witness_key(self.store.settings.keys_dir, log.name)
        return Identity(origin=log.name, log_key=log.verifier.vkey, witness_key=witness.verifier.vkey)

    def recognise(self, terms: PeerRecognised, *, by: Principal) -> PeerView:
        """Recognise a peer, or change the terms of one already recognised (same origin)."""
        _supervisor(by)
        own = self.store.log_signer
        if terms.origin == own.name or terms.log_key == own.verifier.vkey:
            raise InvalidInput(
                f"{terms.origin} is this installation's own log: each installation needs an origin of "
                "its own (custos init --origin)"
            )
        with self.store.transaction() as uow:
            existing = fv.peer_by_origin(uow.conn, terms.origin)
            owner, code = ledger_sql.authority(uow.conn)
            filing = file_as(
                by,
                PEER_RECOGNISED,
                terms,
                owner=owner,
                subject=existing["id"] if existing else new_id(self.store.clock),
                clock=self.store.clock,
                fallback_jurisdiction=code,
                supersedes=existing["filing_id"] if existing else None,
            )
            uow.file(filing)
            row = fv.peer(uow.conn, filing.subject)
        assert row is not None  # just projected
        return peer_view(row)

    def withdraw(self, peer_id: str, reason: str, *, by: Principal) -> PeerView:
        """Stop exchanging notices with a peer; what was exchanged stays on the record."""
        return self._step(peer_id, PEER_WITHDRAWN, reason, by, allowed=("active", "flagged"))

    def clear(self, peer_id: str, reason: str, *, by: Principal) -> PeerView:
        """Accept notices from a flagged peer again, once a supervisor has looked into the flag."""
        return self._step(peer_id, PEER_CLEARED, reason, by, allowed=("flagged",))

    def _step(
        self, peer_id: str, kind: FilingKind, reason: str, by: Principal, allowed: tuple[str, ...]
    ) -> PeerView:
        _supervisor(by)
        with self.store.transaction() as uow:
            row = self._peer(uow.conn, peer_id)
            if row["status"] not in allowed:
                raise Conflict(f"peer {row['name']} is {row['status']}")
            owner, code = ledger_sql.authority(uow.conn)
            uow.file(
                file_as(
                    by,
                    kind,
                    {"reason": reason},
                    owner=owner,
                    subject=peer_id,
                    clock=self.store.clock,
                    fallback_jurisdiction=code,
                )
            )
            updated = fv.peer(uow.conn, peer_id)
        assert updated is not None
        return peer_view(updated)

    def _peer(self, conn: Connection, peer_id: str) -> dict[str, Any]:
        row = fv.peer(conn, peer_id)
        if row is None:
            raise NotFound(f"no peer {peer_id!r}")
        return row

    def peers(self, *, by: Principal) -> list[PeerView]:
        _supervisor(by)
        with self.store.read() as conn:
            return [peer_view(row) for row in fv.peers(conn)]

    # --- what is sent --------------------------------------------------------------------

    def flag(self, peer_id: str, filing_id: str, *, by: Principal) -> OutgoingNotice:
        """Send one filing to a peer: any filing of a kind and jurisdiction within its scope,
        including one filed before the peer was recognised."""
        _supervisor(by)
        with self.store.transaction() as uow:
            row = self._peer(uow.conn, peer_id)
            if row["status"] != "active":
                raise Conflict(f"peer {row['name']} is {row['status']}: nothing is sent to it")
            found = self.store.filing(uow.conn, filing_id)
            if found is None:
                raise NotFound(f"no filing {filing_id!r}")
            filing = found[0]
            scope = PeerScope.model_validate_json(row["scope"])
            outside = scope.outside(filing.kind, _concerns(uow.conn, filing), row["name"])
            if outside is not None:
                raise InvalidInput(outside)
            if fv.flagged_already(uow.conn, peer_id, [filing_id]):
                raise Conflict(f"filing {filing_id} is already flagged for {row['name']}")
            flagged = _flag_filing(uow.conn, by, peer_id, filing, self.store.clock)
            uow.file(flagged)
            entry = fv.outbox_entry(uow.conn, flagged.id)
        assert entry is not None
        return OutgoingNotice.model_validate({**entry, "status": "pending"})

    def outgoing(
        self, *, by: Principal, peer_id: str | None = None, before: str | None = None, limit: int = 100
    ) -> list[OutgoingNotice]:
        _supervisor(by)
        with self.store.read() as conn:
            rows = fv.outbox(conn, peer_id=peer_id, before=before, limit=limit)
            attempts = fv.delivery(conn, [row["id"] for row in rows])
        return [
            OutgoingNotice.model_validate(
                {
                    **row,
                    "status": "acknowledged" if row["acknowledged_at"] else "pending",
                    "attempts": attempts.get(row["id"], {}).get("attempts", 0),
                    "last_error": attempts.get(row["id"], {}).get("last_error"),
                }
            )
            for row in rows
        ]

    # --- what is received ----------------------------------------------------------------

    def receive(self, notices: Sequence[str]) -> NoticeResults:
        """Check a delivery of notices (all from one peer) and file those that pass; answer with
        one signed receipt listing every notice held."""
        if len(notices) > MAX_BATCH:
            raise InvalidInput(f"at most {MAX_BATCH} notices at once, not {len(notices)}")
        signer = self.store.log_signer
        with self.store.read() as conn:
            peers = {row["origin"]: row for row in fv.peers(conn)}
            heads = fv.heads(conn)
        terms: dict[str, PeerTerms] = {}
        results: list[NoticeResult | Checked] = []
        refusals: list[tuple[str | None, str | None, Refused]] = []
        sender: str | None = None
        for text in notices:
            try:
                opened = open_note(text, NOTICE_HEADER)
            except NoteError as exc:
                refused = Refused(Reason.MALFORMED, str(exc))
                results.append(_refused(None, refused))
                refusals.append((None, None, refused))
                continue
            origin = opened.signer_name
            sender = sender or origin
            notice_id = str(opened.body.get("notice")) if opened.body.get("notice") else None
            row = peers.get(origin)
            try:
                if origin != sender:
                    raise Refused(
                        Reason.MALFORMED, f"a delivery is from one peer ({sender}), not also {origin}"
                    )
                if row is None:
                    raise Refused(
                        Reason.UNKNOWN_PEER, f"{origin} is not a recognised peer of this installation"
                    )
                if row["status"] != "active":
                    raise Refused(Reason.NOT_ACTIVE, f"peer {row['name']} is {row['status']}")
                if origin not in terms:
                    with self.store.read() as conn:
                        received = fv.received_incidents(conn, origin, INCIDENT_REPORTED.name)
                    terms[origin] = _terms(row, heads.get(origin), received)
                checked = check_notice(text, opened, terms[origin], signer.name)
                if checked.body.filing.envelope.get("kind") == INCIDENT_REPORTED.name:
                    terms[origin].incidents.add(str(checked.body.filing.envelope["id"]))
                results.append(checked)
            except Refused as refused:
                results.append(_refused(notice_id, refused))
                refusals.append((origin, notice_id, refused))
        answers, held = self._file_received(results, refusals, peers)
        receipt = receipt_note(signer, to=sender, received=held) if sender and held else None
        return NoticeResults(results=answers, receipt=receipt)

    def _file_received(
        self,
        results: list[NoticeResult | Checked],
        refusals: list[tuple[str | None, str | None, Refused]],
        peers: Mapping[str, Mapping[str, Any]],
    ) -> tuple[list[NoticeResult], list[Received]]:
        """File what passed; the answer to each notice, and what the receipt lists."""
        answers: list[NoticeResult] = []
        held: list[Received] = []
        with self.store.transaction() as uow:
            owner, code = ledger_sql.authority(uow.conn)
            known = _already_received([r for r in results if isinstance(r, Checked)], uow.conn)
            filings: list[Filing] = []
            for result in results:
                if not isinstance(result, Checked):
                    answers.append(result)
                    continue
                body, origin = result.body, result.body.sender
                remote = str(body.filing.envelope["id"])
                earlier = known.get((origin, "notice", body.notice)) or known.get((origin, "filing", remote))
                if earlier is not None and (earlier["notice_id"], earlier["filing_id"]) != (
                    body.notice,
                    remote,
                ):
                    replay = Refused(
                        Reason.REPLAY,
                        f"filing {remote} was received from {origin} as notice {earlier['notice_id']} "
                        f"(filed as {earlier['id']}); notice {body.notice} carries filing {remote}",
                    )
                    answers.append(_refused(body.notice, replay))
                    refusals.append((origin, body.notice, replay))
                    continue
                received_as = earlier["id"] if earlier else None
                if received_as is None:
                    filing = _received_filing(result, owner, code, self.store)
                    filings.append(filing)
                    received_as = filing.id
                    record = {"id": received_as, "notice_id": body.notice, "filing_id": remote}
                    known[(origin, "notice", body.notice)] = known[(origin, "filing", remote)] = record
                held.append(Received(notice=body.notice, filing=remote, received_as=received_as))
                status = "duplicate" if earlier else "accepted"
                answers.append(NoticeResult(notice=body.notice, status=status, received_as=received_as))
            uow.file(*filings)
            now = self.store.clock.now()
            for origin in {f.content["origin"] for f in filings}:
                fv.save_link(uow.conn, peers[origin]["id"], last_received_at=now)
            self._record_refusals(uow, refusals, peers)
        return answers, held

    def _record_refusals(
        self,
        uow: UnitOfWork,
        refusals: Sequence[tuple[str | None, str | None, Refused]],
        peers: Mapping[str, Mapping[str, Any]],
    ) -> None:
        now = self.store.clock.now()
        fv.refused(
            uow.conn,
            [
                {
                    "at": now,
                    "origin": origin,
                    "peer_id": peers[origin]["id"] if origin is not None and origin in peers else None,
                    "notice_id": notice_id,
                    "reason": refused.reason.value,
                    "detail": refused.detail,
                }
                for origin, notice_id, refused in refusals
            ],
        )
        for origin, _, refused in refusals:
            if refused.reason.flags_peer and origin is not None and origin in peers:
                self._flag_peer(uow, peers[origin]["id"], refused.detail, refused.evidence)

    def _flag_peer(self, uow: UnitOfWork, peer_id: str, reason: str, evidence: Mapping[str, object]) -> None:
        row = fv.peer(uow.conn, peer_id)
        if row is None or row["status"] != "active":
            return  # flagged already, or withdrawn: once is enough
        owner, code = ledger_sql.authority(uow.conn)
        uow.file(
            file_as(
                FEDERATION,
                PEER_FLAGGED,
                PeerFlagged(reason=reason[:2000], evidence=dict(evidence)),
                owner=owner,
                subject=peer_id,
                clock=self.store.clock,
                jurisdiction=code,
            )
        )

    def incoming(
        self, *, by: Principal, peer_id: str | None = None, before: str | None = None, limit: int = 100
    ) -> list[IncomingNotice]:
        _supervisor(by)
        with self.store.read() as conn:
            rows = fv.inbox(conn, peer_id=peer_id, before=before, limit=limit)
            contents = {row["id"]: self.store.filing(conn, row["id"]) for row in rows}
        return [
            IncomingNotice.model_validate({**row, "content": _disclosed(contents[row["id"]])}) for row in rows
        ]

    def refusals(self, *, by: Principal, peer_id: str | None = None, limit: int = 100) -> list[Refusal]:
        _supervisor(by)
        with self.store.read() as conn:
            return [Refusal.model_validate(row) for row in fv.refusals(conn, peer_id=peer_id, limit=limit)]

    # --- witnessing ------------------------------------------------------------------------

    def add_checkpoint(self, body: str) -> str:
        """Cosign a peer's checkpoint (C2SP tlog-witness); :class:`WitnessRefusal` says why not.

        A checkpoint that cannot extend the one cosigned before flags the peer, with both."""
        request = parse_add_checkpoint(body)
        origin = request.origin()
        witness = keys.peer_witness_key(self.store.settings.keys_dir, self.store.log_signer.name)
        refusal: WitnessRefusal | None = None
        line = ""
        with self.store.transaction() as uow:
            row = fv.peer_by_origin(uow.conn, origin)
            if row is None or row["status"] == "withdrawn":
                raise WitnessRefusal(404, f"{origin!r} is not the log of a peer of this installation")
            stored = fv.head(uow.conn, origin)
            head = Head(int(stored["size"]), base64.b64decode(stored["root"])) if stored else None
            try:
                checkpoint = witness_decision(request, Verifier.from_vkey(row["log_key"]), head)
            except WitnessRefusal as exc:
                refusal = exc
                if exc.shows_fork:
                    self._flag_peer(uow, row["id"], exc.message, exc.evidence)
            else:
                now = self.store.clock.now()
                line = witness.signature_line(Note.parse(request.note).text, timestamp=int(now.timestamp()))
                root = base64.b64encode(checkpoint.root).decode()
                fv.save_head(uow.conn, origin, checkpoint.size, root, request.note, now)
        if refusal is not None:
            raise refusal
        return line

    def status(self, *, by: Principal) -> list[PeerStatus]:
        _supervisor(by)
        with self.store.read() as conn:
            rows, heads, links, last = fv.peers(conn), fv.heads(conn), fv.links(conn), fv.last_exchanged(conn)
        statuses = []
        for row in rows:
            link, head, exchanged = (
                links.get(row["id"], {}),
                heads.get(row["origin"]),
                last.get(row["id"], {}),
            )
            statuses.append(
                PeerStatus(
                    peer=peer_view(row),
                    our_size_cosigned=int(link.get("cosigned_size") or 0),
                    our_cosigned_at=link.get("cosigned_at"),
                    their_size_cosigned=int(head["size"]) if head else None,
                    their_cosigned_at=head["cosigned_at"] if head else None,
                    pending=exchanged.get("pending", 0),
                    last_acknowledged_at=exchanged.get("acknowledged_at"),
                    last_received_at=exchanged.get("received_at"),
                    last_error=link.get("last_error"),
                )
            )
        return statuses


def _refused(notice_id: str | None, refused: Refused) -> NoticeResult:
    return NoticeResult(
        notice=notice_id, status="refused", reason=refused.reason.value, detail=refused.detail
    )


def _already_received(
    checked: Sequence[Checked], conn: Connection
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """What was already filed of these notices, keyed by (origin, "notice"|"filing", id)."""
    known: dict[tuple[str, str, str], dict[str, Any]] = {}
    by_origin: dict[str, list[Checked]] = {}
    for result in checked:
        by_origin.setdefault(result.body.sender, []).append(result)
    for origin, group in by_origin.items():
        notice_ids = [r.body.notice for r in group]
        filing_ids = [str(r.body.filing.envelope["id"]) for r in group]
        for row in fv.received(conn, origin, notice_ids, filing_ids):
            known[(origin, "notice", row["notice_id"])] = known[(origin, "filing", row["filing_id"])] = row
    return known


def _received_filing(result: Checked, owner: str, code: str, store: Store) -> Filing:
    body = result.body
    received = NoticeReceived(
        peer_id=result.peer_id,
        origin=body.sender,
        notice_id=body.notice,
        filing_id=str(body.filing.envelope["id"]),
        kind=str(body.filing.envelope["kind"]),
        index=body.index,
        tree_size=result.tree_size,
        notice=result.text,
    )
    return file_as(
        FEDERATION,
        NOTICE_RECEIVED,
        received,
        owner=owner,
        subject=result.peer_id,
        clock=store.clock,
        jurisdiction=code,
    )


def _concerns(conn: Connection, filing: Filing) -> set[str]:
    """The jurisdictions a filing concerns: its own and those it affects, or, for what follows
    an incident (an update, a confirmation, a closing, a publication), those the incident affects."""
    affected = filing.content.get("affected_jurisdictions")
    if affected is None and filing.kind.startswith("incident."):
        reported = iv.incident(conn, str(filing.content.get("incident_id") or filing.subject))
        affected = json.loads(reported["content"]).get("affected_jurisdictions") if reported else None
    return concerned(filing.jurisdiction, affected)


def _flag_filing(conn: Connection, by: Principal, peer_id: str, filing: Filing, clock: Clock) -> Filing:
    owner, code = ledger_sql.authority(conn)
    flagged = NoticeFlagged(peer_id=peer_id, filing_id=filing.id, kind=filing.kind)
    return file_as(
        by, NOTICE_FLAGGED, flagged, owner=owner, subject=filing.id, clock=clock, jurisdiction=code
    )


def _disclosed(found: tuple[Filing, int] | None) -> dict[str, object] | None:
    """What the peer disclosed of its filing, read back from the notice as received."""
    if found is None:
        return None
    text = found[0].content["notice"]
    body = NoticeBody.model_validate(json.loads(Note.parse(text).text.split("\n", 1)[1]))
    return {"envelope": body.filing.envelope, **body.filing.content()}


def flag_for_peers(uow: UnitOfWork, batch: Sequence[Filing]) -> None:
    """After shareable filings: flag each for every active peer whose scope covers it."""
    shareable = [filing for filing in batch if filing.kind in SHAREABLE_KINDS]
    active = fv.peers(uow.conn, status="active")
    if not active:
        return
    flags = [
        # dated at the filing it flags, as derived filings are
        _flag_filing(uow.conn, FEDERATION, row["id"], filing, FixedClock(filing.filed_at))
        for row in active
        for filing in _covered(uow.conn, shareable, PeerScope.model_validate_json(row["scope"]))
    ]
    uow.file(*flags)


def _covered(conn: Connection, filings: Iterable[Filing], scope: PeerScope) -> list[Filing]:
    return [filing for filing in filings if scope.covers(filing.kind, _concerns(conn, filing))]
