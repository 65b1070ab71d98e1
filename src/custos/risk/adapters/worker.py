"""A run's computation, here or in a process of its own under a memory limit.

``produce`` runs the engine and writes the run's files; it never touches the store, so the run's
filing stays with the caller, the one writer. The server runs it in a child process
(``python -m custos.risk.adapters.worker``) whose data (heap and private writable mappings) is
capped with ``RLIMIT_DATA``: a run that needs more than that fails alone, with "the run exceeded
its memory limit of 4 GiB" in its status, and the server keeps answering. ``RLIMIT_AS`` would
count address space that is only reserved, never used: the V8 engine that renders the report's
charts reserves gigabytes of it, and would fail under any useful limit. The child reports
progress and its own failures through the run's status file, as the server would, and stops when
the server that started it is gone. A run that dies without a word (killed, or out of memory
inside native code that aborts rather than raising) is reported by the server, with its signal
or exit status.
"""

from __future__ import annotations

import os
import pickle
import resource
import signal
import subprocess
import sys
import traceback
from dataclasses import dataclass

from custos.core.errors import CustosError
from custos.risk.adapters.dask_runner import chunk_runner
from custos.risk.adapters.report import render_report
from custos.risk.adapters.runs import RunDirectory
from custos.risk.engine.chart_specs import Losses
from custos.risk.engine.montecarlo import Progress
from custos.risk.engine.network import Network
from custos.risk.engine.precision import run_to_precision
from custos.risk.engine.scenario import Scenario

#: The data a run started over HTTP may use unless the server is told otherwise: a worker holds
#: about 300 MB before its first draw (Python, numpy, scipy, numba), which leaves room for the
#: largest tail a run may keep (``TAIL_MEMORY_LIMIT``) and its chunks' working arrays.
DEFAULT_MEMORY_LIMIT = 4 * 2**30
#: The child's exit status when the run ran out of memory.
OUT_OF_MEMORY = 3


class RunFailed(CustosError):
    """The run failed in its worker process; its status already says why."""


@dataclass(frozen=True)
class Job:
    """What the child process needs: everything is already validated by the server."""

    run: RunDirectory
    network: Network
    scenario: Scenario
    scheduler: str | None
    memory_limit: int
    parent: int  # the server's process id: the child stops when the server is gone


def produce(
    run: RunDirectory, network: Network, scenario: Scenario, scheduler: str | None, progress: Progress
) -> bytes:
    """Run the engine and write every result file and the report; return results.json's bytes."""
    result = run_to_precision(network, scenario, progress, chunk_runner(scheduler))
    aggregate = result.aggregate
    losses = Losses(aggregate.draws, aggregate.sample.system, aggregate.tail_losses)
    report = render_report(result.metrics, losses, network.currency, run.run_id)
    return run.write_results(result.metrics, aggregate, report)


def record_failure(run: RunDirectory, error: Exception) -> None:
    """Put the reason a run failed in its status: a person's explanation, or the trace of a bug."""
    if isinstance(error, CustosError):
        run.update(state="failed", error=error.diagnostics(), evidence=error.evidence)
    else:
        run.update(state="failed", error=f"{type(error).__name__}: {error}", trace=traceback.format_exc())


def gib(size: int) -> str:
    return f"{size / 2**30:g} GiB"


def produce_isolated(
    run: RunDirectory, network: Network, scenario: Scenario, scheduler: str | None, memory_limit: int
) -> bytes:
    """``produce`` in a child process limited to ``memory_limit`` bytes of data."""
    job = Job(run, network, scenario, scheduler, memory_limit, os.getpid())
    # Allocators that reserve more than they use would count against the limit: few malloc arenas
    # (one per thread otherwise), and Arrow on the system allocator rather than its own pools.
    environment = {**os.environ, "MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system"}
    child = subprocess.Popen(
        [sys.executable, "-m", "custos.risk.adapters.worker"], stdin=subprocess.PIPE, env=environment
    )
    child.communicate(pickle.dumps(job))
    if child.returncode == 0:
        return (run.path / "results.json").read_bytes()
    if child.returncode == OUT_OF_MEMORY:
        reason = f"the run exceeded its memory limit of {gib(memory_limit)}"
    elif run.status()["state"] == "failed":
        raise RunFailed(run.status()["error"])
    elif child.returncode < 0:
        name = signal.Signals(-child.returncode).name
        reason = f"the process running it was stopped by {name} (its memory limit is {gib(memory_limit)})"
    else:
        reason = f"the process running it ended with status {child.returncode}"
    run.update(state="failed", error=reason, evidence={"memory_limit_bytes": memory_limit})
    raise RunFailed(reason)


def main() -> None:
    """The child: cap its data, run, and report a failure in the run's status."""
    job: Job = pickle.loads(sys.stdin.buffer.read())
    resource.setrlimit(resource.RLIMIT_DATA, (job.memory_limit, job.memory_limit))

    def advance(done: int, total: int) -> None:
        if os.getppid() != job.parent:  # the server is gone: nobody will file this run
            sys.exit(1)
        job.run.update(state="running", chunks_done=done, chunks=total)

    try:
        produce(job.run, job.network, job.scenario, job.scheduler, advance)
    except MemoryError:
        sys.exit(OUT_OF_MEMORY)
    except Exception as error:
        record_failure(job.run, error)
        sys.exit(1)


if __name__ == "__main__":
    main()
