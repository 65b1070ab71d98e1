"""Reading OTLP requests in worker processes, so the server writes one request while the next is
read.

Reading a request of ten thousand points walks every point in Python (``otlp.decode``): about as
long as storing them and running detection. In one process the two take turns for the
interpreter; with a worker process reading, they overlap, which is what lets one server keep up
with a hundred thousand points a second on two cores. A small request is read in the server's
own process: sending it to a worker would cost more than reading it.

What crosses between the processes is columnar (each deployment's name and what it serves, its
number of points, and the points as three flat arrays): pickling ten thousand small arrays, one
per deployment and column, took longer than reading the request.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from custos.monitoring import otlp

#: Bodies smaller than this (bytes, as inflated) are read in the server's process.
SMALLEST = 64 * 1024

_Packed = tuple[
    list[str],
    list[str | None],
    list[str | None],
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    tuple[tuple[str, int], ...],
]


def pack(decoded: otlp.Decoded) -> _Packed:
    """A read request as a few columns, cheap to send to another process."""
    resources = decoded.resources
    empty = (np.zeros(0, np.int8), np.zeros(0, np.int64), np.zeros(0, np.float64))
    return (
        [r.deployment_id for r in resources],
        [r.model_id for r in resources],
        [r.model_version for r in resources],
        np.array([r.figures.size for r in resources], dtype=np.int64),
        np.concatenate([r.figures for r in resources]) if resources else empty[0],
        np.concatenate([r.at for r in resources]) if resources else empty[1],
        np.concatenate([r.values for r in resources]) if resources else empty[2],
        decoded.refusals,
    )


def unpack(packed: _Packed) -> otlp.Decoded:
    """The request ``pack`` was given, each deployment's points a view of the flat arrays."""
    deployments, models, versions, sizes, figures, at, values, refusals = packed
    if not deployments:
        return otlp.Decoded((), refusals)
    cuts = np.cumsum(sizes)[:-1]
    resources = tuple(
        otlp.ResourcePoints(deployment, model, version, some_figures, some_at, some_values)
        for deployment, model, version, some_figures, some_at, some_values in zip(
            deployments,
            models,
            versions,
            np.split(figures, cuts),
            np.split(at, cuts),
            np.split(values, cuts),
            strict=True,
        )
    )
    return otlp.Decoded(resources, refusals)


def _read(body: bytes, content_type: str, earliest: int, latest: int) -> _Packed:
    return pack(otlp.decode(body, content_type, earliest=earliest, latest=latest))


class Decoder:
    """Reads requests with ``otlp.decode``, large ones in ``workers`` processes (none: all here).

    The processes start on the first large request, from a fresh interpreter (``spawn``: forking
    a server that runs threads copies locks other threads hold)."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def decode(self, body: bytes, content_type: str, *, earliest: int, latest: int) -> otlp.Decoded:
        if not self.workers or len(body) < SMALLEST:
            return otlp.decode(body, content_type, earliest=earliest, latest=latest)
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn")
                )
            pool = self._pool
        return unpack(pool.submit(_read, body, content_type, earliest, latest).result())

    def close(self) -> None:
        """Stop the worker processes (a later large request starts them again)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
