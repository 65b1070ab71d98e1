"""Phased deployment: rollout plans, their stages and gates, and deterministic bucketing.

A plan orders stages, each admitting a share of subjects (a percentage) within caps (users,
sectors, capability classes); promotion to the next stage passes gates (time in stage, no
open serious incident about the model, monitoring figures reported in the stage within their
bounds). Subjects are bucketed as Unleash's flexible rollout
does it: bucket = murmur3_32("group:key", seed 0) mod 100 + 1, included when the bucket is at
most the percentage, so raising the percentage never drops a subject already included.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated

import mmh3
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from custos.filings import PUBLIC_FIELD, FilingKind
from custos.registry.model import Sector


def bucket(group: str, key: str) -> int:
    """The subject's bucket, 1 to 100, the same in every Unleash client for the same inputs."""
    return int(mmh3.hash(f"{group}:{key}", 0, signed=False)) % 100 + 1


def included(group: str, key: str, percentage: int) -> bool:
    return bucket(group, key) <= percentage


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Bounds(_Payload):
    """The range a monitoring figure must stay within; either end may be open."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _a_range(self) -> Bounds:
        if self.min is None and self.max is None:
            raise ValueError("bounds need a min, a max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self

    def breach(self, name: str, value: float) -> str | None:
        """Why ``value`` is out of bounds, or None when it is within them."""
        if self.min is not None and value < self.min:
            return f"{name} = {value:g} is below its minimum {self.min:g}"
        if self.max is not None and value > self.max:
            return f"{name} = {value:g} is above its maximum {self.max:g}"
        return None


MetricName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Gates(_Payload):
    min_days: int = Field(0, ge=0, description="Days in the stage before promotion.")
    no_serious_incident: bool = Field(True, description="No serious incident about the model is open.")
    metrics: dict[MetricName, Bounds] = Field(
        default_factory=dict,
        description="Monitoring figures the latest report in the stage must hold within bounds.",
    )


class Stage(_Payload):
    name: str = Field(min_length=1, max_length=64)
    percentage: int = Field(ge=1, le=100)
    max_users: int | None = Field(None, ge=1)
    sectors: tuple[Sector, ...] = ()
    capability_classes: tuple[str, ...] = ()
    gates: Gates = Gates()


class RolloutPlanned(_Payload):
    stages: tuple[Stage, ...] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    group: str | None = Field(
        None, description="Bucketing group; the licence id by default.", json_schema_extra=PUBLIC_FIELD
    )

    @model_validator(mode="after")
    def _rising(self) -> RolloutPlanned:
        shares = [stage.percentage for stage in self.stages]
        for earlier, later in pairwise(shares):
            if later <= earlier:
                raise ValueError(f"stage percentages must rise: {shares}")
        return self


class MetricsReported(_Payload):
    """Monitoring figures for the rollout's current stage (error rates, complaints, overrides...)."""

    values: dict[MetricName, float] = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    note: str | None = Field(None, max_length=2000, json_schema_extra=PUBLIC_FIELD)


class RolloutMoved(_Payload):
    stage: int = Field(ge=0, json_schema_extra=PUBLIC_FIELD)
    reason: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)


ROLLOUT_PLANNED = FilingKind("rollout.planned", RolloutPlanned, "A licence's phased rollout plan.")
ROLLOUT_PROMOTED = FilingKind("rollout.promoted", RolloutMoved, "A rollout moves to its next stage.")
ROLLOUT_ROLLED_BACK = FilingKind(
    "rollout.rolled_back", RolloutMoved, "A rollout moves back to an earlier stage."
)
ROLLOUT_METRICS = FilingKind(
    "rollout.metrics_reported", MetricsReported, "Monitoring figures for a rollout's current stage."
)
ROLLOUT_HELD = FilingKind("rollout.held", RolloutMoved, "A rollout is held at its stage.")


def stage_since(moved_at: datetime, now: datetime) -> float:
    """Days a rollout has spent in its current stage."""
    return (now - moved_at).total_seconds() / 86_400
