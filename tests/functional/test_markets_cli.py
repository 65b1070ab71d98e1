"""``custos markets`` as a supervisor runs it on the installation and as a provider runs it through
the API: concentration with its bands and units, single points of failure counted by hand,
a merger review, a remedy, a fallback plan, a designation and a what-if; what a provider may not
see or do is refused with exit code 2, as is bad input, and nothing is filed then.

The world (as in test_markets_api.py, without the seeded deployment):

====  ==========  ============  ============  ===============  ============  ==========
dep   deployer    model (dev)   host          fallback         sector        EUR
====  ==========  ============  ============  ===============  ============  ==========
d1    Bank One    Alpha (Lab)   Cloud North   none             finance       4 bn
d2    Bank Two    Alpha (Lab)   Cloud North   host Provider    finance       3 bn
d3    Bank Two    Sample (Prv)  Provider SA   model Alpha      health        2 bn
d4    Bank One    Sample (Prv)  own           model Alpha      finance       1 bn
====  ==========  ============  ============  ===============  ============  ==========

Alone, Lab A cuts off d1 and d2 (70% of the 10 bn), Cloud North d1 (40%), Provider SA d3 (20%).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from custos.access.service import operator
from custos.cli import markets_cmds
from custos.cli.app import app
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.test_peers_cli import commands_served, opened

URL = "http://markets.example"
DRAWS = "1000"
HOSTS_HHI = 1e4 * ((2 / 3) ** 2 + (1 / 3) ** 2)  # d1, d2 on Cloud North; d3 on Provider SA


@dataclass
class World:
    home: Path
    ids: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, code: int = 0) -> str:
        result = CliRunner().invoke(app, ["--home", str(self.home), *args])
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.output

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json"))

    def token(self, role: str, organisation: str) -> list[str]:
        """``--url`` and ``--token`` options acting as a new actor of ``organisation``."""
        actor = self.json("actors", "add", f"{role} of {organisation}", "--role", role, "--org", organisation)
        return ["--url", URL, "--token", self.json("actors", "token", actor["id"])["token"]]

    def log_size(self) -> int:
        with opened(self.home) as store:
            return store.tiles.stored_size()


@pytest.fixture
def world(tmp_path: Path) -> World:
    made = World(tmp_path / "home")
    made.run("init", "--origin", "markets.example/log", "--authority", "Authority", "-j", "EU")
    for name, kind in (
        ("Provider SA", "model_provider"),
        ("Lab A", "model_provider"),
        ("Commons Lab", "model_provider"),
        ("Cloud North", "compute_provider"),
        ("Bank One", "financial_institution"),
        ("Bank Two", "financial_institution"),
    ):
        made.ids[name] = made.json("orgs", "add", name, "-j", "FR", "--country", "FR", "-k", kind)["id"]
    ids = made.ids
    with opened(made.home) as store:
        registry, by = RegistryService(store), operator(store)
        for model, provider in (("Sample", "Provider SA"), ("Alpha", "Lab A"), ("Commons", "Commons Lab")):
            named = {"name": model, "provider_id": ids[provider]}
            ids[model] = registry.register_model(ModelRegistration.model_validate(named), by=by).id
        deployments: tuple[tuple[str, str, str, int, dict[str, Any]], ...] = (
            ("d1", "Bank One", "Alpha", 4, {"hosting_provider_id": ids["Cloud North"]}),
            (
                "d2",
                "Bank Two",
                "Alpha",
                3,
                {
                    "hosting_provider_id": ids["Cloud North"],
                    "fallback_hosting_provider_ids": [ids["Provider SA"]],
                },
            ),
            (
                "d3",
                "Bank Two",
                "Sample",
                2,
                {
                    "hosting_provider_id": ids["Provider SA"],
                    "fallback_model_ids": [ids["Alpha"]],
                    "sector": "health",
                },
            ),
            ("d4", "Bank One", "Sample", 1, {"fallback_model_ids": [ids["Alpha"]]}),
        )
        for name, deployer, model, eur, more in deployments:
            terms: dict[str, Any] = {
                "name": name,
                "deployer_id": ids[deployer],
                "model_id": ids[model],
                "jurisdictions": ["FR"],
                "sector": "finance",
                "economic_exposure": {"amount": f"{eur}000000000", "currency": "EUR"},
            } | more
            registry.register_deployment(DeploymentRegistration.model_validate(terms), by=by)
    made.run("policy", "load", "--builtin", "custos-baseline")
    return made


@pytest.fixture
def api(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The installation's API in process; ``--url URL`` commands reach it through the client."""
    with commands_served(world.home, monkeypatch, markets_cmds, URL) as client:
        yield client


