"""``custos provenance`` as providers, auditors, vendors and supervisors run it: a manifest of 500
records committed on the provider's machine, a sample drawn from a signed checkpoint, revealed
and verified, with bounds equal to the exact Clopper–Pearson ones; a tampered manifest refused
before anything is filed; training runs checked against Epoch's hardware table; chip-hours sold
and reconciled; private releases within the budget; and the same audit through the API."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from custos.access.service import operator
from custos.cli import provenance_cmds
from custos.cli.app import app
from custos.client import CustosClient
from custos.core import units
from custos.passports.model import Passport
from custos.provenance.commitment import commit_manifest, read_key
from custos.provenance.findings import clopper_pearson_upper
from custos.provenance.plausibility import Precision, peak_flops_at
from custos.provenance.sampling import sample_indices
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.test_peers_cli import commands_served, forwarded, opened
from tests.unit.provenance.manifests import shares, write_manifest

URL = "http://provenance.example"
RECORDS = 500
OPT_OUTS = frozenset({3, 77, 150, 151, 290, 333, 404, 499})
SAMPLED = 300
CHIP = "NVIDIA A100"


@dataclass
class World:
    """An installation with a provider's model and the provider's manifest beside it."""

    home: Path
    root: Path
    model_id: str = ""
    provider_id: str = ""
    manifest: Path = Path()
    records: list[dict[str, Any]] = field(default_factory=list)

    def run(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["--home", str(self.home), *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def token(self, name: str, role: str, organisation: str) -> str:
        actor = self.json("actors", "add", name, "--role", role, "--org", organisation)
        token: str = self.json("actors", "token", actor["id"])["token"]
        return token

    @property
    def key(self) -> Path:
        return self.manifest.with_name(self.manifest.name + ".key")

    def log_size(self) -> int:
        with opened(self.home) as store:
            return store.tiles.stored_size()


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path / "home", tmp_path)
    made.run("init", "--origin", "provenance.example/log", "--authority", "Authority", "-j", "EU")
    made.provider_id = made.json("orgs", "add", "Provider SA", "-j", "FR", "--country", "FR")["id"]
    with opened(made.home) as store:
        registry, by = RegistryService(store), operator(store)
        model = registry.register_model(
            ModelRegistration.model_validate({"name": "Sample", "provider_id": made.provider_id}), by=by
        )
        passport = {
            "provenance": {"source": "manual"},
            "description": "Sample",
            "compute": {"training_flop": 1e24},
        }
        registry.file_passport(model.id, Passport.model_validate(passport), by=by)
        made.model_id = model.id
    made.manifest = tmp_path / "manifest.jsonl"
    made.records = write_manifest(made.manifest, RECORDS, opt_outs=OPT_OUTS)
    return made


@pytest.fixture
def api(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The installation's API in process; ``--url URL`` commands reach it through the client."""
    with commands_served(world.home, monkeypatch, provenance_cmds, URL) as client:
        yield client


def committed(world: World, *remote: str) -> dict[str, Any]:
    filed: dict[str, Any] = world.json(
        "provenance", "commit", str(world.manifest), "--model", world.model_id, "--dataset", "Crawl", *remote
    )
    return filed


def finding_line(rule: str, violations: int) -> str:
    bound = clopper_pearson_upper(violations, SAMPLED)
    return (
        f"{rule}: {violations} of {SAMPLED} sampled violate it: at most {units.percent(bound)} "
        "of the manifest (95% upper bound)"
    )


