"""``custos labour`` as a supervisor runs it on the installation and as others run it through the
API: exposure and the paper's headline checked, the crosswalk, the shipped scenarios, runs filed,
listed, shown and rendered, adoption driven by the registry and moved by a what-if; bad input
and a run by someone not allowed to start one are one line and exit code 2, and file nothing.

The registry holds three deployments: two of Bank One in finance, one of Clinic in health. With a
scenario saturating at 10 deployments, a major group's adoption multiplier is
``min(1, (2 w(finance, g) + w(health, g)) / 10)``, the weights read here from the shipped file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from custos.access.service import operator
from custos.cli import labour_cmds
from custos.labor.scenario import SCENARIOS
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.cli_world import CommandWorld
from tests.functional.test_peers_cli import commands_served, opened

URL = "http://labour.example"
DRAWS = "500"
#: Workers in the joined occupations with the shipped files (the data's README states it).
JOINED_WORKERS = 130_565_970
SECTORS = Path(__file__).resolve().parents[2] / "src/custos/labor/data/sector_occupations.csv"


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    made = CommandWorld(tmp_path / "home", URL)
    made.run("init", "--origin", "labour.example/log", "--authority", "Authority", "-j", "EU")
    for name, kind in (
        ("Lab A", "model_provider"),
        ("Bank One", "financial_institution"),
        ("Clinic", "deployer"),
    ):
        made.ids[name] = made.json("orgs", "add", name, "-j", "FR", "--country", "FR", "-k", kind)["id"]
    with opened(made.home) as store:
        registry, by = RegistryService(store), operator(store)
        named = {"name": "Alpha", "provider_id": made.ids["Lab A"]}
        model = registry.register_model(ModelRegistration.model_validate(named), by=by).id
        for name, deployer, sector in (
            ("d1", "Bank One", "finance"),
            ("d2", "Bank One", "finance"),
            ("d3", "Clinic", "health"),
        ):
            terms = {
                "name": name,
                "deployer_id": made.ids[deployer],
                "model_id": model,
                "jurisdictions": ["FR"],
                "sector": sector,
                "economic_exposure": {"amount": "1000000", "currency": "EUR"},
            }
            registry.register_deployment(DeploymentRegistration.model_validate(terms), by=by)
    return made


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """The gradual scenario driven by the registry, saturating at 10 deployments."""
    path = tmp_path / "linked.yaml"
    text = (SCENARIOS / "gradual.yaml").read_text(encoding="utf-8").replace("name: gradual", "name: linked")
    path.write_text(text + "registry: {saturation_deployments: 10}\n", encoding="utf-8")
    return path


@pytest.fixture
def api(world: CommandWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The installation's API in process; ``--url URL`` commands reach it through the client."""
    with commands_served(world.home, monkeypatch, labour_cmds, URL) as client:
        yield client


def weights() -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    with SECTORS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["sector"], {})[row["major_code"]] = float(row["weight"])
    return found


def test_exposure_the_headline_and_the_crosswalk_read_with_units(world: CommandWorld) -> None:
    headline = world.json("labour", "headline")
    (beta,) = [m for m in headline["measures"] if m["measure"] == "human_beta"]
    # The paper: about 80% with at least 10% of tasks exposed, 19% with over half (beta).
    assert abs(beta["at_least_tenth_share"] - 0.80) <= 0.015 and abs(beta["over_half_share"] - 0.19) <= 0.015
    assert headline["agrees"] is True and len(headline["measures"]) == 6
    shown = world.run("labour", "headline")
    assert "80.3%" in shown and "80%" in shown and "agree within 1.5 percentage points" in shown

    groups = world.json("labour", "exposure")
    assert sum(row["workers"] for row in groups["rows"]) == JOINED_WORKERS == groups["workers"]
    for row in groups["rows"]:
        assert row["exposed_share"] == pytest.approx(row["exposed_workers"] / row["workers"])
    occupations = world.json("labour", "exposure", "--level", "occupation", "--measure", "model_gamma")
    assert occupations["measure"] == "model_gamma" and len(occupations["rows"]) == 887
    assert sum(row["workers"] for row in occupations["rows"]) == JOINED_WORKERS
    printed = world.run("labour", "exposure")
    assert "130,565,970 workers" in printed and "Office and Administrative" in printed
    assert re.search(r"USD [\d.]+ (bn|tn)", printed) and "%" in printed

    crosswalk = world.json("labour", "crosswalk")
    assert crosswalk["matched_occupations"] == 887 and len(crosswalk["unmatched"]) == 36
    assert crosswalk["workers"] == JOINED_WORKERS
    assert "unmatched: 36 occupations" in world.run("labour", "crosswalk")

    listed = world.json("labour", "scenarios")
    assert {s["name"] for s in listed["scenarios"]} >= {"gradual", "rapid"}
    assert "us-baseline" in {p["name"] for p in listed["programmes"]}
    assert "USD 10,000 a year for 2 years" in world.run("labour", "scenarios")


