"""A peer installation's public API, read without trusting its server beyond its signed log.

Each filing read from the peer (``GET /v1/filings/{id}``) is checked before it is believed: its
disclosed fields recompute to the digest its ledger entry holds, the entry is included in the
checkpoint served with it, that checkpoint is signed by the peer's log key, and it is consistent
with the peer's head this installation last cosigned as its witness: the same size with the same
root, or joined to it by a consistency proof fetched from the peer
(``GET /v1/ledger/proofs/consistency``). A peer showing this installation a log other than the
one it cosigned, or a server altering what the log holds, is refused with the reason.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from custos.core import bounded_json
from custos.core.canonical import canonical_json
from custos.core.errors import Conflict, CustosError, InvalidInput, NotFound, Unavailable
from custos.federation.notices import proof_nodes
from custos.filings import FilingView, verify_view
from custos.ledger import (
    Checkpoint,
    NoteError,
    ProofError,
    Verifier,
    leaf_hash,
    open_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from custos.policy.model import RecognisedFrom

#: ``fetch(url) -> (status, text)``: how the peer's API is read (injectable for tests).
Fetch = Callable[[str], tuple[int, str]]
#: At most this many characters in one answer from a peer.
MAX_ANSWER = 16 * 1024 * 1024


def fetch_over_http(url: str) -> tuple[int, str]:
    """Read ``url`` over HTTP(S); an unreachable peer is :class:`Unavailable`."""
    try:
        response = httpx.get(url, timeout=30.0)
    except httpx.HTTPError as exc:
        raise Unavailable(f"{url} could not be reached: {exc}") from exc
    return response.status_code, response.text


class _Served(BaseModel):
    """A peer's answer to ``GET /v1/filings/{id}``, before any of it is believed."""

    model_config = ConfigDict(extra="ignore")

    index: int = Field(ge=0)
    entry: str
    view: FilingView
    checkpoint: str
    proof: list[str]


@dataclass(frozen=True)
class Proved:
    """A peer's filing checked against the peer's log, and where it was proved."""

    view: FilingView
    recognised_from: RecognisedFrom

    @property
    def content(self) -> dict[str, Any]:
        return self.view.content()


@dataclass(frozen=True)
class WitnessedPeer:
    """A peer as this installation knows it: where it answers, its log key, and the head of its
    log this installation last cosigned."""

    id: str
    name: str
    origin: str
    url: str
    log: Verifier
    head_size: int
    head_root: bytes


