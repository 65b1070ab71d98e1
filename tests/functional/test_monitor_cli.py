"""``custos monitor`` as a supervisor runs it on the installation and through the API. Four firms
deploy two deployments each on the host Cloud and one more elsewhere; a replayed hour and a half
in which Cloud fails for its last half hour files a systemic alert about Cloud and an incident,
the system view shows Cloud's eight deployments degraded, and bad input is refused in one line
with exit code 2, nothing filed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from custos.access.service import operator
from custos.cli.monitor_cmds import sparkline
from custos.registry.model import DeploymentRegistration, ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.cli_world import CommandWorld
from tests.functional.test_peers_cli import opened
from tests.servers import serving

FIRMS = ("Bank A", "Bank B", "Insurer C", "Fund D")
#: The simulator's availability while a host fails (``simulation._figures``) and its normal floor.
FAILING = (0.2, 0.5)
NORMAL_FLOOR = 0.99


def _world(home: Path) -> CommandWorld:
    made = CommandWorld(home, "http://monitor.example")
    made.run("init", "--origin", "monitor.example/log", "--authority", "Authority", "-j", "EU")
    for name in ("Lab", "Cloud", "Other Cloud", *FIRMS):
        made.ids[name] = made.json("orgs", "add", name, "-j", "FR", "--country", "FR")["id"]
    with opened(made.home) as store:
        registry, by = RegistryService(store), operator(store)
        model = registry.register_model(ModelRegistration(name="m", provider_id=made.ids["Lab"]), by=by).id
        hosted = [(firm, "Cloud", n) for firm in FIRMS for n in (1, 2)] + [("Fund D", "Other Cloud", 3)]
        for firm, host, n in hosted:
            terms = {
                "name": f"{firm} {n}",
                "deployer_id": made.ids[firm],
                "model_id": model,
                "jurisdictions": ["FR"],
                "sector": "finance",
                "economic_exposure": {"amount": "5000000", "currency": "EUR"},
                "hosting_provider_id": made.ids[host],
            }
            made.ids[f"{firm} {n}"] = registry.register_deployment(
                DeploymentRegistration.model_validate(terms), by=by
            ).id
    return made


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[CommandWorld, dict[str, Any]]:
    made = _world(tmp_path_factory.mktemp("monitor") / "home")
    summary = made.json("monitor", "simulate", "--minutes", "90", "--outage-after", "60")
    return made, summary


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    return _world(tmp_path / "home")


def test_a_host_outage_files_a_systemic_alert_and_an_incident(
    simulated: tuple[CommandWorld, dict[str, Any]],
) -> None:
    made, summary = simulated
    assert summary["points"] == 90 * 9 * 8 and summary["rejected"] == 0  # 9 deployments, 8 figures a minute
    assert summary["host_id"] == made.ids["Cloud"]  # the host behind the most firms
    assert summary["systemic_alerts"] and summary["latency_seconds"] is not None
    found = made.json("monitor", "alerts", "--open")
    host = [a for a in found if a["kind"] == "systemic" and a["group_by"] == "host"]
    assert [a["group"] for a in host] == [made.ids["Cloud"]]
    assert host[0]["deployments"] == 8 and host[0]["exposure_eur"] == 8 * 5_000_000
    assert host[0]["chance"] < 1e-6 and host[0]["id"] in summary["systemic_alerts"]
    incident = made.json("incident", "show", host[0]["incident_id"])
    assert sorted(incident["deployment_ids"]) == sorted(made.ids[f"{f} {n}"] for f in FIRMS for n in (1, 2))
    # The outage began at the 60th minute: the alert is dated by its first member's onset, which a
    # member's own earlier glitch within the window (10 minutes) may bring forward, never more.
    began = datetime.fromisoformat(summary["outage_start"])
    assert datetime.fromisoformat(host[0]["raised_at"]) >= began - timedelta(minutes=10)
    shown = made.run("monitor", "alerts", "--open")
    assert "SYSTEMIC host Cloud: 8 deployments, EUR 40 m" in shown


def test_the_system_view_shows_the_hosts_deployments_degraded(
    simulated: tuple[CommandWorld, dict[str, Any]],
) -> None:
    made, _ = simulated
    found = made.json("monitor", "status")
    assert found["watched"] == 9 and found["institutions"] == 4
    cloud = next(h for h in found["by_host"] if h["id"] == made.ids["Cloud"])
    assert (cloud["name"], cloud["deployments"], cloud["degraded"]) == ("Cloud", 8, 8)
    assert cloud["affected_eur"] == 8 * 5_000_000
    shown = made.run("monitor", "status")
    assert "By host" in shown and "Cloud" in shown and "EUR 40 m" in shown


def test_a_series_is_the_minutes_sent_and_reads_in_percent(
    simulated: tuple[CommandWorld, dict[str, Any]],
) -> None:
    made, summary = simulated
    deployment = made.ids["Bank A 1"]
    found = made.json("monitor", "series", deployment, "availability")
    began = datetime.fromisoformat(summary["outage_start"])
    assert found["resolution"] == "raw" and len(found["points"]) == 90
    for point in found["points"]:
        value = point["value"]
        if datetime.fromisoformat(point["at"]) >= began:
            assert FAILING[0] <= value <= FAILING[1]
        else:
            assert NORMAL_FLOOR < value <= 1
    shown = made.run("monitor", "series", deployment, "availability", "--rows", "5")
    assert "the newest 5:" in shown and "%" in shown and "▁" in shown and "█" in shown
    latency = made.run("monitor", "series", deployment, "latency_p50", "--rows", "3")
    assert " ms" in latency or " s" in latency
    start = (began - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    narrowed = made.json("monitor", "series", deployment, "error_rate", "--start", start)
    assert len(narrowed["points"]) == 40  # ten minutes before the outage and its thirty


def test_deployments_list_each_with_its_degraded_figures(
    simulated: tuple[CommandWorld, dict[str, Any]],
) -> None:
    made, _ = simulated
    found = {d["deployment_id"]: d for d in made.json("monitor", "deployments")}
    assert len(found) == 9
    on_cloud = [made.ids[f"{f} {n}"] for f in FIRMS for n in (1, 2)]
    assert all(found[d]["degraded"] for d in on_cloud)
    availability = {f["figure"]: f for f in found[on_cloud[0]]["figures"]}["availability"]
    assert availability["degraded"] and availability["unit"] == "1"


def test_a_bad_figure_or_moment_is_one_line(simulated: tuple[CommandWorld, dict[str, Any]]) -> None:
    made, _ = simulated
    deployment = made.ids["Bank A 1"]
    assert "figure: 'speed' is not one of availability" in made.refused(
        "monitor", "series", deployment, "speed"
    )
    assert "--start takes a moment" in made.refused(
        "monitor", "series", deployment, "availability", "--start", "x"
    )
    assert "no deployment 'nope'" in made.refused("monitor", "series", "nope", "availability")
    assert "--limit takes 1 to 1,000" in made.refused("monitor", "alerts", "--limit", "0")


def test_thresholds_are_shown_set_and_a_bad_field_is_named(world: CommandWorld, tmp_path: Path) -> None:
    assert world.json("monitor", "thresholds")["chance"] == 1e-6
    bad = tmp_path / "bad.yaml"
    bad.write_text("cusum_h: -1\nwindow: 5\n", encoding="utf-8")
    refused = world.refused("monitor", "thresholds", "--set", str(bad))
    assert "cusum_h" in refused and "window" in refused
    good = tmp_path / "good.json"
    good.write_text(
        '{"chance": 0.001, "min_deployments": 4, "reason": "fewer false alarms"}', encoding="utf-8"
    )
    assert world.json("monitor", "thresholds", "--set", str(good))["min_deployments"] == 4
    assert world.json("monitor", "thresholds")["chance"] == 0.001
    assert "chance: 0.001" in world.run("monitor", "thresholds")


def test_enrolment_and_its_refusals(world: CommandWorld) -> None:
    deployment = world.ids["Bank A 1"]
    filed = world.json("monitor", "enrol", deployment, "--figure", "availability", "--figure", "error_rate")
    assert filed["figures"] == ["availability", "error_rate"] and filed["interval_seconds"] == 60
    assert filed["valid_until"] == (datetime.now(UTC).date() + timedelta(days=365)).isoformat()
    assert [e["deployment_id"] for e in world.json("monitor", "enrolments")] == [deployment]
    assert "availability" in world.refused("monitor", "enrol", deployment, "--figure", "speed")
    assert "--figure" in world.refused("monitor", "enrol", deployment)
    assert "valid_until" in world.refused(
        "monitor", "enrol", deployment, "--figure", "volume", "--valid-until", "2999-01-01"
    )


def test_simulation_refuses_what_cannot_be_replayed(world: CommandWorld) -> None:
    for args, named in (
        (("--outage-at", "10:00", "--outage-after", "5"), "not both"),
        (("--minutes", "90", "--outage-after", "90"), "--outage-after takes 0 to 89"),
        (
            (
                "--minutes",
                "0",
            ),
            "--minutes takes 1 to",
        ),
        (("--outage-at", "25:99"), "--outage-at takes a time of day"),
        (("--speed", "0"), "--speed"),
        (("--host", "Nobody"), "--host 'Nobody' hosts no deployment"),
    ):
        assert named in world.refused("monitor", "simulate", *args)


def test_a_summary_of_today_or_of_a_day_without_telemetry_is_refused(world: CommandWorld) -> None:
    today = datetime.now(UTC).date()
    assert "is not over yet" in world.refused("monitor", "summarise", today.isoformat())
    yesterday = (today - timedelta(days=1)).isoformat()
    assert f"no telemetry of {yesterday} is kept" in world.refused("monitor", "summarise", yesterday)
    assert world.json("monitor", "summaries") == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], ""),
        ([1, 1, 1], "▁▁▁"),
        ([0, 7], "▁█"),
        ([0, 1, 2, 3, 4, 5, 6, 7], "▁▂▃▄▅▆▇█"),
        ([0, 0, 7, 7], "▁█"),
    ],
)
def test_a_sparkline_scales_from_the_lowest_to_the_highest(values: list[float], expected: str) -> None:
    width = 2 if len(values) == 4 else 60  # four points in two characters: each the mean of two
    assert sparkline(values, width) == expected


def test_a_supervisor_replays_through_a_real_server(world: CommandWorld) -> None:
    with serving(world.home) as url:
        world.url = url
        acting = world.token("supervisor", "Lab")
        summary = world.json("monitor", "simulate", "--minutes", "40", "--outage-after", "35", *acting)
        assert summary["points"] == 40 * 9 * 8 and summary["rejected"] == 0
        found = world.json("monitor", "status", *acting)
        assert found["watched"] == 9
        series = world.json("monitor", "series", world.ids["Fund D 3"], "volume", *acting)
        assert len(series["points"]) == 40 and all(p["value"] >= 0 for p in series["points"])
        refused = world.refused("monitor", "series", world.ids["Fund D 3"], "speed", *acting)
        assert "speed" in refused
