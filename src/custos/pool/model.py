"""The liability pool's vocabulary as filings: calls, payments, claims, assessments, payouts,
subrogations and recoveries.

The fund holds no number of its own: its balance is what the payments, payouts and recoveries on
the log add up to (``pool.balance``). A supervisor calls contributions from a stress run
(``pool.contribution_called``, one filing per firm, owned by the firm: each firm's amount is its
own and the supervisors'); the firm, or the operator on its behalf, pays a call
(``pool.contribution_paid``). A harmed party files a claim about an incident
(``pool.claim_filed``); a supervisor admits or rejects it (``pool.claim_assessed``), pays the
admitted claims of an incident (``pool.payout_made``, pro rata when the fund is short), and
records the fund's claim against the responsible firm for what it paid
(``pool.subrogation_recorded``) and what it recovers (``pool.recovery_received``).

Amounts are exact decimals with two places, in the fund's currency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD, SUPERVISORS_FIELD, FilingKind

#: The largest amount the fund records (a thousand trillion): beyond any real fund, below
#: where two-place decimals stay exact in every store and client.
MOST = Decimal("1e15")


def _two_places(value: Decimal) -> Decimal:
    """Every amount is filed with its two places (400000 reads 400000.00), so one sum reads one
    way in every filing, answer and total."""
    return value.quantize(Decimal("0.01"))


Amount = Annotated[Decimal, Field(gt=0, lt=MOST, decimal_places=2), AfterValidator(_two_places)]
Sum = Annotated[Decimal, Field(ge=0, lt=MOST, decimal_places=2), AfterValidator(_two_places)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. EUR.")]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContributionCalled(_Payload):
    """One firm's call: its deployments' pool contributions in a stress run (their Euler shares
    of the pool's size), scaled when the call raises a target; due by ``due_on``, late interest at
    ``late_interest_rate`` a year (the packs' parameter when called). A call recorded after it was
    sent says so in ``sent_on``, on or before ``due_on``."""

    run_filing_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    run_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    due_on: date = Field(json_schema_extra=PUBLIC_FIELD)
    sent_on: date | None = Field(
        None,
        json_schema_extra=PUBLIC_FIELD,
        description="The day the call was sent, at most the day it was filed (that day when absent): "
        "no payment is dated before it.",
    )
    late_interest_rate: Decimal = Field(ge=0, le=1, json_schema_extra=PUBLIC_FIELD)
    rate_source: str = Field(min_length=1, max_length=300, json_schema_extra=PUBLIC_FIELD)
    scale: Decimal = Field(
        gt=0,
        json_schema_extra=PUBLIC_FIELD,
        description="What every firm's run amount was multiplied by: 1 unless the call raises a target.",
    )
    run_amount: Sum = Field(json_schema_extra=OWNER_FIELD)
    amount: Amount = Field(json_schema_extra=OWNER_FIELD)

    @model_validator(mode="after")
    def _sent_by_due(self) -> ContributionCalled:
        if self.sent_on is not None and self.sent_on > self.due_on:
            raise ValueError(f"a call sent on {self.sent_on} cannot be due before it, on {self.due_on}")
        return self


class ContributionPaid(_Payload):
    """A payment against a call, by the firm or the operator on its behalf."""

    call_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    amount: Amount = Field(json_schema_extra=OWNER_FIELD)
    paid_on: date = Field(json_schema_extra=OWNER_FIELD)


class ClaimFiled(_Payload):
    """A harmed party's claim on the fund for an incident."""

    incident_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    amount: Amount = Field(json_schema_extra=OWNER_FIELD)
    description: str = Field(min_length=1, max_length=4000, json_schema_extra=OWNER_FIELD)
    claimant: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        json_schema_extra=OWNER_FIELD,
        description="The member of the public the operator files for; absent when an organisation claims.",
    )


class ClaimAssessed(_Payload):
    """A supervisor's decision on a claim: an amount admitted (at most the amount claimed), or
    none, with the grounds."""

    claim_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    outcome: Literal["admitted", "rejected"] = Field(json_schema_extra=PUBLIC_FIELD)
    admitted: Sum | None = Field(None, json_schema_extra=OWNER_FIELD)
    grounds: str = Field(min_length=1, max_length=4000, json_schema_extra=OWNER_FIELD)

    @model_validator(mode="after")
    def _amount_when_admitted(self) -> ClaimAssessed:
        if (self.outcome == "admitted") != (self.admitted is not None):
            raise ValueError("an admitted claim names the amount admitted; a rejected one none")
        return self


class PayoutLine(_Payload):
    """What one claim was owed before the payout (admitted less paid before) and what it got."""

    claim_id: str = Field(min_length=1)
    owed: Amount
    paid: Sum

    @model_validator(mode="after")
    def _not_beyond_owed(self) -> PayoutLine:
        if self.paid > self.owed:
            raise ValueError(f"claim {self.claim_id} is paid {self.paid}, more than the {self.owed} owed")
        return self


class PayoutMade(_Payload):
    """The fund pays the admitted claims of one incident: in full when it holds enough, else each
    the same share of what it is owed."""

    incident_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    paid_on: date = Field(json_schema_extra=PUBLIC_FIELD)
    total: Amount = Field(json_schema_extra=PUBLIC_FIELD)
    lines: tuple[PayoutLine, ...] = Field(min_length=1, json_schema_extra=SUPERVISORS_FIELD)

    @model_validator(mode="after")
    def _total_of_lines(self) -> PayoutMade:
        if sum((line.paid for line in self.lines), Decimal(0)) != self.total:
            raise ValueError("the payout's total is not the sum of its lines")
        if len({line.claim_id for line in self.lines}) != len(self.lines):
            raise ValueError("a claim appears twice in one payout")
        return self


class SubrogationRecorded(_Payload):
    """The fund's claim against the firm responsible for an incident, for what it paid out."""

    incident_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    organisation_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    amount: Amount = Field(json_schema_extra=OWNER_FIELD)


class RecoveryReceived(_Payload):
    """An amount recovered under a subrogation, which returns to the fund."""

    subrogation_id: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)
    currency: Currency = Field(json_schema_extra=PUBLIC_FIELD)
    amount: Amount = Field(json_schema_extra=OWNER_FIELD)
    received_on: date = Field(json_schema_extra=OWNER_FIELD)


