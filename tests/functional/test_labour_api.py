"""The labour instrument over HTTP: everyone reads exposure, the headline check and runs; those
allowed start runs, which are filed; a what-if on the registry's deployments moves the figures;
bad requests are refused with their reason and file nothing; the deployer levy follows the
deployments' exposure.

The registry of the seeded installation holds one deployment, by Provider SA in finance.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from importlib import resources
from typing import Any

import pytest

from custos.access.model import Role
from custos.access.service import operator
from custos.labor.scenario import SCENARIOS
from custos.registry.model import DeploymentRegistration
from custos.registry.service import RegistryService
from tests.functional.conftest import Api
from tests.functional.test_findings_api import log_size

LABOUR = "/v1/labour"
RUN = {"scenario": "gradual", "programmes": "us-baseline", "draws": 400, "seed": 7}
#: The shipped gradual path under a name of its own, linked to the registry: 10 weighted
#: deployments saturate a group.
LINKED = (SCENARIOS / "gradual.yaml").read_text(encoding="utf-8").replace(
    "name: gradual", "name: gradual-linked"
) + "\nregistry: {saturation_deployments: 10}\n"


def linked_run(**changes: Any) -> dict[str, Any]:
    return {"scenario_yaml": LINKED, "programmes": "us-baseline", "draws": 400, "seed": 7} | changes


def start(api: Api, body: dict[str, Any], role: Role = Role.SUPERVISOR) -> Any:
    return api.client.post(f"{LABOUR}/runs", json=body, headers=api.headers(role))


def labour_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed labour request; a read of a run names one filed by the operator."""
    if method == "POST":
        return path, {"json": RUN}
    if "{run_id}" in path:
        from custos.labor.requests import RunRequest
        from custos.labor.service import LabourService

        run = LabourService(api.store).run(RunRequest.model_validate(RUN), by=operator(api.store))
        return path.replace("{run_id}", run.run_id), {}
    return path, {}


def sector_weights() -> dict[str, dict[str, float]]:
    """The shipped sector weights, read straight from the file."""
    text = (
        resources.files("custos.labor").joinpath("data", "sector_occupations.csv").read_text(encoding="utf-8")
    )
    weights: dict[str, dict[str, float]] = defaultdict(dict)
    for row in csv.DictReader(text.splitlines()):
        weights[row["sector"]][row["major_code"]] = float(row["weight"])
    return weights


def deploy(api: Api, organisation: str, sector: str, name: str) -> None:
    RegistryService(api.store).register_deployment(
        DeploymentRegistration.model_validate(
            {
                "name": name,
                "deployer_id": api.organisations[organisation]["id"],
                "model_id": api.samples["model"],
                "jurisdictions": ["DE"],
                "sector": sector,
            }
        ),
        by=operator(api.store),
    )


def test_a_supervisors_run_is_filed_listed_and_in_the_log(api: Api) -> None:
    before = log_size(api)
    response = start(api, RUN)
    assert response.status_code == 201, response.text
    run = response.json()
    assert log_size(api) == before + 1
    assert run["scenario"] == "gradual" and run["programmes"] == "us-baseline"
    assert run["draws"] == 400 and run["seed"] == 7 and run["registry"] is False
    results = run["results"]
    assert results["years"] == list(range(2025, 2035))
    displaced = results["displaced_workers"]
    assert all(
        low <= mid <= high
        for low, mid, high in zip(displaced["p5"], displaced["p50"], displaced["p95"], strict=True)
    )
    listed = api.client.get(f"{LABOUR}/runs").json()
    assert [item["run_id"] for item in listed] == [run["run_id"]]
    assert listed[0]["horizon_displaced_workers_p50"] == run["horizon_displaced_workers_p50"] > 0
    filing = api.client.get(f"/v1/filings/{run['filing_id']}").json()["view"]
    assert filing["envelope"]["kind"] == "labour.run_completed"
    assert filing["withheld"] == []
    assert filing["disclosed"]["run_id"]["value"] == run["run_id"]
    assert filing["disclosed"]["results"]["value"] == results
    again = api.client.get(f"{LABOUR}/runs/{run['run_id']}").json()
    assert again["results"] == results