def test_a_run_is_filed_listed_shown_and_reported(world: CommandWorld, tmp_path: Path) -> None:
    before = world.log_size()
    args = (
        "labour",
        "run",
        "--scenario",
        "gradual",
        "--programmes",
        "us-baseline",
        "--draws",
        DRAWS,
        "--seed",
        "3",
    )
    found = world.json(*args)
    assert world.log_size() > before
    results = found["results"]
    assert results["years"] == list(range(2025, 2035)) and found["registry"] is False
    cumulative = results["cumulative_displaced_workers"]["p50"]
    assert all(a <= b for a, b in pairwise(cumulative))
    # The horizon's median is the median of each draw's cumulative displacement at its end.
    assert results["horizon_displaced_workers_p50"] == pytest.approx(cumulative[-1])
    for payer, share in {"budget": 0.5, "deployer_levy": 0.4, "liability_pool": 0.1}.items():
        assert results["allocation_share"][payer] == share
        assert results["allocation_usd"][payer] == pytest.approx(
            [share * v for v in results["total_cost_usd"]["p50"]]
        )
    again = world.json(*args)
    assert again["results"] == results  # the same seed, the same figures

    assert [run["run_id"] for run in world.json("labour", "runs")] == [again["run_id"], found["run_id"]]
    shown = world.run("labour", "show", found["run_id"])
    assert f"labour run {found['run_id']}" in shown and "workers displaced" in shown
    assert re.search(r"safety nets cost USD [\d.]+ bn", shown) and "Q1: wage quintile 1 of 5" in shown
    assert "gradual with us-baseline" in world.run("labour", "runs")

    page = tmp_path / "report.html"
    assert "wrote" in world.run("labour", "report", found["run_id"], "--output", str(page))
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and found["run_id"] in html and "<script" not in html


def test_the_registry_drives_adoption_and_a_what_if_moves_it(world: CommandWorld, linked: Path) -> None:
    base = ("labour", "run", "--scenario", str(linked), "--programmes", "us-baseline", "--draws", DRAWS)
    driven = world.json(*base)
    assert driven["registry"] is True and driven["deployments_per_sector"] == {"finance": 2, "health": 1}
    shares = weights()
    groups = set(shares["finance"]) | set(shares["health"])
    for group in groups:
        by_hand = min(1.0, (2 * shares["finance"].get(group, 0.0) + shares["health"].get(group, 0.0)) / 10)
        assert driven["multipliers"][group] == pytest.approx(by_hand)
    levy = driven["results"]["levy"]
    assert {share["name"] for share in levy} == {"Bank One", "Clinic"}
    assert sum(share["share"] for share in levy) == pytest.approx(1.0)
    assert [sum(year) for year in zip(*(share["levy_usd"] for share in levy), strict=True)] == pytest.approx(
        driven["results"]["allocation_usd"]["deployer_levy"]
    )

    more = world.json(*base, "--what-if", "finance=100")
    assert more["deployments_per_sector"]["finance"] == 102 and more["what_if"] == {"finance": 100}
    assert all(more["multipliers"][g] >= driven["multipliers"][g] for g in driven["multipliers"])
    assert (
        more["results"]["horizon_displaced_workers_p50"] > driven["results"]["horizon_displaced_workers_p50"]
    )
    shown = world.run("labour", "show", more["run_id"])
    assert "adoption driven by the registry" in shown and "finance +100" in shown

    unlinked = world.json(*base, "--no-registry")
    assert unlinked["registry"] is False and unlinked["multipliers"] == {}


