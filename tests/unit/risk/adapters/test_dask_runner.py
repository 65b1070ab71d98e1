"""Chunks on a Dask cluster: the same numbers as in this process, folded in chunk order."""

from __future__ import annotations

import numpy as np
from distributed import LocalCluster

from custos.risk.adapters.dask_runner import chunk_runner, run_chunks_on_dask
from custos.risk.engine.montecarlo import Tails, run_chunks
from custos.risk.engine.plan import compile_plan
from tests.unit.risk.sample import sample_network, scenario

RANDOM = """
draws: 2100
chunk_size: 300
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
"""


def test_without_a_scheduler_the_chunks_are_drawn_here() -> None:
    assert chunk_runner(None) is run_chunks


def test_a_cluster_gives_the_same_numbers_as_this_process() -> None:
    network = sample_network()
    plan = compile_plan(network, scenario(RANDOM))
    tails = Tails(40, 25)
    here = run_chunks(plan, network, tails)
    told: list[tuple[int, int]] = []
    # Any free port for its HTTP server: 8787 may be taken by another cluster on the machine.
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        there = run_chunks_on_dask(
            cluster.scheduler_address, plan, network, tails, lambda done, total: told.append((done, total))
        )
    assert plan.chunks == 7 and told[-1] == (7, 7)
    assert [done for done, _ in told] == sorted(done for done, _ in told)  # folded in order
    for field in ("sample", "tail_losses", "tail_draws", "tail_institutions", "default_counts"):
        mine, theirs = getattr(here, field), getattr(there, field)
        if field == "sample":
            mine, theirs = mine.system, theirs.system
        assert np.array_equal(mine, theirs), field
    assert there.system_sum == here.system_sum and there.draws == 2100
