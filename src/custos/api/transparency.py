"""The log over HTTP in the C2SP tlog-tiles layout, readable by any tiles client.

Only what the newest signed checkpoint covers is served: a tile or bundle past it is 404, so a
client never sees entries it cannot yet verify.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.core.errors import NotFound
from custos.ledger import TILE_WIDTH, encode_bundle, parse_tile_path
from custos.store import Store, ledger_sql

router = APIRouter(tags=["transparency log (C2SP tlog-tiles)"])
Reader = Annotated[Principal, Depends(require(Permission.LEDGER_READ))]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _published_size(store: Store) -> tuple[int, str]:
    with store.read() as conn:
        latest = ledger_sql.latest_checkpoint(conn)
    if latest is None:
        raise NotFound("no checkpoint has been published yet")
    return latest[1], latest[2]


@router.get("/checkpoint", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def checkpoint(request: Request, _: Reader) -> Response:
    """The newest signed checkpoint, with any witness cosignatures."""
    note = _published_size(_store(request))[1]
    return Response(note, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"})


@router.get(
    "/tile/{path:path}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def tile(path: str, request: Request, _: Reader) -> Response:
    """A hash tile ``<L>/<N>[.p/<W>]`` or an entry bundle ``entries/<N>[.p/<W>]``."""
    level, index, width = parse_tile_path(path)
    store = _store(request)
    size = _published_size(store)[0]
    level_size = size if level is None else size >> (8 * level)
    available = min(TILE_WIDTH, level_size - index * TILE_WIDTH)
    if available < width:
        raise NotFound(f"tile {path} is not covered by the newest checkpoint (size {size})")
    with store.read() as conn:
        if level is None:
            start = index * TILE_WIDTH
            body = encode_bundle(entry for _, entry in ledger_sql.entries(conn, start, start + width))
        else:
            stored = ledger_sql.read_tiles(conn, [(level, index)]).get((level, index), b"")
            body = stored[: width * 32]
            if len(body) != width * 32:
                raise NotFound(f"tile {path} is not stored")
    cache = "public, max-age=31536000, immutable" if width == TILE_WIDTH else "no-cache"
    return Response(body, media_type="application/octet-stream", headers={"Cache-Control": cache})
