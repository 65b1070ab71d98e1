"""Runs as filings, on a real installation: a finished run is filed with digests anyone can
recompute from its inputs and its results file, each registered deployment gets its part, and bad
input is refused with the reason before anything is written or filed.

The figures are worked out by hand: an outage with no random failures gives every draw the same
loss, so each deployment's expected loss, capital, premium and pool contribution is its exposure
on the failed host times the loss rate.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from sqlalchemy import text

from custos.core.errors import CustosError, Forbidden, InvalidInput, NotFound
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.risk.adapters.network_files import load_network
from custos.risk.adapters.scenario_files import EXAMPLES
from custos.risk.adapters.scenario_yaml import load_scenario
from custos.risk.adapters.service import RiskService
from custos.risk.engine.digests import network_digest
from custos.risk.engine.stress_test import ENGINE_VERSION
from custos.risk.requests import RunRequest
from custos.risk.views import RunResults, RunStatus
from custos.store import Store
from tests.store.test_registry import PUBLIC, SUPERVISOR
from tests.unit.risk.sample import copy_sample

# Comments and layout do not count: the digest is of the scenario, not of its text.
NORTH_OUTAGE = """\
name: North outage   # the sample's largest cloud
seed: 7
draws: 1
outages:
  - provider: cloud-north
    loss_rate: 0.15
"""
# North Cloud hosts 80% of credit-llm (a quarter of that fails over) and 60% of advisor-gpt, and
# Fund E's advice falls back to credit-llm, which works 91% of the time (see test_stress_test).
NORTH_LOSS = 300 * 0.09 + 250 * 0.09 + 120 * 0.09 + 160 * 0.09 * (1 - 0.8 * 0.91) + 90 * 0.09
PART = ("expected_loss", "capital", "pool_contribution")


def on_sample(scenario: str) -> RunRequest:
    return RunRequest(scenario=scenario, network="sample")


def filings(store: Store, kind: str) -> list[dict[str, Any]]:
    """Every filing of ``kind`` in the log, as stored: id, subject, organisation and content."""
    query = text("SELECT id, subject, organisation, document FROM filings WHERE kind = :kind")
    with store.read() as conn:
        rows = conn.execute(query, {"kind": kind}).all()
    return [
        {"id": id_, "subject": subject, "organisation": org, "content": json.loads(document)["content"]}
        for id_, subject, org, document in rows
    ]


def recomputed_scenario_digest(document: str) -> str:
    """RFC 8785 canonical JSON of the scenario as validated, hashed: what the filing promises."""
    canonical = rfc8785.dumps(load_scenario(document).model_dump(mode="json"))
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def test_a_run_is_filed_with_digests_recomputed_from_its_inputs_and_results(
    store: Store, tmp_path: Path
) -> None:
    service = RiskService(store)
    submission = service.submit(on_sample(NORTH_OUTAGE), by=SUPERVISOR, origin="north.yaml")
    status = service.execute(submission, by=SUPERVISOR)
    assert status.state == "done" and status.chunks_done == status.chunks == 1

    [filed] = filings(store, "stress_test.completed")
    content = filed["content"]
    assert filed["id"] == status.filing_id and filed["subject"] == status.id == content["run_id"]
    assert (content["scenario"], content["seed"], content["draws"]) == ("North outage", 7, 1)
    assert content["engine"] == ENGINE_VERSION and content["contagion_model"] == "eisenberg-noe"
    # The results digest is of the results file the run wrote, byte for byte.
    results_file = service.file(status.id, "results.json")
    assert content["results_digest"] == "sha256:" + hashlib.sha256(results_file.read_bytes()).hexdigest()
    # The scenario digest is of the scenario, whatever its layout, and changes with what it says.
    assert content["scenario_digest"] == recomputed_scenario_digest(NORTH_OUTAGE)
    relaid = "{name: North outage, draws: 1, seed: 7, outages: [{loss_rate: 0.15, provider: cloud-north}]}"
    assert recomputed_scenario_digest(relaid) == content["scenario_digest"]
    assert recomputed_scenario_digest(relaid.replace("seed: 7", "seed: 8")) != content["scenario_digest"]
    # The network digest is recomputed from a copy of the network's files, and one exposure changes it.
    copy = copy_sample(tmp_path)
    assert network_digest(load_network(copy)) == content["network_digest"]
    table = copy / "deployments.csv"
    table.write_text(table.read_text().replace("bank-a,credit-llm,300,", "bank-a,credit-llm,301,"))
    assert network_digest(load_network(copy)) != content["network_digest"]
    assert content["network"]["deployments"] == 8 and content["network"]["institutions"] == 5

    # One draw, the same every time: every measure is the loss worked out by hand.
    headline = content["headline"]
    assert headline["expected_loss"] == pytest.approx(NORTH_LOSS, rel=1e-12)
    assert headline["value_at_risk"]["0.99"] == pytest.approx(NORTH_LOSS, rel=1e-12)
    assert status.headline is not None and status.headline.model_dump(mode="json") == headline
    results = service.results(status.id)
    assert results.system.expected_loss == pytest.approx(NORTH_LOSS, rel=1e-12)
    # The sample's deployments are not in the registry: nobody is told of a part in the run.
    assert filings(store, "stress_test.participated") == []
    assert [run.id for run in service.runs()] == [status.id]
    data = service.chart(status.id, "exceedance")["data"]
    assert isinstance(data, dict) and data["values"]


@pytest.fixture
def registered(store: Store) -> dict[str, str]:
    """Three deployments of one model: two hosted on Cloud, one at the model's own provider."""
    registry = RegistryService(store)
    org = {
        name: registry.register_organisation(
            OrganisationRegistered.model_validate({"name": name, "jurisdiction": "FR"}), by=SUPERVISOR
        ).id
        for name in ("Lab", "Cloud", "Bank", "Shop")
    }
    model = registry.register_model(
        ModelRegistration.model_validate({"name": "Scorer", "provider_id": org["Lab"]}), by=SUPERVISOR
    ).id
    ids = {}
    for name, deployer, amount, host in (
        ("lending", "Bank", "300", "Cloud"),
        ("checkout", "Shop", "100", "Cloud"),
        ("fraud", "Bank", "100", None),
    ):
        content = {
            "name": name,
            "deployer_id": org[deployer],
            "model_id": model,
            "jurisdictions": ["FR"],
            "sector": "finance",
            "economic_exposure": {"amount": amount, "currency": "EUR"},
            "hosting_provider_id": org[host] if host else None,
        }
        ids[name] = str(
            registry.register_deployment(DeploymentRegistration.model_validate(content), by=SUPERVISOR).id
        )
    return {**org, **ids}


