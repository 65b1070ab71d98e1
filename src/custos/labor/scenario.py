"""Labour scenarios: how fast exposed tasks are taken up, how much of that displaces workers, and
how displaced workers fare, each as a range the Monte Carlo draws from.

A scenario is a YAML document (shipped ones in ``data/scenarios``); every uncertain figure is a
range ``{low, high}`` and a draw takes one value uniformly within it. Ranges hold what the
evidence allows, not a point estimate dressed as one. Reading keeps the line of every entry, so a
refusal names the file, the line and the field (``rapid.yaml:12: wage_change.high: ...``).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from custos.labor.documents import AtEntry, Refused, load_document

#: The scenarios shipped with Custos, one YAML file each.
SCENARIOS = Path(__file__).resolve().parent / "data" / "scenarios"

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
E = TypeVar("E", bound=Refused)


class ScenarioError(Refused):
    """A labour scenario is refused; ``evidence`` names every problem, its file and its line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Range(_Strict):
    """A range a draw takes one value from, uniformly; ``low == high`` fixes the value."""

    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


class ShareRange(_Range):
    """A range of shares, both ends in [0, 1]."""

    low: Share
    high: Share


class ElasticityRange(_Range):
    """Workers displaced per unit of their tasks automated: 1 means the work automated takes its
    full share of jobs with it; below 1, output growth and new tasks keep some of them on."""

    low: float = Field(ge=0, allow_inf_nan=False)
    high: float = Field(ge=0, allow_inf_nan=False)


class ReemploymentRange(_Range):
    """The share of displaced workers re-employed within a year, below 1: a spell's hazard,
    ``-ln(1 - r)``, is infinite at 1."""

    low: float = Field(ge=0, lt=1, allow_inf_nan=False)
    high: float = Field(ge=0, lt=1, allow_inf_nan=False)


class WageChangeRange(_Range):
    """The change of a re-employed worker's wage, as a share of the old one: a loss, so at most 0."""

    low: float = Field(ge=-1, le=0, allow_inf_nan=False)
    high: float = Field(ge=-1, le=0, allow_inf_nan=False)


class AdoptionStep(ShareRange):
    """The cumulative share of exposed tasks in use by the end of ``year``."""

    year: int = Field(ge=1900, le=2200)


class ExposureBand(_Strict):
    """Occupations whose exposure lies above the previous band's ``upper`` and at most this one's
    (the first band starts at 0 inclusive)."""

    upper: float = Field(gt=0, le=1, allow_inf_nan=False)
    elasticity: ElasticityRange


class RegistryLink(_Strict):
    """Adoption driven by the registry: a major group's multiplier is its deployments, weighted by
    the sectors that employ it, over ``saturation_deployments`` (at most 1)."""

    saturation_deployments: float = Field(gt=0, allow_inf_nan=False)


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5_000)
    source: str | None = Field(None, max_length=5_000, description="Where the ranges come from")
    adoption: list[AdoptionStep] = Field(min_length=1, max_length=100)
    automated_share: ShareRange = Field(description="Share of exposed tasks automated; the rest is augmented")
    bands: list[ExposureBand] = Field(min_length=1, max_length=100)
    reemployment_rate: ReemploymentRange
    wage_change: WageChangeRange
    registry: RegistryLink | None = None

    @field_validator("adoption")
    @classmethod
    def _path(cls, steps: list[AdoptionStep]) -> list[AdoptionStep]:
        """One step a year, in order (costs are per year), and a path that never falls back: a
        draw takes the same quantile of every year's range, which keeps it rising only if both
        ends do. A refusal names the step that breaks the path."""
        for index, (before, after) in enumerate(pairwise(steps), start=1):
            if after.year != before.year + 1:
                raise AtEntry(index, f"years must follow one another: {after.year} comes after {before.year}")
            if after.low < before.low or after.high < before.high:
                raise AtEntry(index, f"adoption must not fall: {after.year} is below {before.year}")
        return steps

    @field_validator("bands")
    @classmethod
    def _cover(cls, bands: list[ExposureBand]) -> list[ExposureBand]:
        """Bands rise without overlap and end at 1, so every exposure in [0, 1] has one band."""
        uppers = [band.upper for band in bands]
        if any(after <= before for before, after in pairwise(uppers)):
            raise ValueError(f"band uppers must rise strictly: {uppers}")
        if uppers[-1] != 1:
            raise ValueError(f"the last band must end at exposure 1, not {uppers[-1]}")
        return bands

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(step.year for step in self.adoption)


def read_text(text_or_path: str | Path, origin: str, error: type[E]) -> tuple[str, str]:
    """A document's text and the name its refusals give it: a ``Path`` is read and named as it
    was given, a string is the document itself."""
    if not isinstance(text_or_path, Path):
        return text_or_path, origin
    try:
        return text_or_path.read_text(encoding="utf-8"), str(text_or_path)
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"cannot read {text_or_path}: {exc}", evidence={"file": str(text_or_path)}) from exc


def load_scenario(text_or_path: str | Path, origin: str = "<scenario>") -> Scenario:
    """Parse and validate a labour scenario, naming every problem with its file and line."""
    text, origin = read_text(text_or_path, origin, ScenarioError)
    return load_document(text, origin, Scenario, ScenarioError, "labour scenario")
