"""Safety nets for displaced workers as programme designs, what each pays a worker, and who bears
the cost.

A design is a set of policy levers, not an estimate, so its figures are fixed values; the
uncertainty of what it costs comes from the scenario's draws. Three programmes, each optional:

- unemployment insurance pays ``min(replacement_rate × wage / 52, weekly_cap_usd)`` a week while
  the worker is out of work, for at most ``duration_weeks``. Spells are exponential with the
  hazard ``λ = −ln(1 − r′)`` a year that re-employs a share ``r′`` within a year, so the weeks paid
  are ``E[min(T, D)] = (1 − e^{−λD}) / λ`` years (``D`` the duration in years), times 52; paid in
  the year of displacement;
- wage insurance pays the re-employed (the share ``r′`` of the displaced) ``min(share × |w| ×
  wage, annual_cap_usd)`` a year for ``duration_years`` from the year of displacement, ``w`` the
  wage change on re-employment;
- retraining costs ``take_up × cost_per_worker_usd`` per displaced worker in the year of
  displacement, and raises re-employment: ``r′ = r + take_up × completion × placement × (1 − r)``.

Every amount is in US dollars, as the BLS wages it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.labor.documents import Refused, load_document
from custos.labor.scenario import Share, read_text

FloatArray = npt.NDArray[np.float64]

#: The programme designs shipped with Custos, one YAML file each.
PROGRAMMES = Path(__file__).resolve().parent / "data" / "programmes"
WEEKS_A_YEAR = 52
#: How far the allocation's shares may sum away from 1 (rounding in a hand-written file).
ALLOCATION_TOLERANCE = 1e-9


class ProgrammeError(Refused):
    """A programme design is refused; ``evidence`` names every problem, its file and its line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UnemploymentInsurance(_Strict):
    replacement_rate: Share = Field(description="Share of the weekly wage paid")
    weekly_cap_usd: float = Field(gt=0, allow_inf_nan=False, description="Most paid a week, USD")
    duration_weeks: float = Field(gt=0, le=260, allow_inf_nan=False, description="Longest a benefit is paid")


class WageInsurance(_Strict):
    share: Share = Field(description="Share of the wage lost on re-employment that is made up")
    annual_cap_usd: float = Field(ge=0, allow_inf_nan=False, description="Most paid a year, USD")
    duration_years: int = Field(ge=1, le=20, description="Years paid, from the year of displacement")


class Retraining(_Strict):
    cost_per_worker_usd: float = Field(
        ge=0, allow_inf_nan=False, description="Per worker who takes it up, USD"
    )
    take_up: Share
    completion_rate: Share
    placement_rate: Share = Field(description="Share of completers re-employed who otherwise would not be")


class Allocation(_Strict):
    """Who bears the cost, as shares summing to 1: the general budget, a levy on deployers in
    proportion to their deployments' exposure, and the liability pool."""

    budget: Share
    deployer_levy: Share
    liability_pool: Share

    @model_validator(mode="after")
    def _whole(self) -> Allocation:
        total = self.budget + self.deployer_levy + self.liability_pool
        if abs(total - 1) > ALLOCATION_TOLERANCE:
            raise ValueError(f"budget, deployer_levy and liability_pool must sum to 1, not {total:.12g}")
        return self

    def shares(self) -> dict[str, float]:
        return {
            "budget": self.budget,
            "deployer_levy": self.deployer_levy,
            "liability_pool": self.liability_pool,
        }


class ProgrammeDesign(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5_000)
    source: str | None = Field(None, max_length=5_000, description="Where the parameters come from")
    unemployment_insurance: UnemploymentInsurance | None = None
    wage_insurance: WageInsurance | None = None
    retraining: Retraining | None = None
    allocation: Allocation


def load_programmes(text_or_path: str | Path, origin: str = "<programmes>") -> ProgrammeDesign:
    """Parse and validate a programme design, naming every problem with its file and line."""
    text, origin = read_text(text_or_path, origin, ProgrammeError)
    return load_document(text, origin, ProgrammeDesign, ProgrammeError, "programme design")


def with_retraining(reemployment: FloatArray, retraining: Retraining | None) -> FloatArray:
    """``r′ = r + take_up × completion × placement × (1 − r)``: retraining places some of those
    who would otherwise stay out."""
    if retraining is None:
        return reemployment
    placed = retraining.take_up * retraining.completion_rate * retraining.placement_rate
    return reemployment + placed * (1 - reemployment)


def expected_years_out(reemployment: FloatArray, years: float) -> FloatArray:
    """``E[min(T, years)]`` in years for an exponential spell ``T`` that ends within a year with
    probability ``reemployment``: ``(1 − e^{−λ·years}) / λ``, ``λ = −ln(1 − r)``; ``years`` when
    no one is re-employed, 0 when everyone is at once."""
    r = np.asarray(reemployment, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = -np.log1p(-r) * years  # λ·years; its series where tiny, as the ratio loses digits
        share = np.where(scaled < 1e-8, 1 - scaled / 2, -np.expm1(-scaled) / scaled)
    return np.where(r >= 1, 0.0, years * share)


def weekly_benefit(wages: FloatArray, insurance: UnemploymentInsurance) -> FloatArray:
    """Unemployment benefit a week, USD: ``min(replacement_rate × wage / 52, weekly_cap_usd)``."""
    return np.minimum(insurance.replacement_rate * wages / WEEKS_A_YEAR, insurance.weekly_cap_usd)


@dataclass(frozen=True)
class ProgrammeCosts:
    """What each programme costs, USD, one row per draw and one column per year."""

    unemployment_insurance: FloatArray
    wage_insurance: FloatArray
    retraining: FloatArray

    @property
    def total(self) -> FloatArray:
        return self.unemployment_insurance + self.wage_insurance + self.retraining

    def by_programme(self) -> dict[str, FloatArray]:
        return {
            "unemployment_insurance": self.unemployment_insurance,
            "wage_insurance": self.wage_insurance,
            "retraining": self.retraining,
        }

    def allocated(self, allocation: Allocation) -> dict[str, FloatArray]:
        """The total cost each payer bears, draw by draw and year by year."""
        total = self.total
        return {payer: share * total for payer, share in allocation.shares().items()}
