"""The liability pool as the API answers it, each record as its reader may see it: amounts a
reader may not see are left unset (absent from answers), never null."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PaymentView(_View):
    """A payment and how it settled the call: interest first, then principal, the rest overpaid."""

    id: str
    paid_on: date
    amount: Decimal
    days_late: int = Field(description="Days after the due date (0 when on time).")
    interest_accrued: Decimal = Field(description="Late interest accrued since the previous payment.")
    to_interest: Decimal
    to_principal: Decimal
    overpaid: Decimal


class CallView(_View):
    """One firm's call, its payments and what it still owes (interest counted to ``as_of``)."""

    id: str
    organisation_id: str
    organisation: str
    run_id: str
    run_filing_id: str
    called_at: datetime
    currency: str
    due_on: date
    sent_on: date = Field(description="The day the call was sent: no payment is dated before it.")
    late_interest_rate: Decimal
    rate_source: str
    scale: Decimal
    as_of: date
    run_amount: Decimal | None = None
    amount: Decimal | None = None
    paid: Decimal | None = None
    principal_paid: Decimal | None = None
    interest_paid: Decimal | None = None
    principal_outstanding: Decimal | None = None
    interest_outstanding: Decimal | None = None
    overpaid: Decimal | None = Field(None, description="Paid beyond what was owed: the firm's credit.")
    status: Literal["open", "overdue", "paid"] | None = None
    late: bool | None = None
    payments: tuple[PaymentView, ...] = ()


class ClaimPaymentView(_View):
    payout_id: str
    paid_on: date
    owed: Decimal = Field(description="What the claim was owed before this payout.")
    paid: Decimal
    share: Decimal = Field(description="The payout's share of what claims were owed: 1 is in full.")


class ClaimView(_View):
    id: str
    incident_id: str
    organisation_id: str
    organisation: str
    filed_at: datetime
    currency: str
    status: Literal["filed", "admitted", "rejected"]
    claimant: str | None = None
    amount: Decimal | None = None
    description: str | None = None
    assessment_id: str | None = None
    admitted: Decimal | None = None
    grounds: str | None = None
    paid: Decimal | None = None
    unpaid: Decimal | None = Field(None, description="Admitted and not yet paid.")
    payments: tuple[ClaimPaymentView, ...] = ()


class PayoutLineView(_View):
    claim_id: str
    organisation_id: str
    owed: Decimal
    paid: Decimal
    unpaid: Decimal


class PayoutView(_View):
    """A payout: its total and share are public; the lines are supervisors', and a claimant's own."""

    id: str
    incident_id: str
    currency: str
    paid_on: date
    total: Decimal
    owed: Decimal = Field(description="What the incident's admitted claims were owed before it.")
    share: Decimal = Field(description="Paid over owed: 1 when in full, less when pro rata.")
    unpaid: Decimal = Field(description="What the claims are still owed after it.")
    lines: tuple[PayoutLineView, ...] = ()


class RecoveryView(_View):
    id: str
    amount: Decimal | None = None
    received_on: date | None = None


class SubrogationView(_View):
    id: str
    incident_id: str
    organisation_id: str
    organisation: str
    currency: str
    recorded_at: datetime
    amount: Decimal | None = None
    recovered: Decimal | None = None
    outstanding: Decimal | None = None
    recoveries: tuple[RecoveryView, ...] = ()


class BalancePointView(_View):
    on: date
    balance: Decimal


class MovementView(_View):
    """A filing the balance rests on, with its place in the log; its day and amount where the
    reader may see them (supervisors all, a firm its own, everyone payouts): a payment's day and
    amount are the firm's."""

    filing_id: str
    index: int = Field(description="The filing's position in the transparency log.")
    kind: str
    on: date | None = None
    amount: Decimal | None = None


class BalanceView(_View):
    """The fund as the log says it is: ``balance`` = ``principal_paid`` + ``interest_paid`` +
    ``recovered`` - ``paid_out``, summed over ``rests_on``. The balance at the end of each day
    money moved (``series``) is the supervisors': on a day one firm paid, its step is that firm's
    amount, so others get the totals only."""

    currency: str | None
    as_of: date
    balance: Decimal
    called: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    recovered: Decimal
    paid_out: Decimal
    claims: int
    calls: int
    series: tuple[BalancePointView, ...] | None = None
    rests_on: tuple[MovementView, ...]
