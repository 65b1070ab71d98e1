"""Counterweights, what could absorb a failure, and the dominator tree as a page draws it."""

from __future__ import annotations

import pytest

from custos.markets.dependencies import dominators, single_points_of_failure
from custos.markets.network import registry_network
from custos.markets.structure import counterweights, dominator_nodes

MODELS = [
    {
        "id": "mA",
        "name": "A",
        "provider_id": "DevA",
        "accessibility": "api",
        "public_interest": False,
        "public_interest_grounds": None,
    },
    {
        "id": "mO",
        "name": "Open",
        "provider_id": "DevO",
        "accessibility": "open_weights_unrestricted",
        "public_interest": False,
        "public_interest_grounds": None,
    },
    {
        "id": "mP",
        "name": "Public",
        "provider_id": "Lab",
        "accessibility": "open_weights_restricted",
        "public_interest": True,
        "public_interest_grounds": "publicly funded",
    },
    {
        "id": "mE",
        "name": "Escrowed",
        "provider_id": "DevE",
        "accessibility": "api",
        "public_interest": False,
        "public_interest_grounds": None,
    },
]


def _row(
    identifier: str, model: str, host: str | None, sector: str, fallbacks: list[str] | None = None
) -> dict[str, object]:
    return {
        "id": identifier,
        "deployer_id": f"owner-{identifier}",
        "model_id": model,
        "hosting_provider_id": host,
        "sector": sector,
        "start_date": None,
        "jurisdictions": ["FR"],
        "economic_exposure": {"amount": "10", "currency": "EUR"},
        "fallback_model_ids": fallbacks or [],
        "fallback_hosting_provider_ids": [],
    }


ROWS = [
    _row("d1", "mA", "H1", "finance", ["mP"]),
    _row("d2", "mO", "H1", "finance"),
    _row("d3", "mE", "H2", "health"),
    _row("d4", "mA", None, "health"),
]


def test_counterweights_are_public_interest_models_and_exportable_ones_in_use() -> None:
    network = registry_network(MODELS, ROWS, [])
    weights, absorption = counterweights(network, MODELS, {"mE"}, {"Lab": "Public Lab"})
    by_id = {w.model_id: w for w in weights}
    assert set(by_id) == {"mO", "mP", "mE"}  # mA is neither public-interest nor exportable
    assert by_id["mP"].fallback_for == 1 and by_id["mP"].deployments == 0
    assert by_id["mP"].developer == "Public Lab" and by_id["mP"].grounds == "publicly funded"
    assert by_id["mE"].escrowed and not by_id["mE"].open_weights
    overall, finance, health = absorption
    assert overall.sector is None and overall.exportable_model == 2  # d2 (open) and d3 (escrowed)
    assert overall.exportable_share == pytest.approx(0.5) and overall.exposure_eur == pytest.approx(20)
    assert finance.public_interest_capacity == pytest.approx(0.5)  # d1 names mP as a fallback
    assert health.public_interest_capacity == 0


def test_the_tree_puts_models_under_their_developer_and_deployments_under_what_dominates_them() -> None:
    network = registry_network(MODELS, ROWS, [])
    points = single_points_of_failure(network)
    nodes = {n.id: n for n in dominator_nodes(network, dominators(network), {}, MODELS, points)}
    assert nodes["mA"].parent == "DevA" and nodes["DevA"].parent is None
    assert nodes["d2"].parent == "mO" and nodes["d2"].host_parent == "H1"
    assert nodes["d1"].parent is None  # mA or its fallback mP, from another developer
    assert nodes["d4"].host_parent is None  # the deployer's own machines
    assert nodes["H1"].cuts_off == 2 and nodes["mO"].cuts_off == 1
