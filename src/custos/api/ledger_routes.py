"""The log's JSON API: status, entries, proofs, and signing a checkpoint."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.core.errors import InvalidInput
from custos.ledger import LogReader
from custos.store import Store, ledger_sql

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])
Reader = Annotated[Principal, Depends(require(Permission.LEDGER_READ))]
Signer = Annotated[Principal, Depends(require(Permission.LEDGER_CHECKPOINT))]
MAX_INDEX = 2**62  # far past any log, and within every database's 64-bit integers
MAX_ENTRIES = 1000


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


class Status(BaseModel):
    origin: str
    size: int
    checkpoint_size: int | None
    checkpoint: str | None
    log_key: str


class Entry(BaseModel):
    index: int
    entry: str
    """The entry's bytes, base64."""


class InclusionProof(BaseModel):
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]


class ConsistencyProof(BaseModel):
    old_size: int
    size: int
    old_root: str
    root: str
    proof: list[str]


class SignedCheckpoint(BaseModel):
    size: int
    checkpoint: str


def _check_size(reader_size: int, size: int) -> None:
    if size > reader_size:
        raise InvalidInput(f"size {size} is beyond the log's {reader_size} entries")


@router.get("/status", response_model=Status)
def status(request: Request, _: Reader) -> Status:
    store = _store(request)
    with store.read() as conn:
        latest = ledger_sql.latest_checkpoint(conn)
        return Status(
            origin=ledger_sql.origin(conn),
            size=ledger_sql.tree_size(conn),
            checkpoint_size=latest[1] if latest else None,
            checkpoint=latest[2] if latest else None,
            log_key=store.log_signer.verifier.vkey,
        )


@router.get("/entries", response_model=list[Entry])
def entries(
    request: Request,
    _: Reader,
    start: Annotated[int, Query(ge=0, le=MAX_INDEX)] = 0,
    end: Annotated[
        int | None, Query(ge=0, le=MAX_INDEX, description=f"exclusive; at most {MAX_ENTRIES} past start")
    ] = None,
) -> list[Entry]:
    end = start + MAX_ENTRIES if end is None else end
    if end < start or end - start > MAX_ENTRIES:
        raise InvalidInput(f"end must be between start and start + {MAX_ENTRIES}")
    with _store(request).read() as conn:
        return [Entry(index=i, entry=_b64(data)) for i, data in ledger_sql.entries(conn, start, end)]


def _reader(request: Request) -> tuple[LogReader, int]:
    store = _store(request)
    with store.read() as conn:
        return store.tiles.reader, ledger_sql.tree_size(conn)


@router.get("/proofs/inclusion", response_model=InclusionProof)
def inclusion(
    request: Request,
    _: Reader,
    index: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int, Query(ge=1, le=MAX_INDEX)],
) -> InclusionProof:
    reader, current = _reader(request)
    _check_size(current, size)
    if index >= size:
        raise InvalidInput(f"index {index} is not below size {size}")
    return InclusionProof(
        index=index,
        size=size,
        leaf_hash=_b64(reader.leaf_hash(index)),
        root=_b64(reader.root(size)),
        proof=[_b64(p) for p in reader.inclusion_proof(index, size)],
    )


@router.get("/proofs/consistency", response_model=ConsistencyProof)
def consistency(
    request: Request,
    _: Reader,
    old: Annotated[int, Query(ge=0, le=MAX_INDEX)],
    size: Annotated[int, Query(ge=0, le=MAX_INDEX)],
) -> ConsistencyProof:
    reader, current = _reader(request)
    _check_size(current, size)
    if old > size:
        raise InvalidInput(f"old size {old} is larger than size {size}")
    return ConsistencyProof(
        old_size=old,
        size=size,
        old_root=_b64(reader.root(old)),
        root=_b64(reader.root(size)),
        proof=[_b64(p) for p in reader.consistency_proof(old, size)],
    )


@router.post("/checkpoints", response_model=SignedCheckpoint, status_code=201)
def sign_checkpoint(request: Request, _: Signer) -> SignedCheckpoint:
    """Sign the current tree head now (the server also does so periodically)."""
    size, note = _store(request).publish_checkpoint()
    return SignedCheckpoint(size=size, checkpoint=note)
