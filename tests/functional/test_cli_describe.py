"""Records printed for people: units guessed from the field, nesting indented, nothing empty."""

from __future__ import annotations

import pytest

from custos.cli import output


def test_a_record_reads_with_its_units(capsys: pytest.CaptureFixture[str]) -> None:
    output.describe(
        {
            "name": "Frontier",
            "training_flop": 3.810001e25,
            "completeness": 0.2667,
            "filed_at": "2026-12-02T21:33:07.394723+00:00",
            "exposure": {"amount": "1768545595.93", "currency": "EUR"},
            "scope": {"jurisdictions": ["EU", "DE"], "max_users": None, "sectors": []},
            "release_year": 2024,
            "draws": 100000,
            "energy": {"kwh": None},
            "notes": "",
        }
    )
    printed = capsys.readouterr().out
    for expected in (
        "training_flop: 3.81 × 10^25 FLOP",
        "completeness: 26.7%",
        "filed_at: 2026-12-02 21:33 UTC",
        "exposure: EUR 1.77 bn",
        "jurisdictions: EU, DE",
        "release_year: 2024",
        "draws: 100,000",
    ):
        assert expected in printed, printed
    for absent in ("max_users", "sectors", "energy", "notes", "None", "{", "'"):
        assert absent not in printed, printed
