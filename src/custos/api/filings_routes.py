"""Filings as each viewer may see them, with what is needed to check them against the log."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.core.errors import NotFound
from custos.filings import FilingView
from custos.store import Store

router = APIRouter(prefix="/v1/filings", tags=["filings"])


class FilingWithProof(BaseModel):
    index: int
    entry: str
    """The ledger entry's bytes, base64: the view recomputes to the digest it holds."""
    view: FilingView
    checkpoint: str
    """The newest signed checkpoint covering the entry, when one does."""
    proof: list[str]
    """Inclusion proof of the entry in that checkpoint's tree, leaf to root."""


@router.get("/{filing_id}", response_model=FilingWithProof)
def get_filing(
    filing_id: str, request: Request, who: Annotated[Principal, Depends(require(Permission.FILINGS_READ))]
) -> FilingWithProof:
    store: Store = request.app.state.store
    with store.read() as conn:
        proved = store.proved(conn, filing_id)
    if proved is None:
        raise NotFound(f"no filing {filing_id!r}")
    filing = proved.filing
    return FilingWithProof(
        index=proved.index,
        entry=base64.b64encode(proved.entry).decode(),
        view=filing.view(lambda visibility: who.can_see(visibility, filing.organisation)),
        checkpoint=proved.checkpoint,
        proof=[base64.b64encode(p).decode() for p in proved.proof],
    )
