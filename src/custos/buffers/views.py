"""Buffers as the API answers them: declarations, policies, and each firm's position against the
latest stress run on the registry's deployments, to those who may see them (the firm, its insurer,
supervisors)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from custos.buffers.model import Component, Verdict


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Verified(_View):
    verified_run_id: str | None = None
    verified_run_filing_id: str | None = None
    verified_currency: str | None = None
    requirement: Decimal | None = None
    held: Decimal | None = None
    shortfall: Decimal | None = None
    verdict: Verdict


class DeclarationView(_Verified):
    id: str
    organisation_id: str
    organisation: str
    filed_at: datetime
    amount: Decimal
    currency: str
    composition: tuple[Component, ...]
    as_of: date
    valid_until: date
    deployment_ids: tuple[str, ...]


class PolicyView(_Verified):
    id: str
    insured_id: str
    insured: str
    insurer_id: str
    insurer: str
    filed_at: datetime
    deployment_ids: tuple[str, ...]
    limit: Decimal
    attachment_point: Decimal
    premium: Decimal
    currency: str
    term_start: date
    valid_until: date = Field(description="The term's last day.")
    policy_reference: str


class CountedView(_View):
    """A policy as the position counts it: its limit, or nothing with the reason."""

    id: str
    counted: Decimal
    reason: str | None = None


class PositionView(_View):
    """A firm's buffers against the run's requirement on ``as_of``, in the run's currency."""

    organisation_id: str
    organisation: str
    run_id: str = Field(description="The latest run on the registry's deployments.")
    run_scenario: str
    run_filed_at: datetime
    in_run: bool = Field(description="Whether the run holds any of the firm's deployments.")
    deployments: int = Field(description="Its deployments in the run.")
    currency: str
    requirement: Decimal
    capital: Decimal
    insurance: Decimal
    held: Decimal
    shortfall: Decimal
    sufficient: bool
    declaration_id: str | None = None
    policies: tuple[CountedView, ...] = ()
    notes: tuple[str, ...] = ()


class PositionsView(_View):
    """Every firm the latest run on the registry's deployments holds, as the reader may see them,
    shortfalls first; a firm that reads its own and is not in the run sees its row, saying so."""

    as_of: date
    run_id: str
    run_filing_id: str
    run_scenario: str
    run_filed_at: datetime
    firms: tuple[PositionView, ...]
