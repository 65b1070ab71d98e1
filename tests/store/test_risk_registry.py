"""Stress tests on the registry's own dependency network, on each backend."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from custos.core import FixedClock
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.risk import RiskService, network_from_registry
from custos.risk.requests import RunRequest
from custos.store import Store
from custos.store.policy_views import ObligationQuery
from tests.store.test_registry import SUPERVISOR


@pytest.fixture
def registry(store: Store) -> dict[str, str]:
    service = RegistryService(store)
    org = {
        name: service.register_organisation(
            OrganisationRegistered(name=name, jurisdiction="FR"), by=SUPERVISOR
        ).id
        for name in ("Lab", "Cloud", "Bank One", "Bank Two", "Shop")
    }
    model = service.register_model(
        ModelRegistration.model_validate({"name": "Scorer", "provider_id": org["Lab"]}), by=SUPERVISOR
    ).id
    backup = service.register_model(
        ModelRegistration.model_validate({"name": "Backup", "provider_id": org["Lab"]}), by=SUPERVISOR
    ).id

    def deploy(name: str, deployer: str, amount: str, host: str | None, fallback: str | None = None) -> str:
        content = {
            "name": name,
            "deployer_id": org[deployer],
            "model_id": model,
            "jurisdictions": ["FR"],
            "sector": "finance",
            "economic_exposure": {"amount": amount, "currency": "EUR"},
            "hosting_provider_id": org[host] if host else None,
            "fallback_model_ids": [fallback] if fallback else [],
        }
        return str(
            service.register_deployment(DeploymentRegistration.model_validate(content), by=SUPERVISOR).id
        )

    deploy("one", "Bank One", "300", "Cloud", backup)
    deploy("two", "Bank Two", "100", None)
    deploy("shop", "Shop", "100", "Cloud")
    return {**org, "model": model, "backup": backup}


def test_the_registry_gives_hosts_shares_and_fallbacks(store: Store, registry: dict[str, str]) -> None:
    with store.read() as conn:
        network = network_from_registry(conn, "EUR")
    assert set(network.providers.ids) == {registry["Cloud"], registry["Lab"]}
    scorer = network.models.index[registry["model"]]
    cloud = network.providers.index[registry["Cloud"]]
    # 400 of the Scorer's 500 exposure runs on the cloud, 100 at the lab itself
    assert network.hosting_share.toarray()[scorer, cloud] == pytest.approx(0.8)
    assert sorted(network.deployment_exposure) == [100, 100, 300]
    assert (network.deployment_fallback >= 0).sum() == 1
    assert len(network.institutions) == 0 and (network.deployment_institution == -1).all()


def test_a_financial_layer_joins_deployers_by_name(
    store: Store, registry: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "manifest.yaml").write_text("name: banks\ninstitutions: i.csv\nliabilities: l.csv\n")
    (tmp_path / "i.csv").write_text(
        "id,external_assets,external_liabilities\nBank One,1000,900\nBank Two,500,400\n"
    )
    (tmp_path / "l.csv").write_text("debtor,creditor,amount\nBank One,Bank Two,50\n")
    service = RiskService(store)
    network = service.load_network(tmp_path)
    owners = {network.deployments.names[d]: network.deployment_institution[d] for d in range(3)}
    assert owners["one"] == network.institutions.index["Bank One"]
    assert owners["two"] == network.institutions.index["Bank Two"]
    assert owners["shop"] == -1
    scenario = (
        f"name: cloud\nseed: 1\ndraws: 1\noutages: [{{provider: {registry['Cloud']}, loss_rate: 0.5}}]\n"
        "buffers: {insurance_capacity: 1}\n"
    )
    request = RunRequest(scenario=scenario, network=str(tmp_path))  # a directory on this machine
    submission = service.submit(request, by=SUPERVISOR, origin="test", folder=tmp_path)
    status = service.execute(submission, by=SUPERVISOR)
    assert status.headline is not None and status.headline.linchpins == ("Cloud",)  # by name, not by id
    results = service.results(status.id)
    # Each deployment depends on its own host: one and the shop run on the cloud and lose half,
    # one less what its working backup recovers (80%); bank two's runs at the lab and loses nothing.
    by_name = {row.name: row.expected_loss for row in results.deployments}
    assert by_name == pytest.approx({"one": 300 * 0.5 * 0.2, "two": 0.0, "shop": 100 * 0.5})


def test_each_registered_deployment_learns_its_part_and_its_stress_test_obligation_is_discharged(
    store: Store, registry: dict[str, str], clock: FixedClock
) -> None:
    pack = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
    PolicyService(store).load(pack, origin="custos-baseline.yaml", by=SUPERVISOR)
    finance = ObligationQuery(status="open", pack="custos-baseline")
    due = [
        o for o in PolicyService(store).obligations(SUPERVISOR, finance, limit=100) if "stress-test" in o.key
    ]
    assert len(due) == 3  # one per finance deployment
    clock.advance(timedelta(days=1))  # a recurring duty is discharged by what is filed after it arose
    service = RiskService(store)
    scenario = (
        f"name: cloud\nseed: 1\ndraws: 1\noutages: [{{provider: {registry['Cloud']}, loss_rate: 0.5}}]\n"
    )
    request = RunRequest(scenario=scenario)  # names no network: the registry's
    status = service.execute(service.submit(request, by=SUPERVISOR, origin="test"), by=SUPERVISOR)
    results = {row.id: row for row in service.results(status.id).deployments}
    with store.read() as conn:
        parts = conn.exec_driver_sql(
            "SELECT subject, organisation, document, id FROM filings WHERE kind = 'stress_test.participated'"
        ).all()
    assert {part[0] for part in parts} == set(results)
    for subject, organisation, document, _ in parts:
        content = json.loads(document)["content"]
        assert content["run_filing_id"] == status.filing_id
        assert content["capital"] == pytest.approx(results[subject].capital)
        assert organisation in {registry["Bank One"], registry["Bank Two"], registry["Shop"]}
    with store.read() as conn:
        discharged = conn.exec_driver_sql(
            "SELECT subject, document FROM filings WHERE kind = 'obligation.discharged'"
        ).all()
    evidence = {json.loads(document)["content"]["evidence"] for _, document in discharged}
    assert {subject for subject, _ in discharged} == set(results)
    assert evidence == {part[3] for part in parts}  # each by its own participation filing
    # the duty is yearly: it is open again, for the next period
    again = [
        o for o in PolicyService(store).obligations(SUPERVISOR, finance, limit=100) if "stress-test" in o.key
    ]
    assert len(again) == 3 and all(o.due_at and due[0].due_at and o.due_at > due[0].due_at for o in again)