def test_each_registered_deployment_is_told_its_part_in_a_run_on_the_registry(
    store: Store, registered: dict[str, str]
) -> None:
    service = RiskService(store)
    outage = f"outages: [{{provider: {registered['Cloud']}, loss_rate: 0.5}}]\n"
    scenario = "name: Cloud down\nseed: 1\ndraws: 1\n" + outage
    request = RunRequest(scenario=scenario, network="registry")
    status = service.execute(service.submit(request, by=SUPERVISOR, origin="t.yaml"), by=SUPERVISOR)
    [run] = filings(store, "stress_test.completed")
    # Half of what runs on Cloud is lost; the fraud model runs at the Lab and loses nothing. With
    # one draw, capital (its shortfall) and pool contribution equal that loss: the loss is certain,
    # so capital takes all of it, the insurance layer above never pays (its premium is 0) and the
    # pool, which no tail reaches, is shared in proportion to capital.
    lost = {"lending": 150.0, "checkout": 50.0, "fraud": 0.0}
    assert run["content"]["headline"]["expected_loss"] == pytest.approx(sum(lost.values()))
    parts = {part["subject"]: part for part in filings(store, "stress_test.participated")}
    assert set(parts) == {registered[name] for name in lost}
    for name, loss in lost.items():
        part = parts[registered[name]]
        deployer = registered["Shop"] if name == "checkout" else registered["Bank"]
        assert part["organisation"] == deployer
        content = part["content"]
        assert content["run_id"] == status.id and content["run_filing_id"] == run["id"]
        assert content["currency"] == "EUR"
        assert {key: content[key] for key in PART} == pytest.approx(dict.fromkeys(PART, loss), abs=1e-9)
        assert content["premium"] == content["insurance_requirement"] == content["pool_requirement"] == 0


def test_bad_runs_are_refused_with_the_reason_and_nothing_is_written_or_filed(store: Store) -> None:
    service = RiskService(store)
    with pytest.raises(Forbidden, match="only supervisors"):
        service.submit(on_sample(NORTH_OUTAGE), by=PUBLIC, origin="north.yaml")
    unknown = NORTH_OUTAGE.replace("cloud-north", "cloud-west")
    with pytest.raises(InvalidInput) as refused:
        service.submit(on_sample(unknown), by=SUPERVISOR, origin="west.yaml")
    assert refused.value.message.startswith("west.yaml:5: ")  # the line of the provider it names
    assert refused.value.evidence["entry"] == "outages[0].provider"
    assert refused.value.evidence["value"] == "cloud-west"
    with pytest.raises(InvalidInput, match="at most 10 draws") as refused:
        service.submit(on_sample(NORTH_OUTAGE.replace("draws: 1", "draws: 11")), by=SUPERVISOR,
                       origin="north.yaml", max_draws=10)  # fmt: skip
    assert refused.value.message.startswith("north.yaml:3: ")
    with pytest.raises(InvalidInput, match="seed"):
        service.submit(on_sample("name: x\nseed: -1\n"), by=SUPERVISOR, origin="x.yaml")
    for name in ("nowhere", "../etc", "Sample", str(EXAMPLES / "sample-network")):
        with pytest.raises(NotFound, match="no network named"):
            service.network_directory(name)
        with pytest.raises(NotFound, match="no network named"):  # a request from afar names, never paths
            service.submit(RunRequest(scenario=NORTH_OUTAGE, network=name), by=SUPERVISOR)
    assert service.runs() == []
    assert not service.root.exists() or not any(service.root.iterdir())
    assert filings(store, "stress_test.completed") == filings(store, "stress_test.participated") == []


