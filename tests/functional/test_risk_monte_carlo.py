"""A run's headline figures with their Monte Carlo error, as ``custos risk`` prints them, as its
status holds them and as its report shows them; a figure without an interval says why."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

from custos.core import units
from custos.risk import EXAMPLES
from tests.functional.test_cli import run, run_json

# 20 chunks of 1,000 draws: one batch each. A batch's tail holds 50 draws at 95% and 10 at 99%,
# but 5 at the capital level (99.5%) and 1 at 99.9%, too few for batch means.
SCENARIO = """
name: Correlated failures, with their Monte Carlo error
seed: 5
draws: 20000
chunk_size: 1000
correlated_failures:
  providers: {probability: 0.05, loss_rate: 0.6}
  models: {probability: 0.03, loss_rate: 0.5}
asset_shocks: [{sector: all, mean: -0.02, volatility: 0.05}]
levels: [0.95, 0.99, 0.999]
buffers: {capital_level: 0.995}
"""


def _interval(interval: list[float]) -> str:
    low, high = (units.money(bound, "EUR") for bound in interval)
    return f"95%: {low} – {high.removeprefix('EUR ')}"


def _with_interval(value: float, interval: list[float]) -> str:
    return f"{units.money(value, 'EUR')} ({_interval(interval)})"


def test_each_headline_figure_is_shown_with_its_interval_or_why_it_has_none(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO)
    done: Any = run_json(home, "risk", "run", str(scenario), "--network", str(EXAMPLES / "sample-network"))
    headline, system = done["status"]["headline"], done["results"]["system"]
    error = system["monte_carlo"]
    assert error["batches"] == 20 and done["results"]["engine"] == "custos-risk/4"
    low, high = headline["expected_loss_interval"]
    assert low < headline["expected_loss"] < high
    assert headline["expected_loss_interval"] == error["expected_loss"]["interval"]
    assert headline["value_at_risk_interval"]["0.999"] is None
    assert set(headline["expected_shortfall_interval"]) == {"0.95", "0.99", "0.999", "0.995"}
    assert headline["expected_shortfall_interval"]["0.995"] is None

    printed = " ".join(run(home, "risk", "report", done["status"]["id"]).split())
    assert _with_interval(headline["expected_loss"], [low, high]) in printed
    for level in ("0.95", "0.99"):
        shortfall = headline["expected_shortfall"][level]
        assert _with_interval(shortfall, headline["expected_shortfall_interval"][level]) in printed
    capital = units.money(error["expected_shortfall"]["0.995"]["estimate"], "EUR")
    assert f"ES 99.5% (capital level) {capital} (95%: none, see below)" in printed
    assert f"ES 99.9% {units.money(headline['expected_shortfall']['0.999'], 'EUR')} (95%: none" in printed
    assert (
        "No 95% interval: too few draws in each batch's tail at 99.9%: make at least 200,000 draws."
        in printed
    )
    assert (
        "No 95% interval: too few draws in each batch's tail at 99.5%: make at least 40,000 draws." in printed
    )
    assert "Student's t with 19 degrees of freedom" in printed

    report = (home / "risk-runs" / done["status"]["id"] / "report.html").read_text()
    section = report.split('aria-label="Headline figures">')[1].split("</section>")[0]
    tiles = " ".join(unescape(re.sub(r"<[^>]+>", " ", section)).split())
    assert f"Expected loss {units.money(headline['expected_loss'], 'EUR')} {_interval([low, high])}" in tiles
    assert (
        "no 95% interval: too few draws in each batch's tail at 99.9%: make at least 200,000 draws" in tiles
    )
    assert "Expected shortfall 99.5% (capital level)" in tiles


def test_a_run_draws_to_its_target_error_and_says_how(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO.replace("draws: 20000", "draws: 4000").replace("0.995", "0.95"))
    network = str(EXAMPLES / "sample-network")
    done: Any = run_json(home, "risk", "run", str(scenario), "--network", network, "--target-se", "0.5%")
    precision = done["results"]["precision"]
    assert precision["reached"] and precision["target_relative_standard_error"] == 0.005
    final = precision["rounds"][-1]
    assert done["status"]["draws"] == done["results"]["system"]["draws"] == final["draws"] > 4000
    printed = " ".join(run(home, "risk", "report", done["status"]["id"]).split())
    assert "Target relative standard error 0.5% of the expected shortfall at 95%: reached;" in printed
    assert (
        f"{units.count(final['draws'])} draws: {units.percent(final['relative_standard_error'])}." in printed
    )


def test_a_target_that_is_no_share_exits_2(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run(home, "init", "--origin", "example.org/custos")
    for bad, needle in (("two", "not a share"), ("150%", "not above 0% and below 100%"), ("0", "below 100%")):
        printed = run(home, "risk", "run", "cloud-outage", "--target-se", bad, code=2)
        assert needle in printed
    assert "give target_se (--target-se) too" in run(
        home, "risk", "run", "cloud-outage", "--max-draws", "5000", code=2
    )