def test_a_supervisor_measures_assesses_reviews_and_designates(world: World) -> None:
    ids = world.ids
    found = world.json("markets", "concentration", "--layer", "deployments")
    (hosts,) = [market for market in found["markets"] if market["key"] == "hosts"]
    assert hosts["points"][-1]["indices"]["hhi"] == pytest.approx(HOSTS_HHI)
    shown = world.run("markets", "concentration", "--layer", "deployments")
    assert f"HHI: {HOSTS_HHI:,.0f}" in shown and "highly concentrated, US 2023 MG" in shown
    assert "66.7%" in shown and "33.3%" in shown
    compute = world.run("markets", "concentration", "--layer", "compute")
    assert "AI compute by owner" in compute and "(5–95%: " in compute and "EUR 7 bn" in compute

    dependencies = world.json("markets", "dependencies")
    rows = {row["organisation_id"]: row for row in dependencies["providers"]}
    assert rows[ids["Lab A"]]["exposure_share"] == pytest.approx(0.7)
    assert rows[ids["Cloud North"]]["exposure_share"] == pytest.approx(0.4)
    assert rows[ids["Provider SA"]]["exposure_share"] == pytest.approx(0.2)
    text = world.run("markets", "dependencies")
    assert "EUR 7 bn" in text and "70%" in text and "linchpins: Lab A, Cloud North" in text
    assert "Lab A" in text.split("cuts off")[1]  # the providers' table names them

    assessed = world.json("markets", "assess")
    assert set(assessed["linchpins"]) == {ids["Lab A"], ids["Cloud North"]}
    assert world.json("markets", "assessment")["id"] == assessed["id"]

    review = world.json(
        "markets", "merger", "--acquirer", "Cloud North", "--target", "Provider SA", "--draws", DRAWS
    )
    # Merged, d2's fallback host is its own host: d1, d2 and d3 hang on the merged firm alone.
    assert review["exposure_share_after"] == pytest.approx(0.9)
    assert review["linchpin_after"] is True and review["stress"]["draws"] == 1000
    printed = world.run("markets", "review", review["id"])
    assert "Cloud North acquiring Provider SA" in printed and "90% after" in printed
    assert f"{HOSTS_HHI:,.0f}" in printed and "10,000" in printed and "+4,444" in printed
    assert (
        "Deployments by hosting provider: presumed to substantially lessen competition, US 2023 MG" in printed
    )
    world.run("markets", "remedy", review["id"], "--remedy", "fallback", "--terms", "Offer d2 another host")
    (listed,) = world.json("markets", "reviews")
    assert [r["remedy"] for r in listed["remedies"]] == ["fallback"]

    plan = world.json(
        "markets",
        "fallback-plan",
        "--plan",
        "fallback",
        "--summary",
        "Fail over to Provider SA",
        "--tested-on",
        "2026-01-15",
        "--valid-until",
        "2030-01-01",
        "--organisation",
        "Cloud North",
    )
    assert plan["organisation_id"] == ids["Cloud North"]
    assert [p["id"] for p in world.json("markets", "plans")] == [plan["id"]]

    designated = world.json("markets", "designate", "Commons", "--grounds", "Publicly funded")
    assert designated["model_id"] == ids["Commons"] and designated["public_interest"] is True
    what_if = world.json("markets", "what-if", "--sector", "finance", "--model", "Commons", "--draws", DRAWS)
    assert what_if["deployments"] == 2  # d1 and d2: finance, no fallback model
    printed = world.run("markets", "what-if", "--sector", "finance", "--model", "Commons", "--draws", DRAWS)
    assert "2 finance deployments could fail over to Commons" in printed and "EUR" in printed
    withdrawn = world.json("markets", "designate", "Commons", "--grounds", "Funding ended", "--withdraw")
    assert withdrawn["public_interest"] is False
    assert [d["id"] for d in world.json("markets", "designations")] == [withdrawn["id"], designated["id"]]