def test_bad_input_is_one_line_and_files_nothing(world: CommandWorld, linked: Path, tmp_path: Path) -> None:
    run = ("labour", "run", "--programmes", "us-baseline")
    cases = {
        ("labour", "exposure", "--measure", "beta"): "--measure is one of",
        ("labour", "exposure", "--level", "sector"): "--level is one of",
        (*run, "--scenario", "gradual", "--what-if", "finance"): "--what-if takes SECTOR=N",
        (
            *run,
            "--scenario",
            str(linked),
            "--what-if",
            "finance=1",
            "--what-if",
            "finance=2",
        ): "finance twice",
        (*run, "--scenario", str(linked), "--what-if", "finance=-5"): "what_if.finance",
        (*run, "--scenario", str(linked), "--what-if", "mining=5"): "unknown sector mining",
        (*run, "--scenario", "gradual", "--what-if", "finance=5"): "registry block",
        (*run, "--scenario", "nope"): "no shipped scenario 'nope'",
        (*run, "--scenario", "gradual", "--draws", "0"): "draws",
        (*run, "--scenario", "gradual", "--draws", "100001"): "draws",
        (*run, "--scenario", str(tmp_path / "missing.yaml")): "cannot read",
        ("labour", "show", "NOPE"): "no labour run 'NOPE'",
    }
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nadoption: []\n", encoding="utf-8")
    cases[(*run, "--scenario", str(broken))] = "adoption"
    for args, reason in cases.items():
        assert reason in world.refused(*args), args


def test_through_the_api_everyone_reads_and_only_supervisors_run(
    world: CommandWorld, api: TestClient
) -> None:
    supervisor = world.token("supervisor", "Authority")
    filed = world.json(
        "labour", "run", "--scenario", "gradual", "--programmes", "us-baseline", "--draws", DRAWS, *supervisor
    )
    deployer = world.token("deployer", world.ids["Clinic"])
    assert world.json("labour", "headline", *deployer)["agrees"] is True
    assert world.json("labour", "exposure", "--measure", "human_alpha", *deployer)["measure"] == "human_alpha"
    assert [run["run_id"] for run in world.json("labour", "runs", *deployer)] == [filed["run_id"]]
    assert world.json("labour", "show", filed["run_id"], *deployer)["results"] == filed["results"]
    world.refused("labour", "run", "--scenario", "gradual", "--programmes", "us-baseline", *deployer)


def run_args(*more: str) -> tuple[str, ...]:
    return ("labour", "run", "--programmes", "us-baseline", "--draws", DRAWS, *more)


