"""``custos buffers`` as a supervisor runs it on the installation and as a firm runs it through the
API. Bank deploys d1, which a stress run filed by hand asks for EUR 1,000,000.50 of capital; bad
input and what a firm may not see are refused in one line with exit code 2, and nothing is filed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from custos.access.service import operator
from custos.cli import buffers_cmds
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.cli_world import CommandWorld
from tests.functional.test_buffers_api import file_run
from tests.functional.test_peers_cli import commands_served, opened

URL = "http://buffers.example"


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    made = CommandWorld(tmp_path / "home", URL)
    made.run("init", "--origin", "buffers.example/log", "--authority", "Authority", "-j", "EU")
    for name in ("Lab", "Bank", "Insurer"):
        made.ids[name] = made.json("orgs", "add", name, "-j", "FR", "--country", "FR")["id"]
    with opened(made.home) as store:
        registry, by = RegistryService(store), operator(store)
        model = registry.register_model(ModelRegistration(name="m", provider_id=made.ids["Lab"]), by=by).id
        terms = {
            "name": "d1",
            "deployer_id": made.ids["Bank"],
            "model_id": model,
            "jurisdictions": ["FR"],
            "sector": "finance",
            "economic_exposure": {"amount": "5000000", "currency": "EUR"},
        }
        made.ids["d1"] = registry.register_deployment(DeploymentRegistration.model_validate(terms), by=by).id
        file_run(store, {made.ids["d1"]: (made.ids["Bank"], 1_000_000.5)})
    return made


@pytest.fixture
def api(world: CommandWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with commands_served(world.home, monkeypatch, buffers_cmds, URL) as client:
        yield client


TODAY = datetime.now(UTC).date().isoformat()


def test_a_declaration_closes_the_shortfall_the_check_shows(world: CommandWorld) -> None:
    before = world.run("buffers", "check")
    assert "Bank" in before and "EUR 1 m" in before  # required and short by EUR 1,000,000.50
    declared = world.run(
        "buffers", "declare", "--organisation", "Bank", "--amount", "1,000,000.50",
        "--component", "CET1=800000.50", "--component", "Tier 2=200000", "--as-of", TODAY,
    )  # fmt: skip
    assert "sufficient: holds EUR 1 m against EUR 1 m" in declared
    found = world.json("buffers", "check", "--firm", "Bank")
    assert (found["requirement"], found["capital"], found["shortfall"], found["sufficient"]) == (
        "1000000.50",
        "1000000.50",
        "0.00",
        True,
    )
    listed = world.json("buffers", "list")
    assert [d["amount"] for d in listed["declarations"]] == ["1000000.50"]


def test_bad_input_is_one_line_naming_the_option_and_files_nothing(world: CommandWorld) -> None:
    for args, named in (
        (("--amount", "lots", "--component", "CET1=1"), "--amount takes an amount"),
        (("--amount", "10", "--component", "CET1=9"), "adds up to 9, not the amount 10"),
        (("--amount", "10", "--component", "CET1=10", "--as-of", "2999-01-01"), "--as-of 2999-01-01 is in"),
        (("--amount", "10", "--component", "CET1"), "--component takes COMPONENT=AMOUNT"),
        (("--amount", "10", "--component", "CET2=10"), "--component: Input should be"),
        (("--amount", "10"), "give the composition: --component"),
        (("--amount", "10", "--component", "CET1=10", "--currency", "EURO"), "--currency: the currency is a"),
    ):
        as_of = () if "--as-of" in args else ("--as-of", TODAY)
        shown = world.refused("buffers", "declare", "--organisation", "Bank", *args, *as_of)
        assert named in shown and "as_of" not in shown and "Tuple" not in shown, shown
    insure = ("buffers", "insure", "--insurer", "Insurer", "--insured", "Bank", "--attachment", "0")
    dates = ("--from", TODAY, "--until", TODAY, "--reference", "P-1")
    shown = world.refused(*insure, "--limit", "10", "--premium", "11", *dates)
    assert "invalid policy: the premium (11) is above the limit (10)" in shown


def test_a_policy_in_another_currency_is_reported_in_the_runs(world: CommandWorld) -> None:
    world.run(
        "buffers", "declare", "--organisation", "Bank", "--amount", "600000", "--currency", "eur",
        "--component", "CET1=600000", "--as-of", TODAY,
    )  # fmt: skip
    bound = world.run(
        "buffers", "insure", "--insurer", "Insurer", "--insured", "Bank", "--limit", "560000000",
        "--attachment", "0", "--premium", "5000", "--currency", "usd", "--from", TODAY, "--until", TODAY,
        "--reference", "P-USD",
    )  # fmt: skip
    # The verdict is in the run's euros: the dollar policy added nothing to the EUR 600,000 held.
    assert "insures Bank for USD 560 m above USD 0" in bound
    assert "shortfall: holds EUR 600,000 against EUR 1 m" in bound
    assert "this USD policy is not counted against the run's EUR" in bound
    again = world.run(
        "buffers", "insure", "--insurer", "Insurer", "--insured", "Bank", "--limit", "5", "--attachment",
        "0", "--premium", "1", "--from", TODAY, "--until", TODAY, "--reference", "P-USD", code=2,
    )  # fmt: skip
    assert "already filed and in force" in again


def test_a_firm_acts_for_itself_through_the_api_and_sees_no_other(
    world: CommandWorld, api: TestClient
) -> None:
    bank, insurer = world.token("deployer", "Bank"), world.token("deployer", "Insurer")
    world.run(
        "buffers", "declare", "--amount", "600000", "--component", "CET1=600000", "--as-of", TODAY, *bank
    )
    bound = world.run(
        "buffers", "insure", "--insurer", "Insurer", "--insured", "Bank", "--limit", "400000.50",
        "--attachment", "600000", "--premium", "5000", "--from", TODAY, "--until", TODAY,
        "--reference", "P-7", *insurer,
    )  # fmt: skip
    assert "Insurer insures Bank for EUR 400,000 above EUR 600,000" in bound and "sufficient" in bound
    assert world.json("buffers", "check", *bank)["firms"][0]["held"] == "1000000.50"
    refused = world.run("buffers", "check", "--firm", "Bank", *insurer, code=2)
    assert "whose buffers you may see" in refused
    assert world.json("buffers", "list", *insurer)["declarations"] == []
