"""The shipped sample network and small scenarios written for the tests."""

from __future__ import annotations

from custos.risk.network import Network
from custos.risk.network_files import load_network
from custos.risk.scenario import Scenario, load_scenario
from custos.risk.service import EXAMPLES


def sample_network() -> Network:
    return load_network(EXAMPLES / "sample-network")


def scenario(text: str) -> Scenario:
    return load_scenario("name: test\nseed: 1\n" + text)
