"""Reading OTLP requests in a worker process: what crosses between the processes is the request
as read, point for point and refusal for refusal, and a request that cannot be read is refused
with the same reason as in the server's own process."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from custos.core.errors import InvalidInput
from custos.monitoring import decoding, otlp
from custos.monitoring.simulation import Simulated, day

START = 1_780_272_000  # 2026-06-01 00:00 UTC


def _request() -> bytes:
    """A Collector's batch of 300 deployments' figures over two minutes (two requests' bytes one
    after the other are one request holding both, as protobuf merges them): large enough for a
    worker to read."""
    deployments = [
        Simulated(f"dep-{i}", f"firm-{i % 40}", f"model-{i % 7}", f"host-{i % 3}", 1e6) for i in range(300)
    ]
    body = b"".join(minute.requests["all"] for minute in day(deployments, START, 2, None, batched=True))
    assert len(body) >= decoding.SMALLEST
    return body


#: The window refuses the second minute, so the answer has reasons too.
WINDOW = {"earliest": START - 3600, "latest": START + 30}


def _same(one: otlp.Decoded, other: otlp.Decoded) -> None:
    assert one.refusals == other.refusals
    assert [(r.deployment_id, r.model_id, r.model_version) for r in one.resources] == [
        (r.deployment_id, r.model_id, r.model_version) for r in other.resources
    ]
    for a, b in zip(one.resources, other.resources, strict=True):
        assert a.figures.dtype == b.figures.dtype and a.at.dtype == b.at.dtype
        np.testing.assert_array_equal(a.figures, b.figures)
        np.testing.assert_array_equal(a.at, b.at)
        np.testing.assert_array_equal(a.values, b.values)


@pytest.fixture(scope="module")
def worker() -> Iterator[decoding.Decoder]:
    decoder = decoding.Decoder(workers=1)
    yield decoder
    decoder.close()


def test_a_request_packed_and_unpacked_is_the_request_read() -> None:
    decoded = otlp.decode(_request(), otlp.PROTOBUF, **WINDOW)
    assert decoded.resources and decoded.rejected
    _same(decoding.unpack(decoding.pack(decoded)), decoded)
    _same(decoding.unpack(decoding.pack(otlp.Decoded(()))), otlp.Decoded(()))


def test_a_worker_reads_a_large_request_as_the_server_would(worker: decoding.Decoder) -> None:
    body = _request()
    _same(worker.decode(body, otlp.PROTOBUF, **WINDOW), otlp.decode(body, otlp.PROTOBUF, **WINDOW))


def test_an_unreadable_large_request_is_refused_through_the_worker(worker: decoding.Decoder) -> None:
    body = b"\xff" * decoding.SMALLEST
    with pytest.raises(InvalidInput) as here:
        otlp.decode(body, otlp.PROTOBUF, **WINDOW)
    with pytest.raises(InvalidInput) as there:
        worker.decode(body, otlp.PROTOBUF, **WINDOW)
    assert there.value.message == here.value.message