def test_the_same_seed_gives_the_same_figures(api: Api) -> None:
    first, second = start(api, RUN).json(), start(api, RUN).json()
    assert first["run_id"] != second["run_id"]
    assert first["results"] == second["results"]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.DEPLOYER, Role.AUDITOR, Role.CUSTODIAN])
def test_only_supervisors_start_runs(api: Api, role: Role) -> None:
    before = log_size(api)
    assert start(api, RUN, role).status_code == 403
    assert log_size(api) == before


def test_the_public_reads_everything_but_starts_nothing(api: Api) -> None:
    run = start(api, RUN).json()
    for path in ("/exposure", "/headline", "/crosswalk", "/scenarios", "/programmes", "/runs"):
        assert api.client.get(LABOUR + path).status_code == 200, path
    assert api.client.get(f"{LABOUR}/runs/{run['run_id']}").json()["results"] == run["results"]
    refused = start(api, RUN, Role.PUBLIC)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_exposure_by_group_sums_to_the_occupations(api: Api) -> None:
    groups = api.client.get(f"{LABOUR}/exposure", params={"measure": "model_gamma"}).json()
    occupations = api.client.get(
        f"{LABOUR}/exposure", params={"measure": "model_gamma", "level": "occupation"}
    ).json()
    assert groups["measure"] == "model_gamma" and groups["level"] == "group"
    assert groups["workers"] == pytest.approx(sum(row["workers"] for row in occupations["rows"]))
    assert groups["exposed_workers"] == pytest.approx(
        sum(row["exposed_workers"] for row in occupations["rows"])
    )
    assert len(occupations["rows"]) > len(groups["rows"]) > 10


def test_the_headline_check_agrees_with_the_paper_for_its_measure(api: Api) -> None:
    headline = api.client.get(f"{LABOUR}/headline").json()
    assert headline["measure"] == "human_beta" and headline["agrees"] is True
    (beta,) = (item for item in headline["measures"] if item["measure"] == "human_beta")
    assert beta["at_least_tenth_share"] == pytest.approx(0.80, abs=0.015)
    assert beta["over_half_share"] == pytest.approx(0.19, abs=0.015)
    assert len(headline["measures"]) == 6


