"""The labour instrument: which occupations language models reach, how many workers a path of
adoption could displace, and what cushioning them would cost.

Computations are pure functions over arrays and dataclasses, so they run in a notebook, a test or
a worker; reading the shipped data is ``custos.labor.sources``. Every money figure is in US
dollars, as the BLS wages it rests on.
"""

from custos.labor.adoption import adoption_multipliers
from custos.labor.distribution import Breakdown, DistributionRow, major_groups, wage_quintiles
from custos.labor.exposure import (
    HEADLINE_TOLERANCE,
    ExposureTable,
    Headline,
    by_major_group,
    by_occupation,
    headline,
)
from custos.labor.montecarlo import Displacement, Simulation, simulate
from custos.labor.occupations import (
    DEFAULT_MEASURE,
    Crosswalk,
    Measure,
    OccupationTable,
    OnetOccupation,
    SocFigures,
    Unmatched,
    crosswalk,
    split_evenly,
)
from custos.labor.safety_nets import (
    PROGRAMMES,
    Allocation,
    ProgrammeCosts,
    ProgrammeDesign,
    ProgrammeError,
    Retraining,
    UnemploymentInsurance,
    WageInsurance,
    load_programmes,
)
from custos.labor.scenario import SCENARIOS, Scenario, ScenarioError, load_scenario
from custos.labor.sources import data_digests, load_crosswalk, sector_weights
from custos.labor.summary import Percentiles, percentiles

__all__ = [
    "DEFAULT_MEASURE",
    "HEADLINE_TOLERANCE",
    "PROGRAMMES",
    "SCENARIOS",
    "Allocation",
    "Breakdown",
    "Crosswalk",
    "Displacement",
    "DistributionRow",
    "ExposureTable",
    "Headline",
    "Measure",
    "OccupationTable",
    "OnetOccupation",
    "Percentiles",
    "ProgrammeCosts",
    "ProgrammeDesign",
    "ProgrammeError",
    "Retraining",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SocFigures",
    "UnemploymentInsurance",
    "Unmatched",
    "WageInsurance",
    "adoption_multipliers",
    "by_major_group",
    "by_occupation",
    "crosswalk",
    "data_digests",
    "headline",
    "load_crosswalk",
    "load_programmes",
    "load_scenario",
    "major_groups",
    "percentiles",
    "sector_weights",
    "simulate",
    "split_evenly",
    "wage_quintiles",
]
