"""The registry's deployments as a network, and the network a merger leaves."""

from __future__ import annotations

from custos.markets.dependencies import single_points_of_failure
from custos.markets.network import merged_network, registry_network

MODELS = [{"id": "mA", "provider_id": "DevA"}, {"id": "mB", "provider_id": "DevB"}]


def _row(identifier: str, host: str | None, fallback_hosts: list[str], **extra: object) -> dict[str, object]:
    return {
        "id": identifier,
        "deployer_id": "bank",
        "model_id": "mA",
        "hosting_provider_id": host,
        "sector": "finance",
        "start_date": None,
        "jurisdictions": ["FR"],
        "economic_exposure": {"amount": "100", "currency": "EUR"},
        "fallback_model_ids": [],
        "fallback_hosting_provider_ids": fallback_hosts,
        **extra,
    }


def test_registry_rows_become_deployments_with_their_fallbacks() -> None:
    notes: list[str] = []
    rows = [_row("d1", "H1", ["H2", "H1"], fallback_model_ids=["mB", "gone"])]
    (deployment,) = registry_network(MODELS, rows, notes).deployments
    assert deployment.host_id == "H1" and deployment.fallback_host_ids == ("H2",)
    assert deployment.fallback_model_ids == ("mB",) and deployment.exposure_eur == 100
    assert any("gone" in note for note in notes)


def test_a_fallback_between_the_merging_hosts_stops_being_one() -> None:
    network = registry_network(MODELS, [_row("d1", "H1", ["H2"]), _row("d2", "H2", [])], [])
    before = {point.provider_id: point.deployment_ids for point in single_points_of_failure(network)}
    assert "d1" not in before.get("H1", ()) and before["H2"] == ("d2",)
    after_network = merged_network(network, "H1", "H2")
    (merged,) = [d for d in after_network.deployments if d.id == "d1"]
    assert merged.host_id == "H1" and merged.fallback_host_ids == ()
    after = {point.provider_id: point.deployment_ids for point in single_points_of_failure(after_network)}
    assert set(after["H1"]) == {"d1", "d2"}  # d1 is a new single point of failure


def test_the_targets_models_pass_to_the_acquirer() -> None:
    network = registry_network(MODELS, [_row("d1", None, [], model_id="mB")], [])
    assert {m.id: m.provider_id for m in merged_network(network, "DevA", "DevB").models} == {"mB": "DevA"}