CONTRIBUTION_CALLED = FilingKind(
    "pool.contribution_called",
    ContributionCalled,
    "A supervisor calls a firm's contribution to the liability pool from a stress run.",
)
CONTRIBUTION_PAID = FilingKind(
    "pool.contribution_paid", ContributionPaid, "A firm pays (part of) a contribution call."
)
CLAIM_FILED = FilingKind("pool.claim_filed", ClaimFiled, "A harmed party claims on the pool for an incident.")
CLAIM_ASSESSED = FilingKind(
    "pool.claim_assessed", ClaimAssessed, "A supervisor admits or rejects a claim on the pool."
)
PAYOUT_MADE = FilingKind(
    "pool.payout_made", PayoutMade, "The pool pays the admitted claims of an incident, pro rata if short."
)
SUBROGATION_RECORDED = FilingKind(
    "pool.subrogation_recorded",
    SubrogationRecorded,
    "The pool's claim against the responsible firm for what it paid out.",
)
RECOVERY_RECEIVED = FilingKind(
    "pool.recovery_received", RecoveryReceived, "An amount recovered under a subrogation returns to the pool."
)
POOL_KINDS = (
    CONTRIBUTION_CALLED,
    CONTRIBUTION_PAID,
    CLAIM_FILED,
    CLAIM_ASSESSED,
    PAYOUT_MADE,
    SUBROGATION_RECORDED,
    RECOVERY_RECEIVED,
)
