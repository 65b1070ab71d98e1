"""Run a plan's chunks here or on a Dask cluster, and merge them in chunk order.

Chunk sizes and seeds depend only on the plan (``SeedSequence(seed).spawn(chunks)``), and chunks
are merged in their own order with ties broken by draw number, so a run gives the same numbers
in this process, on a local cluster and on a remote one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from custos.core.errors import InvalidInput
from custos.risk.network import Network
from custos.risk.plan import Plan
from custos.risk.simulate import ChunkResult, simulate_chunk

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Merged:
    """All chunks together: per-draw arrays, sums, and the detail of the largest losses."""

    system: np.ndarray
    defaults: np.ndarray
    direct: np.ndarray
    real_economy: np.ndarray
    institution_loss: np.ndarray
    institution_defaults: np.ndarray
    deployment_loss: np.ndarray
    cause_loss: np.ndarray
    unit_failures: np.ndarray
    unit_failure_loss: np.ndarray
    tail_draws: np.ndarray
    tail_institutions: np.ndarray
    tail_deployments: np.ndarray
    tail_causes: np.ndarray
    iterations: int
    residual: float


def tail_size(draws: int, level: float) -> int:
    """How many draws lie beyond the ``level`` quantile: the tail expected shortfall averages."""
    return max(1, math.ceil((1 - Fraction(str(level))) * draws))  # exact: 0.95 × 10⁸ has no rounding


def merge(results: list[ChunkResult], tail: int) -> Merged:
    ordered = sorted(results, key=lambda result: result.chunk)
    tail_losses = np.concatenate([r.system[r.tail_draws - r.first_draw] for r in ordered])
    tail_draws = np.concatenate([r.tail_draws for r in ordered])
    keep = np.lexsort((tail_draws, -tail_losses))[:tail]
    return Merged(
        system=np.concatenate([r.system for r in ordered]),
        defaults=np.concatenate([r.defaults for r in ordered]),
        direct=np.concatenate([r.direct for r in ordered]),
        real_economy=np.concatenate([r.real_economy for r in ordered]),
        institution_loss=np.sum([r.institution_loss for r in ordered], axis=0),
        institution_defaults=np.sum([r.institution_defaults for r in ordered], axis=0),
        deployment_loss=np.sum([r.deployment_loss for r in ordered], axis=0),
        cause_loss=np.sum([r.cause_loss for r in ordered], axis=0),
        unit_failures=np.sum([r.unit_failures for r in ordered], axis=0),
        unit_failure_loss=np.sum([r.unit_failure_loss for r in ordered], axis=0),
        tail_draws=tail_draws[keep],
        tail_institutions=np.vstack([r.tail_institutions for r in ordered])[keep],
        tail_deployments=np.vstack([r.tail_deployments for r in ordered])[keep],
        tail_causes=np.vstack([r.tail_causes for r in ordered])[keep],
        iterations=max(r.iterations for r in ordered),
        residual=max(r.residual for r in ordered),
    )


@contextmanager
def dask_client(scheduler: str) -> Iterator[Any]:
    """``local`` starts a cluster of worker processes on this machine; an address joins a real one."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        with (
            LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None) as cluster,  # type: ignore[no-untyped-call]
            Client(cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InvalidInput(
            "cannot reach the Dask scheduler", evidence={"scheduler": scheduler, "reason": str(exc)}
        ) from exc
    with client:
        yield client


def run_chunks(
    plan: Plan, network: Network, tail: int, scheduler: str | None = None, progress: Progress | None = None
) -> Merged:
    """Every chunk of the plan, in this process (``scheduler=None``) or on Dask; then merged."""
    seeds = np.random.SeedSequence(plan.seed).spawn(plan.chunks)
    report = progress or (lambda done, total: None)
    results: list[ChunkResult] = []
    if scheduler is None:
        for chunk in range(plan.chunks):
            results.append(simulate_chunk(plan, network, chunk, seeds[chunk], tail))
            report(chunk + 1, plan.chunks)
        return merge(results, tail)
    from distributed import as_completed

    with dask_client(scheduler) as client:
        shared_plan, shared_network = client.scatter([plan, network], broadcast=True)
        futures = [
            client.submit(simulate_chunk, shared_plan, shared_network, chunk, seeds[chunk], tail, pure=False)
            for chunk in range(plan.chunks)
        ]
        for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
            results.append(future.result())
            report(done, plan.chunks)
    return merge(results, tail)
