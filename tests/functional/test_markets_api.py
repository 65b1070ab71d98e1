"""Market structure over HTTP, for every role: the public sees the compute layer's concentration,
the list of linchpins and the designations; a provider its own row of an assessment and the
merger reviews it is party to; supervisors everything. Bad bodies are refused with the field
named and nothing filed; a plan for another organisation is refused.

The small world (``market_world``): five deployments over three model developers and two hosts,
with exposures chosen so the single points of failure can be counted by hand:

====  ==========  ============  ============  ===============  ============  ==========
dep   deployer    model (dev)   host          fallback         sector        EUR
====  ==========  ============  ============  ===============  ============  ==========
d1    Bank One    Alpha (Lab)   Cloud North   none             finance       4 bn
d2    Bank Two    Alpha (Lab)   Cloud North   host Provider    finance       3 bn
d3    Bank Two    Sample (Prv)  Provider SA   model Alpha      health        2 bn
d4    Bank One    Sample (Prv)  own           model Alpha      finance       1 bn
seed  Provider    Sample (Prv)  own           none             finance       1 m
====  ==========  ============  ============  ===============  ============  ==========

Lab A alone cuts off d1 and d2 (7 bn), Cloud North d1 (4 bn), Provider SA d3 and the seeded one
(2.001 bn), of 10.001 bn: above the baseline's quarter, Lab A and Cloud North are linchpins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from custos.access.model import Role
from custos.access.service import operator
from custos.markets.requests import DesignationRequest, MergerRequest
from custos.markets.service import MarketsService
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.functional.conftest import Api
from tests.functional.test_findings_api import log_size

TOTAL_EUR = 10.001e9
MARKETS = "/v1/markets"
ROLES_OF_PROVIDER_SA = (Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR, Role.CUSTODIAN)
#: Small, so a merger review or a what-if stays quick; the service's own tests cover the figures.
DRAWS = 1000


@dataclass(frozen=True)
class World:
    lab: str
    cloud: str
    bank_one: str
    bank_two: str
    commons_lab: str
    provider: str
    alpha: str
    commons: str


def _organisation(store: Store, name: str, kind: str) -> str:
    content = OrganisationRegistered.model_validate(
        {"name": name, "jurisdiction": "FR", "country": "FR", "kinds": [kind]}
    )
    return RegistryService(store).register_organisation(content, by=operator(store)).id


def _model(store: Store, name: str, provider: str) -> str:
    content = ModelRegistration.model_validate({"name": name, "provider_id": provider})
    return RegistryService(store).register_model(content, by=operator(store)).id


def _deployment(store: Store, name: str, deployer: str, model: str, eur: float, **more: Any) -> None:
    terms = {
        "name": name,
        "deployer_id": deployer,
        "model_id": model,
        "jurisdictions": ["FR"],
        "sector": more.pop("sector", "finance"),
        "economic_exposure": {"amount": str(int(eur)), "currency": "EUR"},
        **more,
    }
    RegistryService(store).register_deployment(
        DeploymentRegistration.model_validate(terms), by=operator(store)
    )


def baseline(store: Store) -> None:
    """The built-in baseline pack, which sets the linchpin threshold (a quarter of exposure)."""
    text = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(text, origin="custos-baseline.yaml", by=operator(store))


def market_world(api: Api) -> World:
    """The world of the module's table, beside the seeded Provider SA, its model and deployment."""
    store = api.store
    provider, sample = api.organisations["provider"]["id"], api.samples["model"]
    lab = _organisation(store, "Lab A", "model_provider")
    cloud = _organisation(store, "Cloud North", "compute_provider")
    bank_one = _organisation(store, "Bank One", "financial_institution")
    bank_two = _organisation(store, "Bank Two", "financial_institution")
    commons_lab = _organisation(store, "Commons Lab", "model_provider")
    alpha = _model(store, "Alpha", lab)
    commons = _model(store, "Commons", commons_lab)
    _deployment(store, "d1", bank_one, alpha, 4e9, hosting_provider_id=cloud)
    _deployment(
        store, "d2", bank_two, alpha, 3e9, hosting_provider_id=cloud, fallback_hosting_provider_ids=[provider]
    )
    _deployment(
        store,
        "d3",
        bank_two,
        sample,
        2e9,
        sector="health",
        hosting_provider_id=provider,
        fallback_model_ids=[alpha],
    )
    _deployment(store, "d4", bank_one, sample, 1e9, fallback_model_ids=[alpha])
    return World(lab, cloud, bank_one, bank_two, commons_lab, provider, alpha, commons)