def test_a_run_that_fails_says_why_in_its_status_and_is_not_filed(store: Store) -> None:
    service = RiskService(store)
    scenario = (
        "name: too few iterations\nseed: 1\ndraws: 20\n"
        "outages: [{provider: cloud-north, loss_rate: 1.0}]\n"
        "compromises: [{model: credit-llm, loss_rate: 1.0}, {model: fraud-net, loss_rate: 1.0}]\n"
        "asset_shocks: [{sector: all, mean: -0.15}]\n"
        "contagion: {model: eisenberg-noe, max_iterations: 1}\n"
    )
    submission = service.submit(on_sample(scenario), by=SUPERVISOR, origin="t")
    with pytest.raises(CustosError, match="did not"):
        service.execute(submission, by=SUPERVISOR)
    status = service.status(submission.run.run_id)
    assert status.state == "failed" and "did not" in str(status.error)
    assert status.evidence is not None and float(str(status.evidence["residual"])) > 0
    assert "filing_id" not in status.model_dump(exclude_unset=True)
    with pytest.raises(NotFound):
        service.results(submission.run.run_id)
    assert filings(store, "stress_test.completed") == []


def test_networks_and_examples_are_the_shipped_ones_and_those_under_home(store: Store) -> None:
    service = RiskService(store)
    local = store.settings.home / "networks"
    copy_sample(local).rename(local / "banks")
    (local / "banks" / "scenarios").mkdir()
    (local / "banks" / "scenarios" / "bank-run.yaml").write_text("name: Bank run\nseed: 3\n")
    (local / "Not-A-Name").mkdir()
    (local / "empty").mkdir()  # no manifest
    assert [n.name for n in service.networks()] == ["registry", "sample", "banks"]
    assert service.network_directory("registry") is None
    assert service.network_directory("sample") == EXAMPLES / "sample-network"
    assert service.network_directory("banks") == local / "banks"
    examples = {example.example: example for example in service.examples()}
    shipped = sorted(path.stem for path in (EXAMPLES / "scenarios").glob("*.yaml"))
    assert set(examples) == {*shipped, "bank-run"}
    assert {examples[name].network for name in shipped} == {"sample"}  # as each names it
    assert examples["bank-run"].network == "banks" and examples["bank-run"].name == "Bank run"
    assert len(service.load_network(local / "banks").institutions) == 5


def test_a_queued_run_reads_without_the_figures_it_does_not_have_yet(store: Store) -> None:
    service = RiskService(store)
    submission = service.submit(on_sample(NORTH_OUTAGE), by=SUPERVISOR, origin="north.yaml")
    status = service.status(submission.run.run_id)
    assert (status.state, status.chunks_done, status.network.institutions) == ("queued", 0, 5)
    shown = status.model_dump(mode="json", exclude_unset=True)
    assert not {"headline", "filing_id", "finished_at", "error"} & set(shown)
    assert shown["submitted_at"].endswith("+00:00")  # as the run's file has it


def test_the_read_models_give_back_the_run_files_as_they_are(store: Store) -> None:
    """The run directory's format is unchanged: a status and results read and dumped again are the
    files' own JSON, keys the models do not name included."""
    service = RiskService(store)
    status = service.execute(service.submit(on_sample(NORTH_OUTAGE), by=SUPERVISOR), by=SUPERVISOR)
    folder = service.root / status.id
    on_disk = json.loads((folder / "status.json").read_text())
    assert status.model_dump(mode="json", exclude_unset=True) == on_disk
    results = json.loads((folder / "results.json").read_text())
    assert service.results(status.id).model_dump(mode="json", exclude_unset=True) == results
    older = {key: value for key, value in on_disk.items() if key != "runner"} | {"reviewed": True}
    (folder / "status.json").write_text(json.dumps(older))
    assert service.status(status.id).model_dump(mode="json", exclude_unset=True) == older


def test_the_read_models_refuse_a_run_file_missing_its_figures() -> None:
    with pytest.raises(ValueError, match="expected_loss"):
        RunResults.model_validate({"system": {"draws": 1}})
    with pytest.raises(ValueError, match="state"):
        RunStatus.model_validate({"id": "x", "state": "lost"})
