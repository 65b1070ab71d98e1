"""Market supervision on a small registry whose single points of failure are worked out by hand.

Four deployments, 200 EUR of exposure: d1 (mA on H1, fallback host H2, 100), d2 (mA on H2, 50),
d3 (mB on H1, 30), d4 (mA on H1, fallback model mB, 20). Failing alone, H1 cuts off d3 and d4
(50 EUR, exactly the baseline's quarter: not a linchpin, "above" is strict); H2 cuts off d2
(50); DevA cuts off d1 and d2 (150, a linchpin); DevB cuts off d3 (30).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from custos.access.model import PUBLIC, Principal, Role
from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.markets.requests import (
    DesignationRequest,
    FallbackPlanRequest,
    MergerRequest,
    RemedyRequest,
    WhatIfRequest,
)
from custos.markets.service import MarketsService
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store, ledger_sql
from tests.conftest import TEST_NOW


@dataclass
class World:
    store: Store
    ids: dict[str, str]

    def principal(self, name: str, role: Role = Role.PROVIDER) -> Principal:
        return Principal(f"actor-{name}", name, role, self.ids[name], "FR")


@pytest.fixture
def world(sqlite_settings: Settings) -> Iterator[World]:
    store = create_installation(
        sqlite_settings,
        origin="test.custos/log",
        authority="Authority",
        jurisdiction_code="EU",
        clock=FixedClock(TEST_NOW),
    )
    by = operator(store)
    PolicyService(store).load(
        (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8"), origin="custos-baseline.yaml", by=by
    )
    registry = RegistryService(store)
    ids = {
        name: registry.register_organisation(
            OrganisationRegistered(name=name, jurisdiction="FR", country="FR"), by=by
        ).id
        for name in ("H1", "H2", "DevA", "DevB", "Bank", "Other")
    }
    ids["mA"] = registry.register_model(ModelRegistration(name="mA", provider_id=ids["DevA"]), by=by).id
    ids["mB"] = registry.register_model(
        ModelRegistration(name="mB", provider_id=ids["DevB"], accessibility="open_weights_unrestricted"),
        by=by,
    ).id
    for name, model, host, exposure, extra in (
        ("d1", "mA", "H1", 100, {"fallback_hosting_provider_ids": [ids["H2"]]}),
        ("d2", "mA", "H2", 50, {}),
        ("d3", "mB", "H1", 30, {"sector": "health"}),
        ("d4", "mA", "H1", 20, {"fallback_model_ids": [ids["mB"]]}),
    ):
        ids[name] = registry.register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": name,
                    "deployer_id": ids["Bank"],
                    "model_id": ids[model],
                    "hosting_provider_id": ids[host],
                    "jurisdictions": ["FR"],
                    "sector": "finance",
                    "economic_exposure": {"amount": str(exposure), "currency": "EUR"},
                    **extra,
                }
            ),
            by=by,
        ).id
    yield World(store, ids)
    store.close()


def size(store: Store) -> int:
    with store.read() as conn:
        return ledger_sql.tree_size(conn)


def test_the_public_sees_the_compute_layer_and_which_markets_are_withheld(world: World) -> None:
    service = MarketsService(world.store)
    public = service.concentration(by=PUBLIC)
    assert [market.key for market in public.markets] == ["compute-owners"]
    assert "Deployments by hosting provider" in public.withheld
    supervisor = service.concentration(by=operator(world.store), layer="deployments", sector="finance")
    hosts = next(market for market in supervisor.markets if market.key == "hosts")
    # finance: d1, d2, d4 → H1 2, H2 1
    assert hosts.points[-1].indices.hhi == pytest.approx(((2 / 3) ** 2 + (1 / 3) ** 2) * 10_000)
    assert {market.layer for market in supervisor.markets} == {"deployments"}


def test_single_points_of_failure_match_the_hand_count(world: World) -> None:
    service = MarketsService(world.store)
    with pytest.raises(Forbidden):
        service.dependencies(by=world.principal("DevA"))
    found = service.dependencies(by=operator(world.store))
    rows = {row.name: row for row in found.providers}
    assert rows["DevA"].exposure_share == pytest.approx(0.75) and rows["DevA"].linchpin
    assert rows["H1"].exposure_share == pytest.approx(0.25) and not rows["H1"].linchpin
    assert rows["H2"].exposure_eur == pytest.approx(50) and rows["DevB"].deployments == 1
    assert found.linchpins == (world.ids["DevA"],)
    assert found.threshold == 0.25 and "custos-baseline" in (found.threshold_source or "")
    assert found.interoperability.host_fallback == 1 and found.interoperability.model_fallback == 1


def test_an_assessment_is_public_as_a_list_and_each_provider_sees_its_own_figures(world: World) -> None:
    service = MarketsService(world.store)
    with pytest.raises(NotFound):
        service.latest_assessment(by=PUBLIC)
    service.assess(by=operator(world.store))
    public = service.latest_assessment(by=PUBLIC)
    assert public.linchpin_names == ("DevA",) and public.providers == ()
    (own,) = service.latest_assessment(by=world.principal("H1")).providers
    assert own.name == "H1" and own.deployments == 2
    assert len(service.latest_assessment(by=operator(world.store)).providers) == 4


def test_a_merger_of_the_two_hosts_joins_their_fallback_and_is_reviewed_with_its_remedy(world: World) -> None:
    service = MarketsService(world.store)
    supervisor = operator(world.store)
    review = service.review_merger(MergerRequest(acquirer="H1", target="H2", draws=1_000), by=supervisor)
    assert review.new_single_points == (world.ids["d1"],)  # its fallback host is now the same firm
    assert review.exposure_share_before == pytest.approx(
        0.25
    ) and review.exposure_share_after == pytest.approx(1.0)
    assert (review.linchpin_before, review.linchpin_after) == (False, True)
    hosts = next(c for c in review.layers if c.market == "hosts" and c.sector is None)
    assert hosts.delta_hhi == pytest.approx(2 * 0.75 * 0.25 * 10_000)
    assert review.stress is not None and review.stress.draws == 1_000
    assert review.stress.post_expected_shortfall_eur >= review.stress.pre_expected_shortfall_eur

    assert service.review(review.id, by=world.principal("H1")).layers == review.layers
    assert service.review(review.id, by=world.principal("H2")).layers == ()  # the acquirer's figures
    with pytest.raises(NotFound):
        service.review(review.id, by=world.principal("DevA"))
    assert service.reviews(by=PUBLIC) == []

    remedy = service.impose_remedy(
        review.id, RemedyRequest(remedy="fallback", terms="Tested fallback"), by=supervisor
    )
    assert remedy.organisation_id == world.ids["H1"] and remedy.answered_by is None
    plan = FallbackPlanRequest(
        plan="fallback",
        summary="Failover to another cloud",
        tested_on=TEST_NOW.date(),
        valid_until=TEST_NOW.date() + timedelta(days=365),
    )
    with pytest.raises(Forbidden):
        service.file_fallback_plan(
            plan.model_copy(update={"organisation_id": world.ids["H1"]}), by=world.principal("DevA")
        )
    filed = service.file_fallback_plan(plan, by=world.principal("H1"))
    (answered,) = service.review(review.id, by=supervisor).remedies
    assert answered.answered_by == filed.id
    assert [p.id for p in service.fallback_plans(by=world.principal("H2"))] == []


def test_refusals_store_nothing(world: World) -> None:
    service = MarketsService(world.store)
    supervisor = operator(world.store)
    before = size(world.store)
    with pytest.raises(InvalidInput, match="same organisation"):
        service.review_merger(
            MergerRequest(acquirer="H1", target=world.ids["H1"], draws=1_000), by=supervisor
        )
    with pytest.raises(NotFound):
        service.review_merger(MergerRequest(acquirer="H1", target="Nobody", draws=1_000), by=supervisor)
    target_down = "name: H2 down\nseed: 1\noutages:\n  - {provider: H2}\n"
    with pytest.raises(InvalidInput, match="cannot name the target"):
        service.review_merger(
            MergerRequest(acquirer="H1", target="H2", scenario=target_down, draws=1_000), by=supervisor
        )
    with pytest.raises(InvalidInput, match="not designated"):
        service.what_if(WhatIfRequest(sector="finance", model="mB", draws=1_000), by=supervisor)
    aggregate = OrganisationRegistered(
        name="Other compute owners (aggregate)", jurisdiction="FR", country="FR"
    )
    RegistryService(world.store).register_organisation(aggregate, by=supervisor)
    before = size(world.store)
    with pytest.raises(InvalidInput, match="aggregate of many firms"):
        service.review_merger(
            MergerRequest(acquirer="H1", target="Other compute owners (aggregate)", draws=1_000),
            by=supervisor,
        )
    with pytest.raises(InvalidInput, match="no sector 'Finance'"):
        service.concentration(by=supervisor, sector="Finance")
    with pytest.raises(Conflict, match="not designated"):
        service.designate(DesignationRequest(model="mB", public_interest=False, grounds="x"), by=supervisor)
    with pytest.raises(InvalidInput, match="in the future"):
        service.file_fallback_plan(
            FallbackPlanRequest(
                plan="fallback",
                summary="s",
                tested_on=TEST_NOW.date() + timedelta(days=1),
                valid_until=TEST_NOW.date() + timedelta(days=365),
            ),
            by=world.principal("H1"),
        )
    with pytest.raises(Forbidden):
        service.designate(DesignationRequest(model="mB", grounds="x"), by=world.principal("DevB"))
    with pytest.raises(InvalidInput, match="has passed"):
        service.file_fallback_plan(
            FallbackPlanRequest(plan="escrow", summary="s", valid_until=TEST_NOW.date() - timedelta(days=1)),
            by=world.principal("H1"),
        )
    assert size(world.store) == before


def test_a_public_interest_designation_shows_in_the_registry_and_drives_the_what_if(world: World) -> None:
    service = MarketsService(world.store)
    supervisor = operator(world.store)
    service.designate(DesignationRequest(model="mB", grounds="Publicly funded research model"), by=supervisor)
    shown = RegistryService(world.store).model(PUBLIC, world.ids["mB"])
    assert shown.public_interest and shown.public_interest_grounds == "Publicly funded research model"
    assert [d.grounds for d in service.designations()] == ["Publicly funded research model"]
    counter = {w.model_id: w for w in service.dependencies(by=supervisor).counterweights}
    assert counter[world.ids["mB"]].public_interest and counter[world.ids["mB"]].fallback_for == 1
    found = service.what_if(WhatIfRequest(sector="finance", model="mB", draws=1_000), by=supervisor)
    assert found.deployments == 2  # d1 and d2 name no fallback model; d4 has one already
    assert found.after_expected_shortfall_eur <= found.before_expected_shortfall_eur