def reviewed(api: Api, acquirer: str, target: str) -> str:
    """A merger review filed by a supervisor."""
    request = MergerRequest(acquirer=acquirer, target=target, draws=DRAWS)
    return MarketsService(api.store).review_merger(request, by=operator(api.store)).id


def designated(api: Api, model: str) -> None:
    request = DesignationRequest(model=model, grounds="Publicly funded, open weights")
    MarketsService(api.store).designate(request, by=operator(api.store))


def markets_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed markets request that the roles holding the route's permission may make:
    writes act for Provider SA, the organisation of every actor but the supervisor."""
    provider, other = api.organisations["provider"]["id"], api.organisations["other"]["id"]
    if path.startswith(f"{MARKETS}/assessments"):
        baseline(api.store)
        if method == "GET":
            MarketsService(api.store).assess(by=operator(api.store))
        return path, {}
    if (method, path) == ("POST", f"{MARKETS}/mergers"):
        return path, {"json": {"acquirer": provider, "target": other, "draws": DRAWS}}
    if path.startswith(f"{MARKETS}/mergers/{{review_id}}"):
        url = path.replace("{review_id}", reviewed(api, provider, other))
        body = {"json": {"remedy": "escrow", "terms": "Deposit the weights"}} if method == "POST" else {}
        return url, body
    if (method, path) == ("POST", f"{MARKETS}/fallback-plans"):
        plan = {"plan": "interoperability", "summary": "Open interfaces", "valid_until": "2027-06-30"}
        return path, {"json": plan | {"organisation_id": provider}}
    if (method, path) == ("POST", f"{MARKETS}/designations"):
        return path, {"json": {"model": api.samples["model"], "grounds": "Publicly funded"}}
    if path == f"{MARKETS}/what-if":
        commons = _model(api.store, "Commons", other)
        designated(api, commons)
        return path, {"json": {"sector": "finance", "model": commons, "draws": DRAWS}}
    return path, {}


def get(api: Api, role: Role, path: str, **params: Any) -> Any:
    answer = api.client.get(f"{MARKETS}{path}", headers=api.headers(role), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def post(api: Api, role: Role, path: str, body: Any = None, *, status: int = 201) -> Any:
    answer = api.client.post(f"{MARKETS}{path}", headers=api.headers(role), json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


# --- concentration ----------------------------------------------------------------------------


def test_supervisors_see_every_market_and_the_public_the_compute_owners_only(api: Api) -> None:
    world = market_world(api)
    everything = get(api, Role.SUPERVISOR, "/concentration")
    keys = {market["key"] for market in everything["markets"]}
    titles = {market["title"] for market in everything["markets"]}
    assert {
        "compute-owners",
        "declared-hosting",
        "deployments-by-model",
        "hosts",
        "hosts-and-fallbacks",
    } <= keys
    assert not everything["withheld"]
    (hosts,) = [market for market in everything["markets"] if market["key"] == "hosts"]
    last = hosts["points"][-1]
    # Hosted: d1 and d2 on Cloud North, d3 on Provider SA: shares 2/3 and 1/3.
    assert last["indices"]["hhi"] == pytest.approx(1e4 * ((2 / 3) ** 2 + (1 / 3) ** 2))
    assert [(s["organisation_id"], s["size"]) for s in last["shares"]] == [
        (world.cloud, 2),
        (world.provider, 1),
    ]
    assert last["indices"]["us"]["key"] and last["indices"]["eu"]["citation"]
    for role in (*ROLES_OF_PROVIDER_SA, Role.PUBLIC):
        shown = get(api, role, "/concentration")
        assert [market["key"] for market in shown["markets"]] == ["compute-owners"]
        assert set(shown["withheld"]) == titles - {"AI compute by owner"}


def test_concentration_narrows_by_layer_and_sector_and_refuses_a_bad_layer(api: Api) -> None:
    market_world(api)
    shown = get(api, Role.SUPERVISOR, "/concentration", layer="deployments", sector="health")
    assert {market["layer"] for market in shown["markets"]} == {"deployments"}
    (hosts,) = [market for market in shown["markets"] if market["key"] == "hosts"]
    assert hosts["sector"] == "health" and hosts["points"][-1]["total"] == 1  # d3 only
    early = get(api, Role.PUBLIC, "/concentration", as_of="2024-01-01")
    assert all(point["as_of"] <= "2024-01-01" for point in early["markets"][0]["points"])
    for params in ({"layer": "chips"}, {"as_of": "yesterday"}):
        answer = api.client.get(f"{MARKETS}/concentration", params=params)
        assert answer.status_code == 422, answer.text


# --- single points of failure ------------------------------------------------------------------


def test_dependencies_count_what_each_provider_alone_cuts_off_for_supervisors_only(api: Api) -> None:
    world = market_world(api)
    baseline(api.store)
    found = get(api, Role.SUPERVISOR, "/dependencies")
    rows = {row["organisation_id"]: row for row in found["providers"]}
    assert rows[world.lab]["exposure_share"] == pytest.approx(7e9 / TOTAL_EUR)
    assert rows[world.cloud]["exposure_share"] == pytest.approx(4e9 / TOTAL_EUR)
    assert rows[world.provider]["exposure_share"] == pytest.approx(2.001e9 / TOTAL_EUR)
    assert rows[world.lab]["institutions"] == 2 and rows[world.lab]["deployments"] == 2
    assert found["threshold"] == 0.25
    assert set(found["linchpins"]) == {world.lab, world.cloud}
    for role in (*ROLES_OF_PROVIDER_SA, Role.PUBLIC):
        answer = api.client.get(f"{MARKETS}/dependencies", headers=api.headers(role))
        assert answer.status_code == (401 if role is Role.PUBLIC else 403)


def test_an_assessment_shows_the_linchpins_to_all_and_each_provider_its_own_row(api: Api) -> None:
    world = market_world(api)
    answer = api.client.get(f"{MARKETS}/assessments/latest", headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == 404  # none filed yet
    assert api.client.post(f"{MARKETS}/assessments", headers=api.headers(Role.SUPERVISOR)).status_code == 422
    baseline(api.store)
    for role in (*ROLES_OF_PROVIDER_SA, Role.PUBLIC):
        assert api.client.post(f"{MARKETS}/assessments", headers=api.headers(role)).status_code in {401, 403}
    filed = post(api, Role.SUPERVISOR, "/assessments")
    assert set(filed["linchpins"]) == {world.lab, world.cloud}
    assert set(filed["linchpin_names"]) == {"Lab A", "Cloud North"}
    assert len(filed["providers"]) == 3
    for role in ROLES_OF_PROVIDER_SA:
        mine = get(api, role, "/assessments/latest")
        assert mine["id"] == filed["id"] and set(mine["linchpins"]) == {world.lab, world.cloud}
        (row,) = mine["providers"]
        assert row["organisation_id"] == world.provider
        assert row["exposure_share"] == pytest.approx(2.001e9 / TOTAL_EUR) and row["linchpin"] is False
    public = get(api, Role.PUBLIC, "/assessments/latest")
    assert set(public["linchpins"]) == {world.lab, world.cloud} and not public.get("providers")


# --- mergers ------------------------------------------------------------------------------------


def test_a_merger_review_is_seen_by_supervisors_and_the_parties_and_404_for_others(api: Api) -> None:
    world = market_world(api)
    baseline(api.store)
    body = {"acquirer": "Cloud North", "target": world.provider, "draws": DRAWS}
    review = post(api, Role.SUPERVISOR, "/mergers", body)
    assert (review["acquirer_id"], review["target_id"]) == (world.cloud, world.provider)
    assert (review["acquirer"], review["target"]) == ("Cloud North", "Provider SA")
    # Alone, Cloud North cuts off d1 and Provider SA d3 and the seeded one; merged, d2's fallback
    # host is its own host, so d2 is cut off too: a new single point of failure.
    assert review["exposure_share_after"] == pytest.approx((4e9 + 3e9 + 2.001e9) / TOTAL_EUR)
    assert review["new_single_points"] and review["linchpin_after"] is True
    assert review["stress"]["draws"] == DRAWS
    (hosts,) = [layer for layer in review["layers"] if layer["market"] == "hosts" and layer["sector"] is None]
    # Hosts: Cloud North 2 of 3, Provider SA 1 of 3; merged, one firm hosts all three.
    assert hosts["pre_hhi"] == pytest.approx(1e4 * 5 / 9) and hosts["post_hhi"] == pytest.approx(1e4)
    assert hosts["delta_hhi"] == pytest.approx(2 * 1e4 * (2 / 3) * (1 / 3))
    remedy = post(
        api,
        Role.SUPERVISOR,
        f"/mergers/{review['id']}/remedies",
        {"remedy": "fallback", "terms": "Offer d2 a host"},
    )
    assert remedy["organisation_id"] == world.cloud and remedy["remedy"] == "fallback"
    assert [r["id"] for r in get(api, Role.SUPERVISOR, "/mergers")] == [review["id"]]
    for role in ROLES_OF_PROVIDER_SA:  # Provider SA is the target: a party
        (seen,) = get(api, role, "/mergers")
        assert seen["id"] == review["id"] and seen["remedies"][0]["remedy"] == "fallback"
        assert get(api, role, f"/mergers/{review['id']}")["id"] == review["id"]
    unrelated = reviewed(api, world.lab, world.commons_lab)
    for role in (*ROLES_OF_PROVIDER_SA, Role.PUBLIC):
        answer = api.client.get(f"{MARKETS}/mergers/{unrelated}", headers=api.headers(role))
        assert answer.status_code == 404, answer.text
        assert unrelated not in {r["id"] for r in get(api, role, "/mergers")}
    assert get(api, Role.PUBLIC, "/mergers") == []


def test_bad_merger_and_remedy_bodies_are_refused_and_nothing_is_filed(api: Api) -> None:
    world = market_world(api)
    review = reviewed(api, world.cloud, world.provider)
    before = log_size(api)
    for body in (
        {"acquirer": world.cloud},
        {"acquirer": world.cloud, "target": world.provider, "draws": 10},
        {"acquirer": world.cloud, "target": world.provider, "draws": "many"},
        {"acquirer": world.cloud, "target": world.cloud, "draws": DRAWS},
        {"acquirer": world.cloud, "target": world.provider, "surprise": 1},
    ):
        answer = api.client.post(f"{MARKETS}/mergers", json=body, headers=api.headers(Role.SUPERVISOR))
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]
    unknown = {"acquirer": "Nobody Inc", "target": world.provider, "draws": DRAWS}
    assert (
        api.client.post(f"{MARKETS}/mergers", json=unknown, headers=api.headers(Role.SUPERVISOR)).status_code
        == 404
    )
    for body in ({"remedy": "divestiture", "terms": "Sell"}, {"remedy": "escrow", "terms": ""}):
        answer = api.client.post(
            f"{MARKETS}/mergers/{review}/remedies", json=body, headers=api.headers(Role.SUPERVISOR)
        )
        assert answer.status_code == 422, answer.text
    answer = api.client.post(
        f"{MARKETS}/mergers/nothing/remedies",
        json={"remedy": "escrow", "terms": "x"},
        headers=api.headers(Role.SUPERVISOR),
    )
    assert answer.status_code == 404
    assert log_size(api) == before


# --- plans and designations -------------------------------------------------------------------


def test_a_provider_files_its_own_plan_and_is_refused_for_another_organisation(api: Api) -> None:
    world = market_world(api)
    plan = {"plan": "fallback", "summary": "Fail over to Cloud North", "tested_on": "2026-10-01"}
    plan["valid_until"] = "2027-10-01"
    mine = post(api, Role.PROVIDER, "/fallback-plans", plan)
    assert mine["organisation_id"] == world.provider and mine["summary"] == plan["summary"]
    before = log_size(api)
    answer = api.client.post(
        f"{MARKETS}/fallback-plans",
        json=plan | {"organisation_id": world.cloud},
        headers=api.headers(Role.PROVIDER),
    )
    assert answer.status_code == 403, answer.text
    assert log_size(api) == before
    for bad in (
        plan | {"tested_on": None},  # a fallback plan says when it was tested
        plan | {"tested_on": "2028-01-01"},  # tested after it lapses
        plan | {"plan": "prayer"},
        plan | {"valid_until": "2026-01-01", "tested_on": "2025-12-01"},  # already lapsed
        {"plan": "escrow", "summary": "Weights in escrow"},
    ):
        answer = api.client.post(f"{MARKETS}/fallback-plans", json=bad, headers=api.headers(Role.PROVIDER))
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["detail"]
    assert log_size(api) == before
    # A supervisor names the organisation; without one, it is refused.
    assert (
        api.client.post(
            f"{MARKETS}/fallback-plans", json=plan, headers=api.headers(Role.SUPERVISOR)
        ).status_code
        == 422
    )
    theirs = post(api, Role.SUPERVISOR, "/fallback-plans", plan | {"organisation_id": "Cloud North"})
    assert theirs["organisation_id"] == world.cloud
    assert {p["id"] for p in get(api, Role.SUPERVISOR, "/fallback-plans")} == {mine["id"], theirs["id"]}
    assert [p["id"] for p in get(api, Role.DEPLOYER, "/fallback-plans")] == [mine["id"]]
    assert get(api, Role.PUBLIC, "/fallback-plans") == []


def test_designations_are_public_and_a_what_if_needs_a_designated_model(api: Api) -> None:
    world = market_world(api)
    body = {"sector": "finance", "model": "Commons", "draws": DRAWS}
    answer = api.client.post(f"{MARKETS}/what-if", json=body, headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == 422 and "designate" in answer.json()["detail"]
    for role in ROLES_OF_PROVIDER_SA:
        refused = api.client.post(
            f"{MARKETS}/designations", json={"model": "Commons", "grounds": "x"}, headers=api.headers(role)
        )
        assert refused.status_code == 403
    made = post(api, Role.SUPERVISOR, "/designations", {"model": "Commons", "grounds": "Publicly funded"})
    assert (made["model_id"], made["public_interest"]) == (world.commons, True)
    for role in (*ROLES_OF_PROVIDER_SA, Role.PUBLIC):
        assert [d["id"] for d in get(api, role, "/designations")] == [made["id"]]
    found = post(api, Role.SUPERVISOR, "/what-if", body, status=200)
    # d1, d2 (a fallback host, no fallback model) and the seeded one: finance, no fallback model.
    assert (found["model_id"], found["deployments"], found["draws"]) == (world.commons, 3, DRAWS)
    assert found["change_eur"] == pytest.approx(
        found["after_expected_shortfall_eur"] - found["before_expected_shortfall_eur"]
    )
    assert found["after_expected_shortfall_eur"] <= found["before_expected_shortfall_eur"]
    for role in ROLES_OF_PROVIDER_SA:
        assert api.client.post(f"{MARKETS}/what-if", json=body, headers=api.headers(role)).status_code == 403
    before = log_size(api)
    for bad in (
        {"model": "Commons", "grounds": ""},
        {"model": "Commons"},
        {"model": "Nobody", "grounds": "x"},
    ):
        answer = api.client.post(f"{MARKETS}/designations", json=bad, headers=api.headers(Role.SUPERVISOR))
        assert answer.status_code in {404, 422}, answer.text
    assert log_size(api) == before
