"""What a caller asks the pool service for, from the API, the command line or the client."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from custos.pool.model import Amount, Currency, Sum


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CallRequest(_Request):
    """Call contributions from a stress run (the latest when ``run`` is absent)."""

    run: str | None = Field(
        None, min_length=1, max_length=64, description="The run, by its id or its filing's id."
    )
    due_on: date
    sent_on: date | None = Field(
        None,
        description="The day the call was sent, for a call recorded later (today when absent): no "
        "payment is dated before it.",
    )
    target: Amount | None = Field(
        None,
        description="Raise the fund to this: the calls are scaled to the target less the balance.",
    )


class PaymentRequest(_Request):
    amount: Amount
    currency: Currency
    paid_on: date | None = Field(None, description="The day the money arrived (today when absent).")


class ClaimRequest(_Request):
    """A claim for an incident: an organisation files its own; a supervisor names the
    organisation, or the member of the public it files for."""

    incident_id: str = Field(min_length=1, max_length=64)
    amount: Amount
    currency: Currency
    description: str = Field(min_length=1, max_length=4000)
    organisation_id: str | None = Field(None, min_length=1, max_length=255)
    claimant: str | None = Field(None, min_length=1, max_length=255)


class AssessmentRequest(_Request):
    outcome: Literal["admitted", "rejected"]
    admitted: Sum | None = None
    grounds: str = Field(min_length=1, max_length=4000)


class PayoutRequest(_Request):
    incident_id: str = Field(min_length=1, max_length=64)


class SubrogationRequest(_Request):
    incident_id: str = Field(min_length=1, max_length=64)
    organisation: str = Field(
        min_length=1, max_length=255, description="The responsible firm, by id or name."
    )
    amount: Amount


class RecoveryRequest(_Request):
    amount: Amount
    received_on: date | None = Field(None, description="The day the money arrived (today when absent).")
