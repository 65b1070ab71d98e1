"""The shipped sample network, small scenarios written for the tests, and results to draw charts from.

The engine's tests read the sample through the file adapter: it is the network the figures worked
out by hand in them refer to.
"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path
from typing import Any

from custos.risk.adapters.network_files import load_network
from custos.risk.adapters.scenario_files import EXAMPLES
from custos.risk.adapters.scenario_yaml import load_scenario
from custos.risk.engine.chart_specs import Losses
from custos.risk.engine.network import Network
from custos.risk.engine.scenario import Scenario
from custos.risk.engine.stress_test import run_stress_test

SAMPLE = EXAMPLES / "sample-network"


def sample_network() -> Network:
    return load_network(SAMPLE)


def scenario(text: str) -> Scenario:
    return load_scenario("name: test\nseed: 1\n" + text)


def copy_sample(tmp_path: Path) -> Path:
    """A copy of the sample network's folder, to spoil one table of."""
    return Path(shutil.copytree(SAMPLE, tmp_path / "network"))


CHARTED = """
draws: 3000
chunk_size: 1000
outages: [{provider: cloud-north, loss_rate: 0.15}]
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
"""


@functools.cache
def charted_run() -> tuple[dict[str, Any], Losses]:
    """A run on the sample with every kind of failure, as the charts read it."""
    result = run_stress_test(sample_network(), scenario(CHARTED))
    run = result.aggregate
    return result.metrics, Losses(run.draws, run.sample.system, run.tail_losses)


def large_metrics(per_layer: int = 25) -> dict[str, Any]:
    """A network as wide as a chart shows, with long names that must be cut short."""
    name = "A rather long name for a systemically important node number {}"
    units: list[dict[str, Any]] = [
        {
            "id": f"{layer}-{k}",
            "name": name.format(k),
            "layer": layer,
            "failure_probability": 0.01,
            "expected_loss_given_failure": 2.5e9 * (k + 1),
            "expected_shortfall_contribution": 1.0e8 * (per_layer - k),
            "uninsurable_linchpin": False,
        }
        for layer in ("compute", "model")
        for k in range(per_layer)
    ]
    institutions: list[dict[str, Any]] = [
        {"id": f"bank-{k}", "name": name.format(k), "capital": 5.0e8 * (k + 1), "default_probability": 0.002}
        for k in range(per_layer)
    ]
    ids = [row["id"] for row in [*units, *institutions]]
    return {
        "network": {"currency": "EUR"},
        "providers": units,
        "institutions": institutions,
        "graph": {
            "nodes": [[node] for node in ids],
            "hosting": [[f"compute-{k}", f"model-{k}"] for k in range(per_layer)],
            "deployment": [[f"model-{k}", f"bank-{k}"] for k in range(per_layer)],
            "interbank": [[f"bank-{k}", f"bank-{(k + 3) % per_layer}"] for k in range(per_layer)],
        },
    }
