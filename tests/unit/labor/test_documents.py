"""Labour documents are refused in one line a person can act on, and filed runs of an older shape
still read."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest

from custos.labor.filings import LevyShare
from custos.labor.safety_nets import ProgrammeError, load_programmes
from custos.labor.scenario import SCENARIOS, ScenarioError, load_scenario


def test_text_that_is_not_yaml_is_one_line_naming_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ndescription: fine\nsource: a: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(broken)
    message = refused.value.diagnostics()
    assert message == (
        f"the labour scenario is refused: {broken}:3: not YAML: mapping values are not allowed here"
    )
    assert refused.value.evidence["problems"][0]["line"] == 3  # programs still get the problems


def test_a_validator_reason_reads_without_pydantic_prefix_or_a_repr() -> None:
    text = "name: mine\nallocation: {budget: 0.5, deployer_levy: 0.4, liability_pool: 0.2}\n"
    with pytest.raises(ProgrammeError) as refused:
        load_programmes(text, "programmes_yaml")
    assert refused.value.diagnostics() == (
        "the programme design is refused: programmes_yaml:2: allocation: budget, deployer_levy and "
        "liability_pool must sum to 1, not 1.1"
    )


def test_a_levy_share_filed_under_the_old_name_still_reads() -> None:
    filed = {
        "organisation_id": "org-1",
        "name": "Bank One",
        "deployments": 2,
        "exposure_weighted_workers": 4.0e8,
        "share": 1.0,
        "levy_usd": [1.0],
    }
    share = LevyShare.model_validate(filed)
    assert share.exposure_weight == 4.0e8
    assert "exposure_weighted_workers" not in share.model_dump()


@pytest.mark.parametrize("name", ["gradual", "registry-linked"])
def test_the_gradual_path_rises_by_an_even_step_from_the_same_ends(name: str) -> None:
    adoption = load_scenario(SCENARIOS / f"{name}.yaml").adoption
    assert (adoption[0].low, adoption[0].high, adoption[-1].low, adoption[-1].high) == (0.02, 0.05, 0.25, 0.5)
    for ends, first, last in (("low", 0.02, 0.25), ("high", 0.05, 0.5)):
        steps = [getattr(after, ends) - getattr(before, ends) for before, after in pairwise(adoption)]
        assert steps == pytest.approx([(last - first) / 9] * 9, abs=1e-4), ends


def test_a_run_read_back_from_the_store_is_in_utc() -> None:
    from custos.labor.results import run_summary

    row = {
        "run_id": "01RUN",
        "id": "01FILING",
        "filed_at": datetime(2026, 12, 4, 22, 0),  # as SQLite returns it
        "filed_by": "Supervisor",
        "scenario": "gradual",
        "programmes": "us-baseline",
        "measure": "human_beta",
        "draws": 1,
        "seed": 0,
        "registry": False,
        "displaced_p50": 1.0,
        "total_cost_usd_p50": 1.0,
    }
    assert run_summary(row).filed_at == datetime(2026, 12, 4, 22, 0, tzinfo=UTC)