def test_a_manifest_is_committed_sampled_revealed_and_verified(world: World) -> None:
    filed = committed(world)
    # The key is made beside the manifest, for its owner only, and the root is the one it gives.
    assert stat.S_IMODE(world.key.stat().st_mode) == 0o600
    independent = commit_manifest(world.manifest, read_key(world.key), workers=1)
    assert (filed["root"], filed["record_count"]) == (independent.root.hex(), RECORDS)
    for dimension, declared in shares(world.records).items():
        assert filed["composition"][dimension] == pytest.approx(declared)
    # Committing again reuses the key (never rewritten), so the root is the same; --no-file files nothing.
    key_text = world.key.read_text()
    again = world.json(
        "provenance",
        "commit",
        str(world.manifest),
        "--model",
        world.model_id,
        "--dataset",
        "Crawl",
        "--no-file",
    )
    assert again["root"] == filed["root"] and world.key.read_text() == key_text
    assert [c["id"] for c in world.json("provenance", "list")] == [filed["id"]]

    out = world.root / "sample.json"
    drawn = world.json("provenance", "sample", filed["id"], "--size", str(SAMPLED), "--out", str(out))
    expected = sample_indices(
        filed["id"], drawn["checkpoint_size"], bytes.fromhex(drawn["checkpoint_root"]), SAMPLED, RECORDS
    )
    assert drawn["indices"] == expected and len(expected) == SAMPLED
    assert json.loads(out.read_text()) == {
        "id": drawn["id"],
        "commitment_id": filed["id"],
        "indices": expected,
    }

    revealed = world.run("provenance", "reveal", drawn["id"], str(world.manifest))
    violations = len(OPT_OUTS & set(expected))
    assert finding_line("opt-out-honoured", violations) in revealed
    assert finding_line("no-pii", 0) in revealed
    assert f"{SAMPLED} records of sample {drawn['id']} revealed and verified" in revealed

    verified = world.run("provenance", "verify", drawn["id"])
    assert f"verified {SAMPLED} records of sample {drawn['id']}" in verified
    assert finding_line("opt-out-honoured", violations) in verified
    rechecked = world.json("provenance", "verify", drawn["id"])
    by_rule = {finding["rule"]: finding for finding in rechecked["findings"]}
    assert sorted(by_rule["opt-out-honoured"]["violating_indices"]) == sorted(OPT_OUTS & set(expected))
    assert [check["plausible"] for check in rechecked["composition"]] == [True, True, True]

    (listed,) = world.json("provenance", "list", "--model", "Sample")
    assert [s["status"] for s in listed["samples"]] == ["failed" if violations else "passed"]
    shown = world.run("provenance", "show", filed["id"])
    assert f"record_count: {RECORDS}" in shown and finding_line("no-pii", 0) in shown
    assert world.json("provenance", "show", filed["id"])["samples"][0]["audit"]["sampled"] == SAMPLED
    # A sample is answered once.
    assert "answered already" in world.run("provenance", "reveal", drawn["id"], str(world.manifest), code=2)


def test_a_tampered_manifest_is_refused_at_reveal_and_nothing_is_filed(world: World) -> None:
    filed = committed(world)
    drawn = world.json("provenance", "sample", filed["id"], "--size", "50")
    tampered = [dict(record) for record in world.records]
    first = drawn["indices"][0]
    tampered[first]["pii"] = not tampered[first]["pii"]
    world.manifest.write_text("".join(json.dumps(record) + "\n" for record in tampered))
    size = world.log_size()
    refused = world.run("provenance", "reveal", drawn["id"], str(world.manifest), code=2)
    assert f"no longer matches commitment {filed['id']}" in refused
    assert f"record {first}" in refused
    assert world.log_size() == size
    assert world.json("provenance", "list")[0]["samples"][0]["status"] == "awaiting reveal"
    # A key that is not the one committed with is refused the same way.
    world.manifest.write_text("".join(json.dumps(record) + "\n" for record in world.records))
    other = world.root / "other.key"
    world.json(
        "provenance",
        "commit",
        str(world.manifest),
        "--model",
        world.model_id,
        "--dataset",
        "Crawl",
        "--key",
        str(other),
        "--no-file",
    )
    assert "no longer matches" in world.run(
        "provenance", "reveal", drawn["id"], str(world.manifest), "--key", str(other), code=2
    )
    assert world.log_size() == size


