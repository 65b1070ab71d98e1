"""Batched clearing: scenarios per second, share of the memory-bandwidth bound, and the baseline.

Networks are random: every institution owes about ten others (uniformly chosen creditors,
lognormal amounts) and as much again outside the network, give or take half. Its external assets
cover what its interbank assets do not, plus a capital buffer of about 8% of its obligations that
varies between institutions (lognormal) and a random extra, so some institutions are weaker than
others in every scenario. A scenario takes a haircut off every institution's external assets: a
common factor (Beta(2, 8) scaled by 0.5), times a fixed riskiness of the institution (lognormal),
times an idiosyncratic draw (lognormal), capped at 100%. About one institution in seven defaults
per scenario (the figure is printed).

``clearing_batched`` (Eisenberg–Noe, default tolerance) is timed after a warm-up, so numba's
compilation is excluded; figures are the median of three runs, since the first run of a size also
pays for touching fresh memory (about 1.5 s per GB on the 2-core VM measured for RESULTS.md, whose
speed also drifts by up to 2× from minute to minute).

Memory-bandwidth model. The kernel pushes each change of a shortfall along the debtor's row of
``Pi`` and counts the non-zeros it pushed along. For each such non-zero, per block of ``w``
scenarios, it moves at least 12 bytes of CSR entry (a 4-byte column index and an 8-byte value) and
reads and writes the creditor's ``w`` missed inflows (16 bytes a scenario). So::

    bytes = 12 * nonzeros_touched + 16 * scenario_nonzeros_touched

summed over sweeps and blocks (``BatchClearing`` returns both counts). Evaluating institutions,
copying scenarios in and results out are not counted, so the model undercounts the traffic. The
bound is ``bytes / bandwidth`` with the bandwidth of a STREAM-style triad over arrays far larger
than the caches, on every thread; the share reported is that bound over the measured time. When a
block's working arrays stay in cache (the point of blocking) the share can exceed 100%.

The baseline is ``clearing_picard_scipy``: the plain fixed-point loop on scipy's sparse product,
one scenario at a time (timed on 20 scenarios and scaled per scenario).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from dataclasses import dataclass

import numba
import numpy as np
import scipy.sparse as sp
from numba import njit, prange

from benchmarks.common import row
from custos.risk.engine.contagion import BatchClearing, clearing_batched, clearing_picard_scipy

DEGREE = 10
SCENARIOS = 1_000
BASELINE_SCENARIOS = 20
MILLION = 1_000_000
MILLION_SCENARIOS = 16


@dataclass(frozen=True)
class Network:
    liabilities: sp.csr_array
    external_liabilities: np.ndarray
    external_assets: np.ndarray
    riskiness: np.ndarray


def network(n: int, rng: np.random.Generator) -> Network:
    """A random network with ``DEGREE * n`` exposures, built with array operations only."""
    edges = DEGREE * n
    debtors = rng.integers(0, n, edges)
    creditors = rng.integers(0, n - 1, edges)
    creditors += creditors >= debtors  # nobody owes itself
    liabilities = sp.csr_array((rng.lognormal(0.0, 1.0, edges), (debtors, creditors)), shape=(n, n))
    del debtors, creditors
    liabilities.sum_duplicates()
    owed = np.asarray(liabilities.sum(axis=1)).ravel()
    owned = np.asarray(liabilities.sum(axis=0)).ravel()
    external = owed * rng.uniform(0.5, 1.5, n)
    capital = 0.08 * rng.lognormal(0.0, 0.5, n) * (owed + external)
    assets = np.maximum(0.0, owed + external - owned) + capital + rng.uniform(0.0, 0.5, n) * owned
    return Network(liabilities, external, assets, rng.lognormal(0.0, 0.5, n))


def scenarios(net: Network, count: int, rng: np.random.Generator) -> np.ndarray:
    """External assets after a haircut: common factor x riskiness x idiosyncratic, in place."""
    haircut = rng.lognormal(0.0, 0.3, (net.external_assets.size, count))
    haircut *= net.riskiness[:, None]
    haircut *= 0.5 * rng.beta(2.0, 8.0, count)[None, :]
    np.minimum(haircut, 1.0, out=haircut)
    np.subtract(1.0, haircut, out=haircut)
    haircut *= net.external_assets[:, None]
    return haircut


@njit(parallel=True, cache=True)
def _triad(a: np.ndarray, b: np.ndarray, c: np.ndarray, scale: float) -> None:
    for i in prange(a.size):
        a[i] = b[i] + scale * c[i]


def bandwidth() -> float:
    """Bytes per second of ``a = b + s * c`` over three 256 MiB arrays, on every thread, best of 10
    (two reads and one write of 8 bytes an element, as STREAM counts them)."""
    size = 2**25
    a, b, c = np.zeros(size), np.ones(size), np.ones(size)
    _triad(a, b, c, 3.0)
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        _triad(a, b, c, 3.0)
        timings.append(time.perf_counter() - started)
    return 3 * 8 * size / min(timings)


def modelled_bytes(result: BatchClearing) -> int:
    return 12 * result.nonzeros_touched + 16 * result.scenario_nonzeros_touched


def batched(net: Network, assets: np.ndarray, repeats: int) -> tuple[BatchClearing, float]:
    """The result and the median wall time of ``repeats`` runs."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = clearing_batched(net.liabilities, assets, net.external_liabilities)
        timings.append(time.perf_counter() - started)
    return result, statistics.median(timings)


