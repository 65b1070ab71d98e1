"""Systemic stress testing: dependency network, correlated failures, financial contagion, buffers.

Two subpackages. ``custos.risk.engine`` is the pure computation (arrays and models in, numbers
out); ``custos.risk.adapters`` connects it to files, the registry, run directories, worker
processes, Dask, rendering and the log. This package's own surface is what the API, the command
line and the demonstration use:

- running a scenario on a network: :func:`run_stress_test` (in this process, or on a cluster
  with :func:`chunk_runner`), giving a :class:`RunResult` (metrics and the folded
  :class:`Aggregate`); :data:`ENGINE_VERSION` is what a filed run records;
- loading what it runs on: :class:`Network` from a folder (:func:`load_network`), the registry
  (:func:`network_from_registry`) or columns (:func:`assemble`, :class:`Columns`,
  :func:`synthetic_columns`); :class:`Scenario` from YAML (:func:`load_scenario`, refusing with
  :class:`ScenarioError`) or a file or shipped example (:func:`scenario_file`,
  :func:`scenario_network`, :func:`shipped_examples`, :data:`EXAMPLES`);
- runs as filings: :class:`RiskService`, which takes a :class:`RunRequest`
  (:mod:`custos.risk.requests`) and answers with the read models of :mod:`custos.risk.views`
  (a run's status, its results, the networks and examples), and a :class:`Submission` (a run
  accepted, for :meth:`RiskService.execute`); the filing kinds
  :data:`STRESS_TEST_COMPLETED` and :data:`STRESS_TEST_PARTICIPATED`, a run's worker process
  under :data:`DEFAULT_MEMORY_LIMIT` and its :class:`RunFailed`;
- the analysts' single-shot tools and the demonstration's data: :func:`clearing_exact`,
  :func:`debtrank_exact`, :func:`debtrank_single_hit_exact`, :func:`read_matrix`,
  :func:`read_vector`, :func:`balance_sheets`, :func:`zipf_weights`, :func:`compute_by_owner`.

Each name is imported from its module the first time it is used, so ``import custos.risk`` costs
nothing: the command line lists its commands without numpy, and a cluster's worker that imports
one engine module does not load the store, Arrow or the chart renderer with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custos.risk.adapters.compute_owners import compute_by_owner
    from custos.risk.adapters.dask_runner import chunk_runner
    from custos.risk.adapters.matrix_files import read_matrix, read_vector
    from custos.risk.adapters.network_files import load_network
    from custos.risk.adapters.network_registry import network_from_registry
    from custos.risk.adapters.scenario_files import (
        EXAMPLES,
        Example,
        scenario_file,
        scenario_network,
        shipped_examples,
    )
    from custos.risk.adapters.scenario_yaml import load_scenario
    from custos.risk.adapters.service import RiskService, Submission
    from custos.risk.adapters.worker import DEFAULT_MEMORY_LIMIT, RunFailed
    from custos.risk.engine.contagion import (
        ClearingResult,
        clearing_exact,
        debtrank_exact,
        debtrank_single_hit_exact,
    )
    from custos.risk.engine.montecarlo import Aggregate, Progress
    from custos.risk.engine.network import Network
    from custos.risk.engine.network_build import Columns, assemble
    from custos.risk.engine.scenario import Scenario, ScenarioError
    from custos.risk.engine.stress_test import ENGINE_VERSION, RunResult, run_stress_test
    from custos.risk.engine.synthetic import balance_sheets, synthetic_columns, zipf_weights
    from custos.risk.filings import (
        STRESS_TEST_COMPLETED,
        STRESS_TEST_PARTICIPATED,
        StressTestCompleted,
        StressTestParticipated,
    )

#: The module each name of the surface comes from.
_HOMES: dict[str, tuple[str, ...]] = {
    "custos.risk.adapters.compute_owners": ("compute_by_owner",),
    "custos.risk.adapters.dask_runner": ("chunk_runner",),
    "custos.risk.adapters.matrix_files": ("read_matrix", "read_vector"),
    "custos.risk.adapters.network_files": ("load_network",),
    "custos.risk.adapters.network_registry": ("network_from_registry",),
    "custos.risk.adapters.scenario_files": (
        "EXAMPLES",
        "Example",
        "scenario_file",
        "scenario_network",
        "shipped_examples",
    ),
    "custos.risk.adapters.scenario_yaml": ("load_scenario",),
    "custos.risk.adapters.service": ("RiskService", "Submission"),
    "custos.risk.adapters.worker": ("DEFAULT_MEMORY_LIMIT", "RunFailed"),
    "custos.risk.engine.contagion": (
        "ClearingResult",
        "clearing_exact",
        "debtrank_exact",
        "debtrank_single_hit_exact",
    ),
    "custos.risk.engine.montecarlo": ("Aggregate", "Progress"),
    "custos.risk.engine.network": ("Network",),
    "custos.risk.engine.network_build": ("Columns", "assemble"),
    "custos.risk.engine.scenario": ("Scenario", "ScenarioError"),
    "custos.risk.engine.stress_test": ("ENGINE_VERSION", "RunResult", "run_stress_test"),
    "custos.risk.engine.synthetic": ("balance_sheets", "synthetic_columns", "zipf_weights"),
    "custos.risk.filings": (
        "STRESS_TEST_COMPLETED",
        "STRESS_TEST_PARTICIPATED",
        "StressTestCompleted",
        "StressTestParticipated",
    ),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "ENGINE_VERSION",
    "EXAMPLES",
    "STRESS_TEST_COMPLETED",
    "STRESS_TEST_PARTICIPATED",
    "Aggregate",
    "ClearingResult",
    "Columns",
    "Example",
    "Network",
    "Progress",
    "RiskService",
    "RunFailed",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "StressTestCompleted",
    "StressTestParticipated",
    "Submission",
    "assemble",
    "balance_sheets",
    "chunk_runner",
    "clearing_exact",
    "compute_by_owner",
    "debtrank_exact",
    "debtrank_single_hit_exact",
    "load_network",
    "load_scenario",
    "network_from_registry",
    "read_matrix",
    "read_vector",
    "run_stress_test",
    "scenario_file",
    "scenario_network",
    "shipped_examples",
    "synthetic_columns",
    "zipf_weights",
]


def __getattr__(name: str) -> Any:
    """Import a name of the surface from its module on first use, and keep it."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
