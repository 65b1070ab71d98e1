"""Single points of failure: a network worked out by hand, and brute-force removal as the truth."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custos.core.errors import InvalidInput
from custos.markets.dependencies import (
    DependencyNetwork,
    Deployment,
    FallbackShares,
    Linchpin,
    Model,
    dominators,
    interoperability,
    linchpins,
    single_points_of_failure,
)


def _deployment(
    identifier: str,
    model_id: str,
    host_id: str | None,
    deployer_id: str,
    exposure_eur: float,
    sector: str,
    *,
    fallback_host_ids: tuple[str, ...] = (),
    fallback_model_ids: tuple[str, ...] = (),
) -> Deployment:
    return Deployment(
        id=identifier,
        model_id=model_id,
        host_id=host_id,
        deployer_id=deployer_id,
        exposure_eur=exposure_eur,
        sector=sector,
        jurisdiction="DE",
        fallback_host_ids=fallback_host_ids,
        fallback_model_ids=fallback_model_ids,
    )


def _hand_built() -> DependencyNetwork:
    """Two hosts, three models from two developers, five deployments.

    d1 runs mA on H1 with no fallback; d2 runs mA on H1 and can move to H2; d3 runs mC on H2 and
    can switch to mA (another developer); d4 runs mA on H1 and can switch only to mB, from the same
    developer; d5 runs mC on the hospital's own machines.
    """
    models = (Model("mA", "DevA"), Model("mB", "DevA"), Model("mC", "DevC"))
    deployments = (
        _deployment("d1", "mA", "H1", "bank1", 100.0, "finance"),
        _deployment("d2", "mA", "H1", "bank2", 50.0, "finance", fallback_host_ids=("H2",)),
        _deployment("d3", "mC", "H2", "insurer1", 30.0, "insurance", fallback_model_ids=("mA",)),
        _deployment("d4", "mA", "H1", "bank1", 20.0, "finance", fallback_model_ids=("mB",)),
        _deployment("d5", "mC", None, "hospital1", 10.0, "health"),
    )
    return DependencyNetwork(models, deployments)


def test_hand_built_network_gives_the_linchpins_worked_out_by_hand() -> None:
    # Total: 5 deployments, 4 institutions, EUR 210.
    # DevA: d1, d4 (mB is DevA's too), d2 (H2 saves the host, not the model); d3 saved by mC.
    # H1: d1, d4; d2 saved by H2.  H2: d3 (mA saves the model, nothing the host).  DevC: d5.
    expected = [
        Linchpin("DevA", ("d1", "d2", "d4"), ("bank1", "bank2"), 170.0, 3 / 5, 2 / 4, 170 / 210),
        Linchpin("H1", ("d1", "d4"), ("bank1",), 120.0, 2 / 5, 1 / 4, 120 / 210),
        Linchpin("H2", ("d3",), ("insurer1",), 30.0, 1 / 5, 1 / 4, 30 / 210),
        Linchpin("DevC", ("d5",), ("hospital1",), 10.0, 1 / 5, 1 / 4, 10 / 210),
    ]
    assert single_points_of_failure(_hand_built()) == expected


def test_dominator_tree_names_the_providers_each_deployment_cannot_lose() -> None:
    tree = dominators(_hand_built())
    assert dict(tree.critical) == {
        "d1": {"DevA", "H1"},
        "d2": {"DevA"},
        "d3": {"H2"},
        "d4": {"DevA", "H1"},
        "d5": {"DevC"},
    }
    # Both of d4's models hang off DevA, so DevA is the model gate's immediate dominator.
    assert tree.immediate[("model-served", "d4")] == ("provider", "DevA")
    assert tree.immediate[("model-served", "d3")] == ("root", "")


def test_a_fallback_to_the_same_provider_does_not_save() -> None:
    models = (Model("mA", "DevA"), Model("mB", "DevA"), Model("mX", "DevX"))
    same = _deployment("same", "mA", "H1", "bank", 1.0, "finance", fallback_model_ids=("mB",))
    other = _deployment("other", "mA", "H1", "bank", 1.0, "finance", fallback_model_ids=("mX",))
    rehosted = _deployment("rehosted", "mX", "H1", "bank", 1.0, "finance", fallback_host_ids=("H1",))
    points = {
        p.provider_id: p for p in single_points_of_failure(DependencyNetwork(models, (same, other, rehosted)))
    }
    assert points["DevA"].deployment_ids == ("same",)
    assert points["H1"].deployment_ids == ("same", "other", "rehosted")


def test_a_developer_that_also_hosts_fails_in_both_roles() -> None:
    models = (Model("mA", "BigCo"), Model("mC", "DevC"))
    # The model can switch developer, but the only host is BigCo itself.
    deployment = _deployment("d", "mC", "BigCo", "bank", 5.0, "finance", fallback_model_ids=("mA",))
    network = DependencyNetwork(models, (deployment,))
    points = {p.provider_id: p.deployment_ids for p in single_points_of_failure(network)}
    assert points == {"BigCo": ("d",), "DevC": ()}
    assert dominators(network).critical["d"] == {"BigCo"}


def test_linchpins_keeps_providers_strictly_above_the_threshold() -> None:
    points = single_points_of_failure(_hand_built())
    assert [p.provider_id for p in linchpins(points, 0.5)] == ["DevA", "H1"]  # 0.81, 0.57
    assert [p.provider_id for p in linchpins(points, 0.6)] == ["DevA"]
    assert [p.provider_id for p in linchpins(points, 170 / 210)] == []


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_linchpins_refuses_a_threshold_that_is_not_a_share(threshold: float) -> None:
    with pytest.raises(InvalidInput, match="not a share"):
        linchpins([], threshold)


def test_interoperability_counts_fallbacks_from_another_provider() -> None:
    result = interoperability(_hand_built())
    # Hosted: d1-d4 (d5 runs on its own machines); a host fallback elsewhere: d2 only.
    # A model fallback from another developer: d3 only (d4's mB is DevA's too).
    assert result.overall == FallbackShares(deployments=5, hosted=4, host_fallback=1, model_fallback=1)
    assert result.overall.host_share == 1 / 4
    assert result.overall.model_share == 1 / 5
    assert dict(result.by_sector) == {
        "finance": FallbackShares(deployments=3, hosted=3, host_fallback=1, model_fallback=0),
        "health": FallbackShares(deployments=1, hosted=0, host_fallback=0, model_fallback=0),
        "insurance": FallbackShares(deployments=1, hosted=1, host_fallback=0, model_fallback=1),
    }
    assert result.by_sector["health"].host_share is None


@pytest.mark.parametrize(
    ("models", "deployment", "reason"),
    [
        ((Model("mA", "DevA"),), _deployment("d", "mZ", "H1", "bank", 1.0, "finance"), "not in the network"),
        (
            (Model("mA", "DevA"),),
            _deployment("d", "mA", "H1", "bank", 1.0, "finance", fallback_model_ids=("mZ",)),
            "not in the network",
        ),
        ((Model("mA", "DevA"),), _deployment("d", "mA", "H1", "bank", -1.0, "finance"), "not negative"),
        ((Model("mA", "DevA"),), _deployment("d", "mA", "H1", "bank", float("inf"), "finance"), "finite"),
        ((Model("mA", "DevA"), Model("mA", "DevB")), _deployment("d", "mA", None, "b", 1.0, "f"), "twice"),
        ((Model("mA", " "),), _deployment("d", "mA", None, "b", 1.0, "f"), "empty"),
        ((Model("mA", "DevA"),), _deployment("d", "mA", "", "b", 1.0, "f"), "empty"),
    ],
)
def test_an_inconsistent_network_is_refused(
    models: tuple[Model, ...], deployment: Deployment, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        DependencyNetwork(models, (deployment,))


def test_duplicate_deployment_ids_are_refused() -> None:
    deployment = _deployment("d", "mA", None, "bank", 1.0, "finance")
    with pytest.raises(InvalidInput, match="twice"):
        DependencyNetwork((Model("mA", "DevA"),), (deployment, deployment))


# --- brute force: fail each provider, propagate, count ----------------------------------------------


def _served(deployment: Deployment, provider_of: dict[str, str], failed: str) -> bool:
    model_up = any(provider_of[m] != failed for m in deployment.model_alternatives)
    hosts = deployment.host_alternatives
    host_up = not hosts or any(host != failed for host in hosts)
    return model_up and host_up


def _brute_force(network: DependencyNetwork) -> dict[str, tuple[set[str], set[str], float]]:
    provider_of = network.provider_of()
    providers = set(provider_of.values()) | {h for d in network.deployments for h in d.host_alternatives}
    lost: dict[str, tuple[set[str], set[str], float]] = {}
    for provider in providers:
        cut = [d for d in network.deployments if not _served(d, provider_of, provider)]
        lost[provider] = ({d.id for d in cut}, {d.deployer_id for d in cut}, sum(d.exposure_eur for d in cut))
    return lost


_PROVIDERS = st.sampled_from(["P0", "P1", "P2", "P3", "P4"])


@st.composite
def _networks(draw: st.DrawFn) -> DependencyNetwork:
    model_count = draw(st.integers(1, 6))
    models = tuple(Model(f"m{i}", draw(_PROVIDERS)) for i in range(model_count))
    model_ids = st.sampled_from([m.id for m in models])
    deployments = tuple(
        _deployment(
            f"d{i}",
            draw(model_ids),
            draw(st.none() | _PROVIDERS),
            draw(st.sampled_from(["I0", "I1", "I2", "I3"])),
            float(draw(st.integers(0, 1000))),
            draw(st.sampled_from(["s0", "s1"])),
            fallback_host_ids=tuple(draw(st.lists(_PROVIDERS, max_size=2))),
            fallback_model_ids=tuple(draw(st.lists(model_ids, max_size=2))),
        )
        for i in range(draw(st.integers(0, 12)))
    )
    return DependencyNetwork(models, deployments)


@settings(max_examples=300, deadline=None)
@given(_networks())
def test_single_points_of_failure_equal_brute_force_removal(network: DependencyNetwork) -> None:
    truth = _brute_force(network)
    points = single_points_of_failure(network)
    assert {p.provider_id for p in points} == set(truth)
    total_exposure = sum(d.exposure_eur for d in network.deployments)
    institutions = {d.deployer_id for d in network.deployments}
    for point in points:
        deployments, deployers, exposure = truth[point.provider_id]
        assert set(point.deployment_ids) == deployments
        assert set(point.institution_ids) == deployers
        assert point.exposure_eur == pytest.approx(exposure)
        assert point.deployment_share == pytest.approx(len(deployments) / max(len(network.deployments), 1))
        assert point.institution_share == pytest.approx(len(deployers) / max(len(institutions), 1))
        assert point.exposure_share == pytest.approx(exposure / total_exposure if total_exposure else 0.0)
    exposures = [p.exposure_eur for p in points]
    assert exposures == sorted(exposures, reverse=True)


@settings(max_examples=300, deadline=None)
@given(_networks())
def test_dominator_tree_and_layered_path_agree_with_brute_force(network: DependencyNetwork) -> None:
    truth = _brute_force(network)
    expected = {d.id: {p for p, (cut, _, _) in truth.items() if d.id in cut} for d in network.deployments}
    assert dict(dominators(network).critical) == expected
    layered: dict[str, set[str]] = {d.id: set() for d in network.deployments}
    for point in single_points_of_failure(network):
        for deployment_id in point.deployment_ids:
            layered[deployment_id].add(point.provider_id)
    assert layered == expected
