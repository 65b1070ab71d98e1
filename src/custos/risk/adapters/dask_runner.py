"""A run's chunks on a Dask cluster: a local one started here, or a running one by address.

The engine draws chunks in this process (:func:`~custos.risk.engine.montecarlo.run_chunks`); this
adapter sends the same chunks, with the same seeds, to a cluster's workers and folds their results
with the engine's accumulator in chunk order, so a run gives the same numbers here and there. It
keeps only a few chunks in flight per worker: a result that arrives early waits to be folded, and
memory stays bounded however many chunks the run has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from custos.core.errors import InvalidInput
from custos.risk.engine.montecarlo import (
    Accumulator,
    Aggregate,
    ChunkRunner,
    Progress,
    Tails,
    chunk_seeds,
    run_chunks,
)
from custos.risk.engine.network import Network
from custos.risk.engine.plan import Plan
from custos.risk.engine.simulate import simulate_chunk

#: Chunks a Dask run keeps in flight per worker; early ones wait, so memory stays bounded.
IN_FLIGHT_PER_WORKER = 2


@contextmanager
def dask_client(scheduler: str) -> Iterator[Any]:
    """``local`` starts a cluster of worker processes on this machine; an address joins a real one."""
    from distributed import Client, LocalCluster

    if scheduler == "local":
        with (
            LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0") as cluster,  # type: ignore[no-untyped-call]
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


def run_chunks_on_dask(
    scheduler: str, plan: Plan, network: Network, tails: Tails, progress: Progress | None = None
) -> Aggregate:
    """Every chunk of the plan on the cluster ``scheduler`` names, folded in order as they arrive."""
    from distributed import as_completed

    seeds = chunk_seeds(plan)
    report = progress or (lambda done, total: None)
    accumulator = Accumulator(plan, network, tails)
    with dask_client(scheduler) as client:
        shared_plan, shared_network = client.scatter([plan, network], broadcast=True)

        def submit(chunk: int) -> Any:
            return client.submit(
                simulate_chunk,
                shared_plan,
                shared_network,
                chunk,
                seeds[chunk],
                tails.system,
                tails.capital,
                pure=False,
            )

        workers = max(1, len(client.scheduler_info()["workers"]))
        window = min(plan.chunks, IN_FLIGHT_PER_WORKER * workers)
        running = as_completed([submit(chunk) for chunk in range(window)])  # type: ignore[no-untyped-call]
        submitted = window
        for future in running:
            done = accumulator.add(future.result())
            future.release()
            while submitted < min(plan.chunks, done + window):
                running.add(submit(submitted))  # type: ignore[no-untyped-call]
                submitted += 1
            report(done, plan.chunks)
    return accumulator.result()


def chunk_runner(scheduler: str | None) -> ChunkRunner:
    """Where a run's chunks are drawn: this process (``None``), a local cluster (``local``), or the
    running scheduler at an address such as ``tcp://host:8786``."""
    if scheduler is None:
        return run_chunks
    return partial(run_chunks_on_dask, scheduler)
