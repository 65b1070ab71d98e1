"""What a caller asks the buffers service for, from the API, the command line or the client: the
filer's part of a declaration or a policy. Custos adds its verification against the latest run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from custos.buffers.model import Component, Currency, check_composition


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DeclarationRequest(_Request):
    """Capital held on ``as_of``; a supervisor names the organisation, anyone else files its own."""

    organisation_id: str | None = Field(None, min_length=1, description="By id or exact registry name.")
    amount: Decimal = Field(ge=0, max_digits=24, decimal_places=2)
    currency: Currency
    composition: tuple[Component, ...] = Field(min_length=1, description="Adds up to the amount exactly.")
    as_of: date
    valid_until: date | None = Field(None, description="At most, and by default, a year after as_of.")
    deployment_ids: tuple[str, ...] | None = Field(
        None, description="The deployments covered; all the organisation's when absent."
    )

    @model_validator(mode="after")
    def _sums(self) -> DeclarationRequest:
        check_composition(self.amount, self.composition)
        return self


class PolicyRequest(_Request):
    """A policy bound over the insured's deployments: filed by the insured, the insurer or a
    supervisor (who names the insured)."""

    insurer_id: str = Field(min_length=1, description="The insurer, by id or exact registry name.")
    insured_id: str | None = Field(
        None, min_length=1, description="The insured; the filer's own when absent."
    )
    deployment_ids: tuple[str, ...] | None = Field(
        None, description="The deployments insured; all the insured's when absent."
    )
    limit: Decimal = Field(gt=0, max_digits=24, decimal_places=2)
    attachment_point: Decimal = Field(ge=0, max_digits=24, decimal_places=2)
    premium: Decimal = Field(ge=0, max_digits=24, decimal_places=2)
    currency: Currency
    term_start: date
    term_end: date
    policy_reference: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _term(self) -> PolicyRequest:
        if self.term_end < self.term_start:
            raise ValueError("the term ends before it starts")
        if self.premium > self.limit:
            raise ValueError(
                f"the premium ({self.premium}) is above the limit ({self.limit}): a policy that costs "
                "more than it can ever pay transfers no risk, so it is taken for a mistake"
            )
        return self