def test_a_what_if_adding_deployments_raises_displacement(api: Api) -> None:
    base = start(api, linked_run()).json()
    more = start(api, linked_run(what_if={"health": 6})).json()
    assert base["registry"] is True and base["deployments_per_sector"] == {"finance": 1}
    assert more["deployments_per_sector"] == {"finance": 1, "health": 6}
    assert more["what_if"] == {"health": 6}
    assert more["horizon_displaced_workers_p50"] > base["horizon_displaced_workers_p50"] > 0
    health_heavy = max(
        more["multipliers"], key=lambda group: more["multipliers"][group] - base["multipliers"][group]
    )
    assert more["multipliers"][health_heavy] > base["multipliers"][health_heavy]
    unlinked = start(api, linked_run(registry=False)).json()
    assert unlinked["multipliers"] == {}
    assert unlinked["horizon_displaced_workers_p50"] > more["horizon_displaced_workers_p50"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (RUN | {"scenario": "nowhere"}, "no shipped scenario 'nowhere'"),
        (RUN | {"programmes": "nothing"}, "no shipped programmes 'nothing'"),
        (RUN | {"draws": 0}, "draws"),
        (RUN | {"draws": 100_001}, "draws"),
        (
            {k: v for k, v in RUN.items() if k != "scenario"} | {"scenario_yaml": "name: [unclosed"},
            "scenario_yaml",
        ),
        (linked_run(what_if={"farming": 3}), "what_if: unknown sector farming"),
        (linked_run(what_if={"finance": -2}), "what_if.finance: -2 would leave -1"),
        (RUN | {"what_if": {"health": 1}}, "what_if: a what-if moves the registry's deployments"),
        (RUN | {"scenario_yaml": LINKED}, "give exactly one of scenario"),
        (RUN | {"measure": "human_delta"}, "measure"),
    ],
)
def test_bad_runs_are_refused_with_their_reason_and_file_nothing(
    api: Api, body: dict[str, Any], reason: str
) -> None:
    before = log_size(api)
    response = start(api, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert reason in response.text
    assert log_size(api) == before
    assert api.client.get(f"{LABOUR}/runs").json() == []


def test_an_unknown_run_is_404(api: Api) -> None:
    assert api.client.get(f"{LABOUR}/runs/nope").status_code == 404
    assert api.client.get(f"{LABOUR}/runs/nope/report").status_code == 404


def test_the_levy_follows_the_deployments_exposure(api: Api) -> None:
    """Provider SA deploys once in finance, Other Corp twice in health: each deployer's share is
    its deployments' weighted exposed workers over both deployers', computed here by hand from
    the shipped weights and the exposure by group."""
    deploy(api, "other", "health", "Triage one")
    deploy(api, "other", "health", "Triage two")
    run = start(api, RUN).json()
    exposed = {
        row["code"]: row["exposed_workers"]
        for row in api.client.get(f"{LABOUR}/exposure", params={"measure": "human_beta"}).json()["rows"]
    }
    weights = sector_weights()

    def reach(sector: str) -> float:
        return sum(weight * exposed.get(group, 0.0) for group, weight in weights[sector].items())

    provider, other = reach("finance"), 2 * reach("health")
    results = run["results"]
    levy = {item["name"]: item for item in results["levy"]}
    assert set(levy) == {"Provider SA", "Other Corp"}
    assert levy["Provider SA"]["share"] == pytest.approx(provider / (provider + other))
    assert levy["Other Corp"]["share"] == pytest.approx(other / (provider + other))
    assert levy["Other Corp"]["deployments"] == 2
    assert sum(item["share"] for item in results["levy"]) == pytest.approx(1.0)
    total = results["total_cost_usd"]["p50"]
    allocation = results["allocation_usd"]
    assert results["allocation_share"] == {"budget": 0.5, "deployer_levy": 0.4, "liability_pool": 0.1}
    for year, cost in enumerate(total):
        assert sum(allocation[payer][year] for payer in allocation) == pytest.approx(cost)
        assert allocation["deployer_levy"][year] == pytest.approx(0.4 * cost)
        assert sum(item["levy_usd"][year] for item in results["levy"]) == pytest.approx(0.4 * cost)


def test_the_report_is_an_html_page(api: Api) -> None:
    run = start(api, RUN).json()
    response = api.client.get(f"{LABOUR}/runs/{run['run_id']}/report")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<svg" in response.text and "USD" in response.text


def test_refusals_of_yaml_and_shipped_names_are_one_line(api: Api) -> None:
    body = {k: v for k, v in RUN.items() if k != "scenario"}
    detail = start(api, body | {"scenario_yaml": "name: x\nsource: a: b\n"}).json()["detail"]
    assert (
        detail
        == "the labour scenario is refused: scenario_yaml:2: not YAML: mapping values are not allowed here"
    )
    shipped = (SCENARIOS / "rapid.yaml").read_text(encoding="utf-8")
    detail = start(api, body | {"scenario_yaml": shipped}).json()["detail"]
    assert detail == "scenario_yaml: name 'rapid' is a shipped scenario's; name yours otherwise"


def test_other_measures_carry_no_paper_figure(api: Api) -> None:
    headline = api.client.get(f"{LABOUR}/headline").json()
    others = [m for m in headline["measures"] if m["measure"] != headline["measure"]]
    assert len(others) == 5
    assert all(m["paper_at_least_tenth_share"] is None and m["agrees"] is None for m in others)
    assert api.client.get(f"{LABOUR}/runs/nope").json()["detail"] == "no labour run 'nope'"