def test_a_provider_through_the_api_sees_its_own_and_is_refused_the_rest(
    world: World, api: TestClient
) -> None:
    ids = world.ids
    world.run("markets", "assess")
    review = world.json(
        "markets", "merger", "--acquirer", "Cloud North", "--target", "Provider SA", "--draws", DRAWS
    )
    other = world.json(
        "markets", "merger", "--acquirer", "Lab A", "--target", "Commons Lab", "--draws", DRAWS
    )
    provider = world.token("provider", "Provider SA")

    found = world.json("markets", "concentration", *provider)
    assert [market["key"] for market in found["markets"]] == ["compute-owners"]
    assert "Deployments by hosting provider" in found["withheld"]
    assert "withheld (supervisors only" in world.run("markets", "concentration", *provider)
    (mine,) = world.json("markets", "assessment", *provider)["providers"]
    assert mine["organisation_id"] == ids["Provider SA"] and mine["exposure_share"] == pytest.approx(0.2)
    assert [r["id"] for r in world.json("markets", "reviews", *provider)] == [review["id"]]
    assert world.json("markets", "review", review["id"], *provider)["target_id"] == ids["Provider SA"]
    assert "no merger review" in world.run("markets", "review", other["id"], *provider, code=2)

    plan = world.json(
        "markets",
        "fallback-plan",
        "--plan",
        "interoperability",
        "--summary",
        "Open interfaces",
        "--valid-until",
        "2030-01-01",
        *provider,
    )
    assert plan["organisation_id"] == ids["Provider SA"]
    size = world.log_size()
    refused = world.run(
        "markets",
        "fallback-plan",
        "--plan",
        "interoperability",
        "--summary",
        "Theirs",
        "--valid-until",
        "2030-01-01",
        "--organisation",
        ids["Cloud North"],
        *provider,
        code=2,
    )
    assert "filed by the organisation it is for, or by a supervisor" in refused
    for command in (
        ("dependencies",),
        ("assess",),
        ("merger", "--acquirer", ids["Lab A"], "--target", ids["Cloud North"], "--draws", DRAWS),
        ("designate", ids["Commons"], "--grounds", "x"),
    ):
        assert "the provider role does not hold markets:" in world.run("markets", *command, *provider, code=2)
    assert world.log_size() == size
    assert [p["id"] for p in world.json("markets", "plans", *provider)] == [plan["id"]]


@pytest.mark.parametrize(
    "args",
    [
        ("concentration", "--layer", "chips"),
        ("concentration", "--as-of", "someday"),
        ("concentration", "--sector", "Finance"),
        ("concentration", "--jurisdiction", "XX"),
        *(
            (
                "fallback-plan",
                "--plan",
                "fallback",
                "--summary",
                "x",
                "--tested-on",
                tested,
                "--valid-until",
                "2030-01-01",
                "--organisation",
                "Lab A",
            )
            for tested in ("0", "2030-01-01")  # a Unix time, a day to come
        ),
        ("designate", "Commons", "--withdraw", "--grounds", "never designated"),
        ("merger", "--acquirer", "Lab A", "--target", "Lab A", "--draws", DRAWS),
        ("merger", "--acquirer", "Lab A", "--target", "Cloud North", "--draws", "10"),
        ("merger", "--acquirer", "Lab A", "--target", "Nobody Inc", "--draws", DRAWS),
        ("merger", "--acquirer", "Lab A", "--target", "Cloud North", "--scenario", "/no/such/file.yaml"),
        ("merger", "--acquirer", "Lab A", "--target", "Cloud North", "--layer", "chips"),
        ("remedy", "nothing", "--remedy", "escrow", "--terms", "x"),
        (
            "fallback-plan",
            "--plan",
            "fallback",
            "--summary",
            "x",
            "--valid-until",
            "2030-01-01",
            "--organisation",
            "Lab A",
        ),
        (
            "fallback-plan",
            "--plan",
            "prayer",
            "--summary",
            "x",
            "--valid-until",
            "2030-01-01",
            "--organisation",
            "Lab A",
        ),
        ("fallback-plan", "--plan", "escrow", "--summary", "x", "--valid-until", "2030-01-01"),
        ("designate", "Nothing", "--grounds", "x"),
        ("what-if", "--sector", "finance", "--model", "Commons", "--draws", DRAWS),
        ("assessment",),
        ("dependencies", "--url", URL),
    ],
)
def test_bad_input_is_refused_with_exit_code_2_and_nothing_filed(world: World, args: tuple[str, ...]) -> None:
    size = world.log_size()
    output = world.run("markets", *args, code=2)
    assert output.startswith("error: "), output
    assert world.log_size() == size