class PeerReader:
    """A peer's public API, each filing read from it proved against the peer's log and the head
    this installation cosigned for it."""

    def __init__(self, peer: WitnessedPeer, fetch: Fetch) -> None:
        self.peer = peer
        self.fetch = fetch
        self._consistent: set[tuple[int, bytes]] = set()

    def get(self, path: str, **params: object) -> Any:
        """The JSON the peer answers to ``GET path``; its 404 is :class:`NotFound`."""
        url = self.peer.url + path + (f"?{urlencode(params)}" if params else "")
        try:
            status, text = self.fetch(url)
        except httpx.HTTPError as exc:
            raise Unavailable(f"peer {self.peer.name} could not be reached: {exc}") from exc
        if status == 404:
            raise NotFound(f"peer {self.peer.name} has no {path}")
        if status != 200:
            raise Unavailable(f"peer {self.peer.name} answered {status} to GET {path}")
        if len(text) > MAX_ANSWER:
            raise InvalidInput(f"peer {self.peer.name} answered GET {path} with over {MAX_ANSWER} characters")
        try:
            return bounded_json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"peer {self.peer.name} answered GET {path} with what is not JSON: {exc}"
            ) from exc

    def filing(self, filing_id: str, kind: str, subject: str | None = None) -> Proved:
        """The peer's filing ``filing_id``, of ``kind`` (about ``subject``), proved against its log."""
        try:
            served = _Served.model_validate(self.get(f"/v1/filings/{quote(filing_id, safe='')}"))
        except ValidationError as exc:
            raise InvalidInput(
                f"peer {self.peer.name} served filing {filing_id} malformed: {exc.errors()[0]['msg']}"
            ) from exc
        envelope = served.view.envelope
        if envelope.get("id") != filing_id or envelope.get("kind") != kind:
            raise InvalidInput(
                f"peer {self.peer.name} served a {envelope.get('kind')} filing {envelope.get('id')} "
                f"when asked for the {kind} filing {filing_id}"
            )
        if subject is not None and envelope.get("subject") != subject:
            raise InvalidInput(f"peer {self.peer.name}'s filing {filing_id} is not about {subject}")
        entry = self._entry(served, filing_id)
        checkpoint = self._checkpoint(served, filing_id)
        try:
            verify_inclusion(
                index=served.index,
                size=checkpoint.size,
                leaf=leaf_hash(entry),
                proof=proof_nodes(served.proof),
                root=checkpoint.root,
            )
        except (ProofError, ValueError) as exc:
            raise InvalidInput(
                f"peer {self.peer.name}'s filing {filing_id} is not proved at entry {served.index} of its "
                f"checkpoint of size {checkpoint.size}: {exc}"
            ) from exc
        self._against_head(checkpoint)
        provenance = RecognisedFrom(
            origin=self.peer.origin, filing_id=filing_id, index=served.index, tree_size=checkpoint.size
        )
        return Proved(served.view, provenance)

    def _entry(self, served: _Served, filing_id: str) -> bytes:
        """The ledger entry the view recomputes to, once it does (and matches the entry served)."""
        try:
            served_entry = base64.b64decode(served.entry, validate=True)
            verify_view(served.view, served_entry)
        except (binascii.Error, CustosError) as exc:
            detail = exc.message if isinstance(exc, CustosError) else str(exc)
            raise InvalidInput(
                f"peer {self.peer.name}'s filing {filing_id} was altered: {detail}; nothing was taken from it"
            ) from exc
        return canonical_json({**served.view.envelope, "digest": served.view.digest})

    def _checkpoint(self, served: _Served, filing_id: str) -> Checkpoint:
        if not served.checkpoint:
            raise Conflict(
                f"peer {self.peer.name} has not yet published a checkpoint covering filing {filing_id}: "
                "try again once it has"
            )
        try:
            checkpoint, _ = open_checkpoint(served.checkpoint, self.peer.log)
        except (NoteError, CustosError, ValueError) as exc:
            raise InvalidInput(
                f"the checkpoint peer {self.peer.name} served with filing {filing_id} is not signed by "
                f"its log key: {exc}"
            ) from exc
        return checkpoint

    def _against_head(self, checkpoint: Checkpoint) -> None:
        """The checkpoint must be the log this installation cosigned for the peer, or extend it
        (or be extended by it): else the peer is showing us another log."""
        peer, key = self.peer, (checkpoint.size, checkpoint.root)
        if key in self._consistent:
            return
        if checkpoint.size == peer.head_size:
            if checkpoint.root != peer.head_root:
                raise Conflict(
                    f"peer {peer.name} served a checkpoint of size {checkpoint.size} whose root is not the "
                    "one this installation cosigned at that size: its log has forked; nothing was taken"
                )
        else:
            old, new = sorted([(peer.head_size, peer.head_root), key])
            answer = self.get("/v1/ledger/proofs/consistency", old=old[0], size=new[0])
            try:
                if not isinstance(answer, Mapping) or not isinstance(answer.get("proof"), list):
                    raise ProofError("the answer holds no proof")
                proof = proof_nodes(answer["proof"])
                verify_consistency(
                    old_size=old[0], new_size=new[0], old_root=old[1], new_root=new[1], proof=proof
                )
            except (ProofError, ValueError, TypeError) as exc:
                raise Conflict(
                    f"peer {peer.name}'s checkpoint of size {checkpoint.size} is not consistent with its "
                    f"head of size {peer.head_size} this installation cosigned: {exc}; nothing was taken"
                ) from exc
        self._consistent.add(key)
