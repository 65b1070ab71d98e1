"""The log read over HTTP as a tlog-tiles client would: checkpoint, tiles, bundles, proofs."""

from __future__ import annotations

import base64
from collections.abc import Sequence

import pytest

from custos.ledger import (
    LogReader,
    TileCache,
    Verifier,
    decode_bundle,
    leaf_hashes,
    open_checkpoint,
    tile_path,
    verify_inclusion,
)
from custos.ledger.tiles import TILE_WIDTH, TileId, tile_width_at
from tests.functional.conftest import Api


class HttpTiles:
    """A TileSource that fetches tiles from the server, each at the width a checkpoint implies."""

    def __init__(self, api: Api, size: int) -> None:
        self.api, self.size = api, size

    def read_tiles(self, ids: Sequence[TileId]) -> dict[TileId, bytes]:
        found = {}
        for level, index in ids:
            width = tile_width_at(level, index, self.size)
            response = self.api.client.get("/" + tile_path(level, index, width))
            assert response.status_code == 200, response.text
            assert len(response.content) == width * 32
            found[(level, index)] = response.content
        return found


@pytest.fixture
def grown(api: Api) -> Api:
    with api.store.transaction() as uow:
        uow.append_entries([f"entry {i}".encode() for i in range(600)])
    api.store.publish_checkpoint()
    return api


def test_a_tiles_client_rebuilds_the_signed_root_and_proves_inclusion(grown: Api) -> None:
    log_key = Verifier.from_vkey(grown.client.get("/v1/ledger/status").json()["log_key"])
    note = grown.client.get("/checkpoint").text
    checkpoint, _ = open_checkpoint(note, log_key)
    reader = LogReader(HttpTiles(grown, checkpoint.size), TileCache())
    assert reader.root(checkpoint.size) == checkpoint.root

    bundle = grown.client.get("/" + tile_path("entries", 2, tile_width_at(0, 2, checkpoint.size)))
    entries = decode_bundle(bundle.content)
    prior = checkpoint.size - 600  # the filings that precede the 600 raw entries
    assert entries[0] == f"entry {2 * TILE_WIDTH - prior}".encode()
    index = 2 * TILE_WIDTH + 5
    verify_inclusion(
        index=index,
        size=checkpoint.size,
        leaf=leaf_hashes([entries[5]])[0],
        proof=reader.inclusion_proof(index, checkpoint.size),
        root=checkpoint.root,
    )
    api_proof = grown.client.get(
        "/v1/ledger/proofs/inclusion", params={"index": index, "size": checkpoint.size}
    )
    assert [base64.b64decode(p) for p in api_proof.json()["proof"]] == reader.inclusion_proof(
        index, checkpoint.size
    )


def published_size(api: Api) -> int:
    return int(api.client.get("/v1/ledger/status").json()["checkpoint_size"])


def test_full_tiles_are_immutable_and_partial_ones_are_not(grown: Api) -> None:
    width = tile_width_at(0, 2, published_size(grown))
    assert "immutable" in grown.client.get("/tile/0/000").headers["cache-control"]
    assert grown.client.get(f"/tile/0/002.p/{width}").headers["cache-control"] == "no-cache"


def test_nothing_past_the_newest_checkpoint_is_served(grown: Api) -> None:
    width = tile_width_at(0, 2, published_size(grown))
    with grown.store.transaction() as uow:
        uow.append_entries([b"unpublished"] * 10)
    assert grown.client.get(f"/tile/entries/002.p/{width}").status_code == 200
    response = grown.client.get(f"/tile/entries/002.p/{width + 1}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/tile/0/1", "/tile/0/x000/001", "/tile/0/000.p/0", "/tile/x/000"])
def test_malformed_tile_paths_are_422(grown: Api, path: str) -> None:
    response = grown.client.get(path)
    assert response.status_code == 422
    assert "tile" in response.json()["detail"]
