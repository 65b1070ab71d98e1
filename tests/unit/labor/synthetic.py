"""Small occupation tables and documents whose every figure can be checked by hand."""

from __future__ import annotations

import numpy as np

from custos.labor.occupations import Measure, OccupationTable
from custos.labor.safety_nets import ProgrammeDesign
from custos.labor.scenario import Scenario


def table(
    employment: list[float], wages: list[float], exposure: list[float], majors: list[str] | None = None
) -> OccupationTable:
    """A table with the same exposure under every measure; each occupation its own major group
    unless ``majors`` says otherwise."""
    rows = len(employment)
    majors = majors or [f"{10 + row:02d}-0000" for row in range(rows)]
    ratings = np.array(exposure, dtype=np.float64)
    return OccupationTable(
        onet_codes=tuple(f"{majors[row][:2]}-{1000 + row}.00" for row in range(rows)),
        titles=tuple(f"Occupation {row}" for row in range(rows)),
        soc_codes=tuple(f"{majors[row][:2]}-{1000 + row}" for row in range(rows)),
        major_codes=tuple(majors),
        major_titles={code: f"Group {code}" for code in majors},
        employment=np.array(employment, dtype=np.float64),
        wages=np.array(wages, dtype=np.float64),
        ratings={measure: ratings.copy() for measure in Measure},
    )


#: Three occupations: A (group 11, USD 52,000, exposure 0.05), B and C (group 15; USD 104,000 at
#: 0.4 and USD 26,000 at 0.8), one in each exposure band of ``SCENARIO``.
TABLE = table(
    [1000, 2000, 500], [52_000, 104_000, 26_000], [0.05, 0.4, 0.8], ["11-0000", "15-0000", "15-0000"]
)


def scenario(**changes: object) -> Scenario:
    """Every range a single value, so one draw is the whole model; ``changes`` replace fields."""
    document: dict[str, object] = {
        "name": "by hand",
        "adoption": [
            {"year": 2025, "low": 0.1, "high": 0.1},
            {"year": 2026, "low": 0.3, "high": 0.3},
            {"year": 2027, "low": 0.6, "high": 0.6},
        ],
        "automated_share": {"low": 0.5, "high": 0.5},
        "bands": [
            {"upper": 0.1, "elasticity": {"low": 0.2, "high": 0.2}},
            {"upper": 0.5, "elasticity": {"low": 0.5, "high": 0.5}},
            {"upper": 1.0, "elasticity": {"low": 1.0, "high": 1.0}},
        ],
        "reemployment_rate": {"low": 0.5, "high": 0.5},
        "wage_change": {"low": -0.2, "high": -0.2},
    }
    return Scenario.model_validate(document | changes)


def design(**changes: object) -> ProgrammeDesign:
    document: dict[str, object] = {
        "name": "by hand",
        "unemployment_insurance": {"replacement_rate": 0.5, "weekly_cap_usd": 600, "duration_weeks": 26},
        "wage_insurance": {"share": 0.5, "annual_cap_usd": 3000, "duration_years": 2},
        "retraining": {
            "cost_per_worker_usd": 10_000,
            "take_up": 0.5,
            "completion_rate": 0.8,
            "placement_rate": 0.5,
        },
        "allocation": {"budget": 0.5, "deployer_levy": 0.3, "liability_pool": 0.2},
    }
    return ProgrammeDesign.model_validate(document | changes)