def test_public_reads_over_the_url_need_no_token(
    world: CommandWorld, api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUSTOS_TOKEN", raising=False)
    filed = world.json(*run_args("--scenario", "gradual"))
    anonymous = ("--url", URL)
    assert world.json("labour", "headline", *anonymous)["agrees"] is True
    assert world.json("labour", "exposure", *anonymous)["level"] == "group"
    assert world.json("labour", "crosswalk", *anonymous)["workers"] == JOINED_WORKERS
    assert [s["name"] for s in world.json("labour", "scenarios", *anonymous)["scenarios"]] == [
        "gradual",
        "rapid",
        "registry-linked",
    ]
    assert [run["run_id"] for run in world.json("labour", "runs", *anonymous)] == [filed["run_id"]]
    assert world.json("labour", "show", filed["run_id"], *anonymous)["results"] == filed["results"]
    world.run("labour", "report", filed["run_id"], "-o", str(tmp_path / "r.html"), *anonymous)
    # starting a run files, so it still needs a token
    assert "--url needs --token" in world.refused(*run_args("--scenario", "gradual"), *anonymous)


def test_the_shipped_data_reads_without_an_installation(tmp_path: Path) -> None:
    nowhere = CommandWorld(tmp_path / "no-installation", URL)
    assert nowhere.json("labour", "headline")["agrees"] is True
    assert nowhere.json("labour", "exposure", "--level", "occupation")["level"] == "occupation"
    assert nowhere.json("labour", "crosswalk")["workers"] == JOINED_WORKERS
    assert len(nowhere.json("labour", "scenarios")["programmes"]) == 1
    assert not (tmp_path / "no-installation").exists()


def test_yaml_refusals_are_one_line_naming_the_file_line_and_field(
    world: CommandWorld, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ndescription: fine\nsource: a: b\n", encoding="utf-8")
    shown = world.refused(*run_args("--scenario", str(broken)))
    assert f"{broken}:3: not YAML: mapping values are not allowed here" in shown
    falling = tmp_path / "falling.yaml"
    text = (SCENARIOS / "gradual.yaml").read_text(encoding="utf-8").replace("name: gradual", "name: falling")
    falling.write_text(text.replace("{year: 2027, low: 0.0711", "{year: 2027, low: 0.01"), encoding="utf-8")
    line = 1 + text.splitlines().index("  - {year: 2027, low: 0.0711, high: 0.15}")
    shown = world.refused(*run_args("--scenario", str(falling)))
    assert f"{falling}:{line}: adoption.2: adoption must not fall: 2027 is below 2026" in shown
    assert "Value error" not in shown and "problems" not in shown and "[{" not in shown
    design = tmp_path / "design.yaml"
    design.write_text("name: mine\nallocation: {budget: 0.5, deployer_levy: 0.4, liability_pool: 0.2}\n")
    shown = world.refused("labour", "run", "--scenario", "gradual", "--programmes", str(design))
    assert f"{design}:2: allocation: budget, deployer_levy and liability_pool must sum to 1" in shown
    assert "Value error" not in shown and "[{" not in shown
    shown = world.refused(*run_args("--scenario", "gradual", "--no-registry", "--what-if", "mining=5"))
    assert "{" not in shown and "[" not in shown


def test_a_file_may_not_take_a_shipped_name(world: CommandWorld, tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text((SCENARIOS / "rapid.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shown = world.refused(*run_args("--scenario", str(copy)))
    assert f"{copy}: name 'rapid' is a shipped scenario's; name yours otherwise" in shown


def test_a_run_reads_whole_at_80_columns(world: CommandWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    shown = world.run(*run_args("--scenario", "gradual", "--draws", "1"))
    starts = {line.split()[0] for line in shown.splitlines() if line.split()}
    assert {str(year) for year in range(2025, 2035)} <= starts  # a year never wraps in two
    assert "1 draw," in shown and "1 draws" not in shown
    assert "1 draw," in world.run("labour", "runs")


def test_a_programme_not_in_the_design_shows_no_cost(world: CommandWorld, tmp_path: Path) -> None:
    design = tmp_path / "ui-only.yaml"
    design.write_text(
        "name: ui-only\nunemployment_insurance: {replacement_rate: 0.45, weekly_cap_usd: 550, "
        "duration_weeks: 26}\nallocation: {budget: 1, deployer_levy: 0, liability_pool: 0}\n",
        encoding="utf-8",
    )
    run = ("labour", "run", "--scenario", "gradual", "--programmes", str(design), "--draws", DRAWS)
    found = world.json(*run)
    assert found["programmes_in_design"] == ["unemployment_insurance"]
    shown = world.run(*run)
    costs = shown[shown.index("Cost per programme") :].split("Who bears")[0]
    year_rows = [line.split() for line in costs.splitlines() if line.strip().startswith("2025")]
    assert year_rows and year_rows[0][3:5] == ["—", "—"]  # "2025 975 m — —": wage insurance, retraining
    assert "0.00" not in costs


def test_a_levy_no_deployment_shares_is_said_to_have_no_payer(tmp_path: Path) -> None:
    empty = CommandWorld(tmp_path / "home", URL)
    empty.run("init", "--origin", "labour.example/log", "--authority", "Authority", "-j", "EU")
    found = empty.json(*run_args("--scenario", "gradual"))
    assert found["results"]["levy"] == []
    (note,) = found["notes"]
    assert "deployer levy (40% of the cost) has no payer" in note
    assert f"warning: {note}" in " ".join(empty.run(*run_args("--scenario", "gradual")).split())


def test_the_headline_has_paper_figures_for_the_paper_measure_only(world: CommandWorld) -> None:
    headline = world.json("labour", "headline")
    for measure in headline["measures"]:
        paper = (
            measure["paper_at_least_tenth_share"],
            measure["paper_over_half_share"],
            measure["difference_over_half_share"],
            measure["agrees"],
        )
        if measure["measure"] == "human_beta":
            assert paper[:2] == (0.80, 0.19) and paper[3] is True
        else:
            assert paper == (None, None, None, None)
    rows = [line.split() for line in world.run("labour", "headline").splitlines() if line.strip()]
    (alpha,) = [row for row in rows if row[0] == "human_alpha"]
    assert alpha.count("—") == 3  # both paper columns and "agrees"


def test_json_carries_zoned_times_and_whole_workers(world: CommandWorld, api: TestClient) -> None:
    filed = world.json(*run_args("--scenario", "gradual"))
    assert filed["filed_at"].endswith(("Z", "+00:00"))
    assert world.json("labour", "runs")[0]["filed_at"].endswith(("Z", "+00:00"))
    exposure = world.json("labour", "exposure")
    assert isinstance(exposure["workers"], int) and exposure["workers"] == JOINED_WORKERS
    assert all(isinstance(row["workers"], int) for row in exposure["rows"])
    assert all(isinstance(m["workers"], int) for m in world.json("labour", "headline")["measures"])
    detail = api.get("/v1/labour/runs/NOPE").json()["detail"]
    assert detail == "no labour run 'NOPE'"