def run_file(world: World, chip: str, **extra: Any) -> Path:
    path = world.root / "run.json"
    run = {
        "model_id": "Sample",
        "chips": [{"chip": chip, "quantity": 1000, "chip_hours": 720_000}],
        "started_on": "2025-01-01",
        "ended_on": "2025-01-30",
        "precision": "bf16",
        "utilisation": 0.4,
    }
    path.write_text(json.dumps(run | extra))
    return path


def test_a_training_run_is_checked_against_epochs_hardware_table(world: World) -> None:
    refused = world.run("provenance", "run", "declare", str(run_file(world, "H100")), code=2)
    assert "unknown chip 'H100'" in refused and "close names: " in refused and "NVIDIA H100 PCIe" in refused
    assert world.json("provenance", "runs") == []

    declared = world.run("provenance", "run", "declare", str(run_file(world, CHIP)))
    implied = 720_000 * 3600 * peak_flops_at(CHIP, Precision.BF16) * 0.4
    assert units.flop(implied) in declared
    (run,) = world.json("provenance", "runs", "--model", "Sample")
    assert run["plausibility"]["implied_flop"] == pytest.approx(implied)
    low, high = run["plausibility"]["utilisation_range"]
    assert run["plausibility"]["plausible"] is (low * implied / 0.4 <= 1e24 <= high * implied / 0.4)
    listing = world.run("provenance", "runs")
    verdict = "yes" if run["plausibility"]["plausible"] else "no"
    assert units.flop(implied) in listing and f"declared compute plausible: {verdict}" in listing


def test_chip_hours_sold_are_reconciled_with_the_declared_runs(world: World, api: TestClient) -> None:
    vendor = world.json("orgs", "add", "Cloud Co", "-j", "US")["id"]
    token = world.token("Sales desk", "provider", vendor)
    world.run("provenance", "run", "declare", str(run_file(world, CHIP, cloud_vendor_id="Cloud Co")))
    sold = world.json(
        "provenance",
        "sell",
        "--customer",
        world.provider_id,
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
        "--chip-hours",
        "700000",
        "--url",
        URL,
        "--token",
        token,
    )
    assert sold["vendor_id"] == vendor and "chip_hours" not in sold  # the figure is for supervisors
    period = [
        "--customer",
        "Provider SA",
        "--vendor",
        "Cloud Co",
        "--from",
        "2025-01-01",
        "--to",
        "2025-01-31",
    ]
    consistent = world.json("provenance", "reconcile", *period)
    assert consistent["status"] == "consistent"
    assert consistent["relative_gap"] == pytest.approx((720_000 - 700_000) / 720_000)
    strict = world.json("provenance", "reconcile", *period, "--tolerance", "0.01")
    assert strict["status"] == "declared exceeds sold"
    listed = world.json("provenance", "reconciliations")
    assert sorted(r["status"] for r in listed) == ["consistent", "declared exceeds sold"]
    assert "declared exceeds sold" in world.run("provenance", "reconciliations")
    (statement,) = world.json("provenance", "statements")
    assert statement["chip_hours"] == 700_000


