"""Epoch's chip-owner series summed over chip types: against the shipped files read here
independently, and the rules for quarters where a series has not started or has ended."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from custos.markets.compute_shares import owners_by_quarter
from custos.risk.adapters.compute_owners import DATA, ChipSeries, OwnerEstimate, compute_by_owner


def series(chip: str, quarters: dict[date, dict[str, float]]) -> ChipSeries:
    return ChipSeries(
        chip,
        {
            end: {o: OwnerEstimate(m, m / 2, m * 2) for o, m in owners.items()}
            for end, owners in quarters.items()
        },
    )


Q1, Q2, Q3 = date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30)


def test_a_series_not_yet_started_counts_as_none_and_one_ended_cuts_the_comparison() -> None:
    gpus = series("gpu", {Q1: {"A": 10, "B": 5}, Q2: {"A": 20, "B": 5}, Q3: {"A": 30, "B": 5}})
    tpus = series("tpu", {Q2: {"A": 1, "C": 4}})  # starts in Q2, ends in Q2
    quarters = owners_by_quarter([gpus, tpus])
    assert [q.end for q in quarters] == [Q1, Q2]  # Q3 left out: the TPU series has no figure there
    assert quarters[0].chips == ("gpu",) and quarters[1].chips == ("gpu", "tpu")
    assert quarters[0].owners == {"A": OwnerEstimate(10, 5, 20), "B": OwnerEstimate(5, 2.5, 10)}
    assert quarters[1].owners["A"] == OwnerEstimate(21, 10.5, 42)
    assert quarters[1].owners["C"] == OwnerEstimate(4, 2, 8)


def test_no_series_gives_no_quarter() -> None:
    assert owners_by_quarter([]) == []


def _read(name: str, end: str) -> dict[str, tuple[float, float, float]]:
    with (DATA / f"{name}_owners_cumulative_totals.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["Owner"]: (
                float(row["Compute estimate in H100e (median)"]),
                float(row["H100e (5th percentile)"]),
                float(row["H100e (95th percentile)"]),
            )
            for row in csv.DictReader(handle)
            if row["End date"] == end
        }


def test_the_shipped_series_sum_to_what_the_files_say() -> None:
    quarters = owners_by_quarter()
    assert quarters[-1].end == date(2025, 12, 31)  # AMD's and Trainium's series end there
    assert quarters[0].end == date(2022, 3, 31) and quarters[0].chips == ("nvidia",)
    latest = quarters[-1]
    by_chip = [_read(name, "12/31/2025") for name in ("amd", "nvidia", "tpu", "trainium")]
    for owner in ("Google", "Microsoft", "Amazon", "Meta"):
        expected = [sum(chip.get(owner, (0.0, 0.0, 0.0))[i] for chip in by_chip) for i in range(3)]
        found = latest.owners[owner]
        assert (found.median, found.low, found.high) == pytest.approx(expected)
    assert {"China", "Other"} <= set(latest.owners)  # named as Epoch names them


def test_the_latest_quarter_per_chip_type_is_what_the_demo_world_uses() -> None:
    google = compute_by_owner()["Google"]
    nvidia, tpu = _read("nvidia", "3/31/2026"), _read("tpu", "3/31/2026")
    assert google == pytest.approx(nvidia["Google"][0] + tpu["Google"][0])
