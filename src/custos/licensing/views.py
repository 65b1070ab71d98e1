"""Licences, rollouts, recognition agreements and decisions as the API answers them.

The API's response models, and what the Python client parses answers into. Terms are the filed
payloads' own models (``Scope``, ``Condition``, ``RolloutPlanned``), so a reader sees the same
shapes it applied with. Unknown keys are kept (``extra="allow"``) for readers of a newer server.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from custos.licensing.model import Condition, LicenceStatus, Scope
from custos.licensing.rollout import RolloutPlanned
from custos.registry.model import Sector
from custos.registry.views import Moment


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class LicenceView(_Read):
    """A licence: what was applied for and, once decided, its terms and status."""

    id: str
    applicant_id: str
    model_id: str
    status: LicenceStatus
    scope: Scope = Field(description="As applied for, or as narrowed when granted or varied.")
    conditions: tuple[Condition, ...] = ()
    term_months: int
    valid_from: date | None = None
    valid_until: date | None = None
    reason: str | None = Field(None, description="Why it was last refused, suspended, varied, ...")
    filing_id: str = Field(description="The latest filing about the licence.")


class LapsedCondition(Condition):
    """A licence condition a compliance sweep found lapsed: the condition as granted, and why.

    The condition's own model, so a reader sees the terms it was granted with; read-only like
    every answer here."""

    model_config = ConfigDict(frozen=True, extra="allow")

    why: str = Field(description="Why the condition lapsed: the overdue obligation or the missing evidence.")


class ConditionCheck(_Read):
    """A licence's conditions found lapsed by a compliance sweep, and whether it was suspended."""

    licence_id: str
    lapsed: tuple[LapsedCondition, ...] = Field(description="Each lapsed condition, with why it lapsed.")
    suspended: bool


class RolloutView(_Read):
    """Where a licence's phased rollout stands, and what holds back its next stage."""

    licence_id: str
    status: str
    stage: int = Field(description="The current stage's index in the plan.")
    stage_name: str
    percentage: int = Field(description="Share of subjects the current stage admits.")
    since: Moment
    reason: str | None = None
    gates_unmet: list[str] = Field(description="Why the rollout may not be promoted yet; empty when it may.")
    plan: RolloutPlanned


class RecognitionView(_Read):
    """A recognition agreement: jurisdiction ``recognising`` counts licences valid in ``recognised``."""

    id: str
    status: str
    recognising: str
    recognised: str
    sectors: tuple[Sector, ...] = ()
    capability_classes: tuple[str, ...] = ()
    extra_conditions: tuple[Condition, ...] = ()
    filing_id: str


class DecisionView(_Read):
    """What the decision point answers: allow or deny, and why."""

    allow: bool
    reasons: list[str]
    licence_id: str | None = Field(description="The licence the answer rests on, when one does.")
    stage: str | None = Field(description="The rollout stage that admitted the request, when rolled out.")
    obligations: list[str] = Field(description="Obligations the deployer must meet in serving it.")
