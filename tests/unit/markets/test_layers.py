"""Markets per layer: indices of a point worked out by hand, quarters, and the registry's
markets narrowed by sector, dated by start, and bounded at Epoch's large-scale bar."""

from __future__ import annotations

from datetime import date

import pytest

from custos.markets.compute_shares import Quarter
from custos.markets.layers import compute_owners, point, quarter_ends, registry_markets
from custos.risk.adapters.compute_owners import OwnerEstimate


def test_a_point_has_the_indices_worked_out_by_hand() -> None:
    found = point(date(2026, 1, 1), {"a": 50.0, "b": 30.0, "c": 20.0}, {"a": "Alpha"})
    assert found is not None
    # 50² + 30² + 20² = 3,800; the equivalent firms 10,000 / 3,800
    assert found.indices.hhi == pytest.approx(3_800)
    assert (found.indices.cr1, found.indices.cr3) == (pytest.approx(0.5), pytest.approx(1.0))
    assert found.indices.equivalent_firms == pytest.approx(10_000 / 3_800)
    assert found.indices.us.key == "highly_concentrated" and "1,800" in found.indices.us.reason
    assert found.indices.eu.key == "market_above_2000"
    assert [share.name for share in found.shares] == ["Alpha", "b", "c"]
    assert found.total == 100 and found.firms == 3


def test_an_aggregate_counts_in_the_total_but_not_as_a_firm() -> None:
    found = point(date(2026, 1, 1), {"a": 50.0, "b": 30.0, "rest": 20.0}, {}, fringe={"rest"})
    assert found is not None
    assert found.indices.hhi == pytest.approx(2_500 + 900)
    assert found.indices.fringe_share == pytest.approx(0.2)
    assert found.indices.cr3 == pytest.approx(0.8)
    assert found.firms == 2 and [s.aggregate for s in found.shares] == [False, False, True]


def test_a_market_with_nobody_in_it_yet_has_no_point() -> None:
    assert point(date(2026, 1, 1), {"a": 0.0}, {}) is None
    assert point(date(2026, 1, 1), {"rest": 5.0}, {}, fringe={"rest"}) is None


def test_quarters_end_on_their_last_day_and_the_series_on_the_day_asked() -> None:
    assert quarter_ends(date(2025, 2, 14), date(2025, 11, 3)) == [
        date(2025, 3, 31),
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 11, 3),
    ]
    assert quarter_ends(date(2025, 12, 31), date(2025, 12, 31)) == [date(2025, 12, 31)]


def test_the_compute_market_carries_the_estimates_uncertainty_and_maps_owners() -> None:
    quarters = [
        Quarter(
            end=date(2025, 12, 31),
            owners={
                "Google": OwnerEstimate(median=60.0, low=40.0, high=80.0),
                "Microsoft": OwnerEstimate(median=30.0, low=20.0, high=45.0),
                "Other": OwnerEstimate(median=10.0, low=5.0, high=15.0),
            },
            chips=("H100",),
        )
    ]
    market = compute_owners(quarters, date(2026, 6, 30), {"Google": "org-google"})
    (latest,) = market.points
    assert latest.indices.hhi == pytest.approx(3_600 + 900)
    assert latest.indices.fringe_share == pytest.approx(0.1)
    interval = latest.indices.intervals
    assert interval is not None and interval["hhi"].low < latest.indices.hhi < interval["hhi"].high
    names = {share.name: share for share in latest.shares}
    assert names["Google"].organisation_id == "org-google"
    assert names["Other compute owners (aggregate)"].aggregate
    assert compute_owners(quarters, date(2025, 6, 30), {}).points == ()


def _deployment(
    identifier: str, host: str | None, sector: str, start: date | None, **extra: object
) -> dict[str, object]:
    return {
        "id": identifier,
        "deployer_id": "bank",
        "model_id": "m1",
        "hosting_provider_id": host,
        "sector": sector,
        "start_date": start,
        "jurisdictions": ["DE"],
        "economic_exposure": {"amount": "100", "currency": "EUR"},
        "fallback_model_ids": [],
        "fallback_hosting_provider_ids": [],
        **extra,
    }