def report(n: int, net: Network, result: BatchClearing, elapsed: float, rate: float) -> None:
    count = result.payments.shape[1]
    label = f"n = {n:,} ({net.liabilities.nnz:,} exposures)"
    row(
        f"clearing_batched, {label}, {count:,} scenarios",
        f"{count / elapsed:,.0f} scenarios/s ({elapsed:.2f} s; {result.iterations} sweeps; "
        f"{result.defaulted.mean():.1%} of institutions defaulted per scenario)",
        "≥ 2,000 scenarios/s on 2 cores" if n == 10_000 else "",
    )
    moved = modelled_bytes(result)
    row(
        f"share of the memory-bandwidth bound, {label}",
        f"{moved / rate / elapsed:.0%} ({moved / 1e9:.2f} GB modelled in {elapsed:.2f} s "
        f"at {rate / 1e9:.1f} GB/s)",
        "≥ 40%" if n == 10_000 else "",
    )


def baseline(net: Network, assets: np.ndarray, result: BatchClearing, elapsed: float) -> None:
    started = time.perf_counter()
    gap = 0.0
    for column in range(BASELINE_SCENARIOS):
        plain = clearing_picard_scipy(net.liabilities, assets[:, column], net.external_liabilities)
        gap = max(gap, float(np.abs(plain.payments - result.payments[:, column]).max()))
    each = (time.perf_counter() - started) / BASELINE_SCENARIOS
    per_scenario = elapsed / assets.shape[1]
    row(
        "clearing_picard_scipy, n = 10,000, one scenario at a time",
        f"{each * 1e3:.2f} ms per scenario ({BASELINE_SCENARIOS} scenarios; payments within {gap:.1e} "
        "of the batched kernel)",
    )
    row(
        "clearing_batched vs clearing_picard_scipy, time per scenario, n = 10,000",
        f"{each / per_scenario:.1f}× faster ({per_scenario * 1e3:.3f} vs {each * 1e3:.2f} ms)",
        "≥ 10×",
    )


def million(rng: np.random.Generator) -> None:
    """Build a network of 1,000,000 institutions and 10,000,000 exposures and clear 16 scenarios."""
    started = time.perf_counter()
    net = network(MILLION, rng)
    assets = scenarios(net, MILLION_SCENARIOS, rng)
    built = time.perf_counter() - started
    result, elapsed = batched(net, assets, repeats=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    label = f"n = {MILLION:,} ({net.liabilities.nnz:,} exposures)"
    row(
        f"clearing_batched, {label}, {MILLION_SCENARIOS} scenarios",
        f"peak RSS {peak:.2f} GiB (network built in {built:.1f} s, cleared in {elapsed:.1f} s, "
        f"{result.iterations} sweeps, {result.defaulted.mean():.1%} defaulted)",
        "≤ 24 GiB",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 100,000 and 1,000,000 networks")
    args = parser.parse_args()
    rng = np.random.default_rng(20_260_101)
    warm = network(100, rng)
    clearing_batched(warm.liabilities, scenarios(warm, 4, rng), warm.external_liabilities)  # compile
    # First, so that the peak RSS it reports is its own and not that of the runs below.
    if not args.quick:
        million(rng)
    rate = bandwidth()
    row(
        f"memory bandwidth (triad over 3 × 256 MiB, {numba.get_num_threads()} threads, best of 10)",
        f"{rate / 1e9:.1f} GB/s",
    )
    for n in (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000):
        net = network(n, rng)
        assets = scenarios(net, SCENARIOS, rng)
        result, elapsed = batched(net, assets, repeats=3)
        report(n, net, result, elapsed, rate)
        if n == 10_000:
            baseline(net, assets, result, elapsed)


if __name__ == "__main__":
    main()
