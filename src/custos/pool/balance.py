"""The fund's account, from its filings alone.

The balance is never stored: it is what the log's pool filings add up to, payments applied to
their calls (interest and principal; an overpayment is the firm's credit, not the fund's), plus
recoveries, less payouts. Each movement names the filing it comes from and its place in the log,
so anyone holding the filings can redo the sum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import accumulate
from typing import Any

from custos.pool.interest import ZERO, Account, Payment, account
from custos.pool.model import (
    CONTRIBUTION_CALLED,
    CONTRIBUTION_PAID,
    PAYOUT_MADE,
    RECOVERY_RECEIVED,
)


@dataclass(frozen=True)
class Entry:
    """A pool filing as the fund reads it: its id, place in the log, kind, owner and content."""

    id: str
    index: int
    kind: str
    organisation: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class Movement:
    """A change of the balance: what a filing added (or, negative, took) on the day it names."""

    filing_id: str
    index: int
    kind: str
    organisation: str
    on: date
    amount: Decimal


@dataclass(frozen=True)
class Fund:
    currency: str | None
    called: Decimal
    principal_paid: Decimal
    interest_paid: Decimal
    overpaid: Decimal
    recovered: Decimal
    paid_out: Decimal
    movements: tuple[Movement, ...]
    accounts: Mapping[str, Account]

    @property
    def balance(self) -> Decimal:
        return sum((movement.amount for movement in self.movements), ZERO)

    def series(self) -> list[tuple[date, Decimal]]:
        """The balance at the end of each day something moved, oldest first."""
        by_day: dict[date, Decimal] = {}
        for movement in self.movements:
            by_day[movement.on] = by_day.get(movement.on, ZERO) + movement.amount
        days = sorted(by_day)
        return list(zip(days, accumulate(by_day[day] for day in days), strict=True))


def _amount(content: Mapping[str, Any], field: str = "amount") -> Decimal:
    return Decimal(str(content[field]))


def fund(entries: Sequence[Entry], as_of: date) -> Fund:
    """The fund after ``entries`` (pool filings in log order), interest owed counted to ``as_of``."""
    calls = {entry.id: entry for entry in entries if entry.kind == CONTRIBUTION_CALLED.name}
    paid: dict[str, list[tuple[Entry, Payment]]] = {key: [] for key in calls}
    movements: list[Movement] = []
    for entry in entries:
        content = entry.content
        if entry.kind == CONTRIBUTION_PAID.name:
            payment = Payment(entry.id, _amount(content), date.fromisoformat(content["paid_on"]))
            paid[content["call_id"]].append((entry, payment))
        elif entry.kind == RECOVERY_RECEIVED.name:
            on = date.fromisoformat(content["received_on"])
            movements.append(
                Movement(entry.id, entry.index, entry.kind, entry.organisation, on, _amount(content))
            )
        elif entry.kind == PAYOUT_MADE.name:
            on = date.fromisoformat(content["paid_on"])
            total = -_amount(content, "total")
            movements.append(Movement(entry.id, entry.index, entry.kind, entry.organisation, on, total))
    accounts: dict[str, Account] = {}
    for call_id, call in calls.items():
        found = account(
            _amount(call.content),
            date.fromisoformat(call.content["due_on"]),
            Decimal(str(call.content["late_interest_rate"])),
            [payment for _, payment in paid[call_id]],
            as_of,
        )
        accounts[call_id] = found
        by_id = {entry.id: entry for entry, _ in paid[call_id]}
        for item in found.applied:
            entry = by_id[item.payment.id]
            amount = item.to_interest + item.to_principal
            movements.append(
                Movement(entry.id, entry.index, entry.kind, entry.organisation, item.payment.paid_on, amount)
            )
    movements.sort(key=lambda movement: (movement.on, movement.index))
    first = next(iter(calls.values()), None)
    return Fund(
        currency=None if first is None else first.content["currency"],
        called=sum((_amount(call.content) for call in calls.values()), ZERO),
        principal_paid=sum((found.principal_paid for found in accounts.values()), ZERO),
        interest_paid=sum((found.interest_paid for found in accounts.values()), ZERO),
        overpaid=sum((found.overpaid for found in accounts.values()), ZERO),
        recovered=sum((m.amount for m in movements if m.kind == RECOVERY_RECEIVED.name), ZERO),
        paid_out=-sum((m.amount for m in movements if m.kind == PAYOUT_MADE.name), ZERO),
        movements=tuple(movements),
        accounts=accounts,
    )
