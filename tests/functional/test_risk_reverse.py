"""The reverse stress test from the command line and over HTTP, on the shipped sample network.

North Cloud's outage at a 15% loss rate is the only failure the scenario gives a loss rate, and
it costs 72.3168 by hand (see ``tests/unit/risk/engine/test_stress_test.py``): Eisenberg–Noe
conserves value and nobody defaults, so the system loses exactly the operational loss."""

from __future__ import annotations

from pathlib import Path

import pytest

from custos.access.model import Role
from tests.functional.conftest import Api
from tests.functional.test_cli import run, run_json

SCENARIO = "name: North outage\nseed: 1\noutages: [{provider: cloud-north, loss_rate: 0.15}]\n"
NORTH_ALONE = 300 * 0.09 + 250 * 0.09 + 120 * 0.09 + 160 * 0.09 * 0.272 + 90 * 0.09


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    scenario = tmp_path / "north.yaml"
    scenario.write_text(SCENARIO)
    return home, scenario


def reverse(installed: tuple[Path, Path], threshold: str, *more: str, code: int = 0) -> str:
    return run(
        installed[0], "risk", "reverse", "--threshold", threshold, "--scenario", str(installed[1]),
        "--network", "sample", *more, code=code,
    )  # fmt: skip


def test_the_command_line_names_the_smallest_set_with_its_loss_and_method(
    installed: tuple[Path, Path],
) -> None:
    home, scenario = installed
    args = ["--threshold", "EUR 70", "--scenario", str(scenario), "--network", "sample"]
    data = run_json(home, "risk", "reverse", *args)
    assert isinstance(data, dict)
    assert data["method"] == "exhaustive" and data["size"] == 1 and data["breaching"] == 1
    (found,) = data["sets"]
    assert [unit["id"] for unit in found["units"]] == ["cloud-north"]
    assert found["loss"] == pytest.approx(NORTH_ALONE, rel=1e-12)
    assert data["threshold"] == 70 and data["network"]["currency"] == "EUR"
    out = reverse(installed, "70")
    assert "North Cloud" in out and "EUR 72.32" in out and "Method: exhaustive" in out


def test_a_threshold_nothing_reaches_says_so_with_the_worst_loss(installed: tuple[Path, Path]) -> None:
    out = reverse(installed, "EUR 0.08 m")  # 80,000: far above what North Cloud alone can cost
    assert "No set breaches it" in out and "EUR 72.32" in out


@pytest.mark.parametrize(
    ("threshold", "reason"),
    [
        ("lots", "is not an amount"),
        ("0", "is not a positive amount"),
        ("USD 70", "the threshold is in USD, the network's amounts in EUR"),
    ],
)
def test_a_bad_threshold_exits_2_with_the_reason(
    installed: tuple[Path, Path], threshold: str, reason: str
) -> None:
    assert reason in " ".join(reverse(installed, threshold, code=2).split())


def test_a_search_too_wide_exits_2(installed: tuple[Path, Path]) -> None:
    out = reverse(installed, "70", "--candidates", "200", "--max-size", "8", code=2)
    assert "more than" in out


def test_a_supervisor_asks_over_http_and_others_may_not(api: Api) -> None:
    body = {"scenario": SCENARIO, "network": "sample", "threshold": 70.0}
    answer = api.client.post("/v1/risk/reverse-stress", json=body, headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["size"] == 1 and data["sets"][0]["units"][0]["name"] == "North Cloud"
    assert data["sets"][0]["loss"] == pytest.approx(NORTH_ALONE, rel=1e-12)
    assert data["explanation"].startswith("exhaustive")
    refused = api.client.post("/v1/risk/reverse-stress", json=body, headers=api.headers(Role.PROVIDER))
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"threshold": -1}, 422, "threshold"),
        ({"candidates": 0}, 422, "candidates"),
        ({"scenario": "name: x\nseed: 1\ncompromises: [{model: nope, loss_rate: 0.2}]\n"}, 422, "nope"),
        ({"scenario": "name: calm\nseed: 1\n"}, 422, "no provider or model a loss rate"),
        ({"network": "atlantis"}, 404, "atlantis"),
    ],
)
def test_bad_requests_are_refused_with_the_reason(
    api: Api, change: dict[str, object], status: int, reason: str
) -> None:
    body = {"scenario": SCENARIO, "network": "sample", "threshold": 70.0, **change}
    answer = api.client.post("/v1/risk/reverse-stress", json=body, headers=api.headers(Role.SUPERVISOR))
    assert answer.status_code == status, answer.text
    assert reason in answer.text
