"""A call's account: late interest and how payments settle it.

Interest is simple, at the call's rate a year, on the principal still unpaid, counted per
calendar day (actual/365) from the day after the due date to the day of payment; each period
between payments is rounded to the cent (half up). A payment settles the interest accrued first,
then the principal; what is left over is an overpayment, the firm's credit, not the fund's money.
Nothing here is stored: the account is recomputed from the call and its payments each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The day count's year: actual/365, so a leap year's 29 February earns a 365th like any day.
DAYS_IN_YEAR = 365


def cents(value: Decimal) -> Decimal:
    """An amount to the cent, half up (as a payment is quoted)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def accrued(principal: Decimal, rate: Decimal, since: date, until: date) -> Decimal:
    """Simple interest on ``principal`` for the days after ``since`` up to ``until`` inclusive."""
    days = (until - since).days
    if days <= 0 or principal <= 0:
        return ZERO
    return cents(principal * rate * days / DAYS_IN_YEAR)


@dataclass(frozen=True)
class Payment:
    id: str
    amount: Decimal
    paid_on: date


@dataclass(frozen=True)
class Applied:
    """How one payment settled the account: interest first, then principal, the rest overpaid."""

    payment: Payment
    days_late: int
    interest_accrued: Decimal
    to_interest: Decimal
    to_principal: Decimal
    excess: Decimal


@dataclass(frozen=True)
class Account:
    principal: Decimal
    due_on: date
    as_of: date
    applied: tuple[Applied, ...]
    principal_paid: Decimal
    interest_paid: Decimal
    principal_outstanding: Decimal
    interest_outstanding: Decimal
    overpaid: Decimal

    @property
    def late(self) -> bool:
        """Paid after the due date, or still owing after it."""
        overdue = self.principal_outstanding > 0 and self.as_of > self.due_on
        return overdue or any(item.days_late > 0 for item in self.applied)


def account(
    principal: Decimal, due_on: date, rate: Decimal, payments: Sequence[Payment], as_of: date
) -> Account:
    """The account of a call of ``principal`` due on ``due_on`` after ``payments`` (applied in
    the order they were made: by day, then as given), with interest still owed up to ``as_of``."""
    outstanding, unpaid_interest, since = principal, ZERO, due_on
    applied: list[Applied] = []
    for payment in sorted(payments, key=lambda item: item.paid_on):
        interest = accrued(outstanding, rate, since, payment.paid_on)
        since = max(since, payment.paid_on)
        unpaid_interest += interest
        to_interest = min(payment.amount, unpaid_interest)
        to_principal = min(payment.amount - to_interest, outstanding)
        unpaid_interest -= to_interest
        outstanding -= to_principal
        applied.append(
            Applied(
                payment=payment,
                days_late=max(0, (payment.paid_on - due_on).days),
                interest_accrued=interest,
                to_interest=to_interest,
                to_principal=to_principal,
                excess=payment.amount - to_interest - to_principal,
            )
        )
    return Account(
        principal=principal,
        due_on=due_on,
        as_of=as_of,
        applied=tuple(applied),
        principal_paid=sum((item.to_principal for item in applied), ZERO),
        interest_paid=sum((item.to_interest for item in applied), ZERO),
        principal_outstanding=outstanding,
        interest_outstanding=unpaid_interest + accrued(outstanding, rate, since, as_of),
        overpaid=sum((item.excess for item in applied), ZERO),
    )
