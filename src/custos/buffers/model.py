"""Buffers as filings: the capital an institution holds against its AI deployments
(``buffer.declared``) and the insurance policies bound over them (``insurance.bound``).

A stress run (``stress_test.completed``) says what each deployment must hold: its ``capital``,
the Euler contribution to the expected shortfall, which adds up over a firm's deployments. These
filings say what is held. Custos verifies each against the latest run when it is filed and writes
its own figures into the filing (the run, the requirement, what it counts as held, the verdict),
never the filer's word; the packs' ``buffers`` and ``buffer-shortfall`` duties accept only a
filing whose ``verdict`` is ``sufficient``.

Amounts are exact decimals (as the registry's money is) and confidential to the firm and
supervisors; the public sees, from the log, that a declaration or policy exists and its dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD, FilingKind

#: ISO 4217 currency codes, as the registry's money takes them.
CURRENCY = r"^[A-Z]{3}$"


def currency_code(value: object) -> object:
    """A currency as a person may type it (``eur``) in the form the filings keep (``EUR``), or a
    refusal that says what is asked for. Python holds no list of ISO 4217 codes, nor does Custos,
    so the shape is what is checked; a code of no currency simply matches no run's."""
    if not isinstance(value, str):
        return value
    code = value.strip().upper()
    if re.fullmatch(CURRENCY, code) is None:
        raise ValueError(f"the currency is a three-letter ISO 4217 code such as EUR, not {value!r}")
    return code


#: A currency in a request: any case, kept upper case.
Currency = Annotated[str, BeforeValidator(currency_code), Field(pattern=CURRENCY)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CapitalComponent(StrEnum):
    """The tiers of own funds (Regulation (EU) No 575/2013, Part Two), and anything else held."""

    CET1 = "CET1"
    AT1 = "AT1"
    TIER2 = "Tier 2"
    OTHER = "other"


class Verdict(StrEnum):
    """What Custos found when it checked a filing against the latest stress run."""

    SUFFICIENT = "sufficient"
    """What is held covers the run's requirement (equal to it included)."""
    SHORTFALL = "shortfall"
    """What is held falls short of the run's requirement."""
    UNVERIFIED = "unverified"
    """The latest run on the registry's deployments holds none of the firm's (or there is no such
    run): there is nothing to verify against."""


class Component(_Payload):
    component: CapitalComponent
    amount: Decimal = Field(ge=0, max_digits=24, decimal_places=2)


def check_composition(amount: Decimal, composition: Sequence[Component]) -> None:
    """The components must add up to the amount exactly: a declaration whose parts say otherwise
    than its total would leave the supervisor to guess which figure is meant."""
    total = sum((part.amount for part in composition), Decimal(0))
    if total != amount:
        raise ValueError(f"the composition adds up to {total}, not the amount {amount}")
    tiers = [part.component for part in composition]
    if len(set(tiers)) != len(tiers):
        raise ValueError("each component appears once in the composition")


class _Verified(_Payload):
    """Custos's own figures, computed against the latest stress run on the registry's deployments
    when the filing is made."""

    verified_run_id: str | None = Field(
        None, json_schema_extra=OWNER_FIELD, description="The stress run verified against."
    )
    verified_run_filing_id: str | None = Field(None, json_schema_extra=OWNER_FIELD)
    verified_currency: str | None = Field(
        None,
        json_schema_extra=OWNER_FIELD,
        description="The run's currency, in which requirement, held and shortfall are counted.",
    )
    requirement: Decimal | None = Field(
        None, json_schema_extra=OWNER_FIELD, description="The run's capital for the firm's deployments."
    )
    held: Decimal | None = Field(
        None,
        json_schema_extra=OWNER_FIELD,
        description="Capital counted plus the limits of the insurance counted, in the run's currency.",
    )
    shortfall: Decimal | None = Field(None, json_schema_extra=OWNER_FIELD)
    verdict: Verdict = Field(json_schema_extra=OWNER_FIELD)


class BufferDeclared(_Verified):
    """An institution's capital held against its AI deployments on ``as_of``, valid until
    ``valid_until`` (at most a year after ``as_of``)."""

    amount: Decimal = Field(ge=0, max_digits=24, decimal_places=2, json_schema_extra=OWNER_FIELD)
    currency: str = Field(pattern=CURRENCY, json_schema_extra=OWNER_FIELD)
    composition: tuple[Component, ...] = Field(min_length=1, json_schema_extra=OWNER_FIELD)
    as_of: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD)
    deployment_ids: tuple[str, ...] = Field(
        json_schema_extra=OWNER_FIELD, description="The deployments the capital stands behind."
    )

    @model_validator(mode="after")
    def _consistent(self) -> BufferDeclared:
        check_composition(self.amount, self.composition)
        if self.valid_until < self.as_of:
            raise ValueError("valid_until falls before as_of")
        return self


class InsuranceBound(_Verified):
    """A policy bound by an insurer over the insured's losses from its deployments: it pays up to
    ``limit`` above ``attachment_point`` from ``term_start`` to ``valid_until`` (the term's last
    day)."""

    insurer_id: str = Field(min_length=1, json_schema_extra=OWNER_FIELD)
    insured_id: str = Field(min_length=1, json_schema_extra=OWNER_FIELD)
    deployment_ids: tuple[str, ...] = Field(json_schema_extra=OWNER_FIELD)
    limit: Decimal = Field(gt=0, max_digits=24, decimal_places=2, json_schema_extra=OWNER_FIELD)
    attachment_point: Decimal = Field(ge=0, max_digits=24, decimal_places=2, json_schema_extra=OWNER_FIELD)
    premium: Decimal = Field(ge=0, max_digits=24, decimal_places=2, json_schema_extra=OWNER_FIELD)
    currency: str = Field(pattern=CURRENCY, json_schema_extra=OWNER_FIELD)
    term_start: date = Field(json_schema_extra=PUBLIC_FIELD)
    valid_until: date = Field(json_schema_extra=PUBLIC_FIELD, description="The term's last day.")
    policy_reference: str = Field(min_length=1, max_length=200, json_schema_extra=OWNER_FIELD)

    @model_validator(mode="after")
    def _consistent(self) -> InsuranceBound:
        if self.valid_until < self.term_start:
            raise ValueError("the term ends (valid_until) before it starts (term_start)")
        if self.insurer_id == self.insured_id:
            raise ValueError("a firm does not insure itself: that is capital, declare it as such")
        return self


BUFFER_DECLARED = FilingKind(
    "buffer.declared",
    BufferDeclared,
    "An institution declares the capital it holds against its AI deployments, verified against the "
    "latest stress run.",
)
INSURANCE_BOUND = FilingKind(
    "insurance.bound",
    InsuranceBound,
    "An insurance policy is bound over a firm's AI deployments, verified against the latest stress run.",
)
BUFFERS_KINDS = (BUFFER_DECLARED, INSURANCE_BOUND)