MODELS = [
    {
        "id": "m1",
        "name": "Model one",
        "provider_id": "dev",
        "release_date": date(2024, 5, 1),
        "training_flop": 2e23,
    },
    {
        "id": "m2",
        "name": "At the bar",
        "provider_id": "dev2",
        "release_date": date(2024, 5, 1),
        "training_flop": 1e23,
    },
]


def _market(markets: list, key: str):  # type: ignore[no-untyped-def]
    (found,) = [market for market in markets if market.key == key]
    return found


def test_deployment_markets_grow_by_start_date_and_narrow_by_sector() -> None:
    deployments = [
        _deployment("d1", "h1", "finance", date(2025, 1, 10)),
        _deployment("d2", "h2", "finance", date(2025, 5, 10), fallback_hosting_provider_ids=["h1"]),
        _deployment("d3", "h2", "health", None),
    ]
    markets = registry_markets(MODELS, deployments, {"h1": "Host one"}, as_of=date(2025, 6, 30))
    hosts = _market(markets, "hosts")
    assert [p.as_of for p in hosts.points] == [date(2025, 3, 31), date(2025, 6, 30)]
    assert hosts.points[0].indices.hhi == pytest.approx(10_000)  # d1 alone
    assert hosts.points[-1].indices.hhi == pytest.approx((1 / 3) ** 2 * 10_000 + (2 / 3) ** 2 * 10_000)
    assert any("no start date" in note for note in hosts.notes)
    named = _market(markets, "hosts-and-fallbacks").points[-1]
    assert {s.name: s.size for s in named.shares} == {"Host one": 2.0, "h2": 2.0}
    finance = registry_markets(MODELS, deployments, {}, as_of=date(2025, 6, 30), sector="finance")
    assert _market(finance, "hosts").points[-1].total == 2 and _market(finance, "hosts").sector == "finance"


def test_large_scale_training_compute_is_strictly_above_ten_to_the_23() -> None:
    markets = registry_markets(MODELS, [], {}, as_of=date(2025, 6, 30))
    (year,) = _market(markets, "training-compute").points
    assert [share.organisation_id for share in year.shares] == ["dev"]  # 1e23 itself is not above
    assert year.as_of == date(2024, 12, 31)


def test_exposure_in_another_currency_counts_as_zero_with_a_note() -> None:
    deployments = [
        _deployment("d1", "h1", "finance", None),
        _deployment("d2", "h2", "finance", None, economic_exposure={"amount": "5", "currency": "USD"}),
    ]
    hosting = _market(registry_markets(MODELS, deployments, {}, as_of=date(2025, 6, 30)), "declared-hosting")
    assert [s.organisation_id for s in hosting.points[-1].shares] == ["h1"]
    assert any("USD" in note for note in hosting.notes)


def test_an_organisation_named_as_an_epoch_aggregate_counts_as_a_fringe() -> None:
    deployments = [_deployment("d1", "h1", "finance", None), _deployment("d2", "rest", "finance", None)]
    names = {"h1": "Host one", "rest": "Other compute owners (aggregate)"}
    hosts = _market(registry_markets(MODELS, deployments, names, as_of=date(2025, 6, 30)), "hosts")
    latest = hosts.points[-1]
    assert latest.firms == 1 and latest.indices.fringe_share == pytest.approx(0.5)
    assert latest.indices.hhi == pytest.approx(2_500)


def test_a_deployment_without_a_start_date_counts_from_its_registration() -> None:
    deployments = [
        _deployment("d1", "h1", "finance", date(2025, 1, 10)),
        _deployment("d2", "h2", "finance", None, registered_on=date(2025, 5, 2)),
    ]
    hosts = _market(registry_markets(MODELS, deployments, {}, as_of=date(2025, 6, 30)), "hosts")
    assert [p.total for p in hosts.points] == [1, 2]  # d2 from the second quarter on
    assert not any("no start date" in note for note in hosts.notes)
    earlier = _market(registry_markets(MODELS, deployments, {}, as_of=date(2025, 3, 31)), "hosts")
    assert [p.total for p in earlier.points] == [1]  # a cut before its registration leaves it out