def test_releases_spend_the_privacy_budget_and_stop_at_it(world: World) -> None:
    assert "no privacy budget is set" in world.run("provenance", "budget")
    assert "no privacy budget is set" in world.run(
        "provenance", "publish", "dataset-licences", "--epsilon", "0.1", code=2
    )
    committed(world)
    world.json("provenance", "budget", "--epsilon", "1", "--delta", "5e-4", "--reason", "Annual statistics")
    licences = world.run("provenance", "publish", "dataset-licences", "--epsilon", "0.5")
    assert "permissive" in licences and "±" in licences and "remaining budget: epsilon 0.5" in licences
    compute = world.run(
        "provenance", "publish", "training-compute", "--epsilon", "0.25", "--years", "2021", "2025"
    )
    assert "remaining budget: epsilon 0.25" in compute
    refused = world.run("provenance", "publish", "dataset-licences", "--epsilon", "0.5", code=2)
    assert "epsilon 0.25" in refused
    made = world.json("provenance", "releases")
    assert [r["statistic"] for r in made] == ["training-compute", "dataset-licences"]
    assert made[0]["unit"] == "FLOP" and made[0]["epsilon_remaining"] == pytest.approx(0.25)
    assert all(cell["error_95"] > 0 for release in made for cell in release["cells"])
    budget = world.json("provenance", "budget")
    assert (budget["epsilon_spent"], budget["releases"]) == (pytest.approx(0.75), 2)
    assert "FLOP" in world.run("provenance", "releases")
    assert "remaining: epsilon 0.25" in world.run("provenance", "budget")
    last = world.json(
        "provenance",
        "publish",
        "dataset-licences",
        "--epsilon",
        "0.25",
        "--mechanism",
        "gaussian",
        "--delta",
        "1e-4",
    )
    assert last["mechanism"] == "gaussian" and last["epsilon_remaining"] == pytest.approx(0)
    assert last["delta_remaining"] == pytest.approx(4e-4)
    assert "left" in world.run("provenance", "publish", "dataset-licences", "--epsilon", "0.001", code=2)


def test_the_audit_runs_through_the_api_on_each_party_s_machine(world: World, api: TestClient) -> None:
    provider = world.token("Data officer", "provider", world.provider_id)
    with opened(world.home) as store:
        supervisor_org = operator(store).organisation_id or ""
    supervisor = world.token("Examiner", "supervisor", supervisor_org)
    as_provider, as_supervisor = ["--url", URL, "--token", provider], ["--url", URL, "--token", supervisor]

    filed = committed(world, *as_provider)
    assert filed["owner_id"] == world.provider_id
    drawn = world.json("provenance", "sample", filed["id"], "--size", "40", *as_supervisor)
    revealed = world.json("provenance", "reveal", drawn["id"], str(world.manifest), *as_provider)
    assert revealed["sampled"] == 40
    verified = world.run("provenance", "verify", drawn["id"], *as_supervisor)
    assert f"verified 40 records of sample {drawn['id']}" in verified
    # Another provider may not read what was revealed.
    other = world.json("orgs", "add", "Rival AI", "-j", "FR")["id"]
    rival = world.token("Rival officer", "provider", other)
    refused = world.run("provenance", "verify", drawn["id"], "--url", URL, "--token", rival, code=2)
    assert "for its auditor, the provider and supervisors" in refused

    with CustosClient(URL, supervisor, transport=forwarded(api)) as client:
        assert [c.id for c in client.commitments(model=world.model_id)] == [filed["id"]]
        assert [s.id for s in client.samples()] == [drawn["id"]]
        assert len(client.sample_records(drawn["id"]).records) in {
            40,
            41,
        }  # with the last record, unless drawn
        assert client.model_provenance(world.model_id).commitments[0].id == filed["id"]
        assert client.runs() == [] and client.statements() == [] and client.reconciliations() == []
        assert client.privacy_budget().epsilon is None and client.private_releases() == []


def test_a_commitment_not_filed_is_printed_and_its_payload_written(world: World) -> None:
    size = world.log_size()
    shown = world.run(
        "provenance",
        "commit",
        str(world.manifest),
        "--model",
        world.model_id,
        "--dataset",
        "Crawl",
        "--no-file",
    )
    built = commit_manifest(world.manifest, read_key(world.key), workers=1)
    assert "not filed (--no-file)" in shown and built.root.hex() in shown and f"records: {RECORDS}" in shown
    web = sum(record["source_type"] == "web" for record in world.records) / RECORDS
    assert units.percent(web) in shown  # the declared shares, as percentages
    assert world.log_size() == size and world.json("provenance", "list") == []
