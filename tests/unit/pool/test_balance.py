"""The fund's balance from its filings alone: payments applied to their calls (an overpayment is
not the fund's), recoveries in, payouts out, over time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from custos.pool.balance import Entry, fund


def _call(key: str, amount: str, due: str = "2027-03-31") -> Entry:
    content = {"amount": amount, "due_on": due, "late_interest_rate": "0.05", "currency": "EUR"}
    return Entry(key, 0, "pool.contribution_called", "firm", content)


def test_balance_sums_payments_recoveries_and_payouts_by_day() -> None:
    entries = [
        _call("c1", "73000.00"),
        Entry(
            "p1",
            11,
            "pool.contribution_paid",
            "firm",
            {"call_id": "c1", "amount": "73100.00", "paid_on": "2027-04-10"},
        ),
        Entry(
            "p2",
            12,
            "pool.contribution_paid",
            "firm",
            {"call_id": "c1", "amount": "50.00", "paid_on": "2027-04-11"},
        ),
        Entry("o1", 13, "pool.payout_made", "authority", {"total": "60000.00", "paid_on": "2027-05-01"}),
        Entry("r1", 14, "pool.recovery_received", "firm", {"amount": "1000.00", "received_on": "2027-06-01"}),
    ]
    found = fund(entries, date(2027, 6, 1))
    # 10 days late on 73,000 at 5%: 100.00 of interest, so 73,100 settles the call exactly; the
    # 50.00 paid the next day is overpaid, the firm's credit, not the fund's.
    assert (found.principal_paid, found.interest_paid, found.overpaid) == (
        Decimal("73000.00"),
        Decimal("100.00"),
        Decimal("50.00"),
    )
    assert found.balance == Decimal("73100.00") + Decimal("1000.00") - Decimal("60000.00")
    assert found.series() == [
        (date(2027, 4, 10), Decimal("73100.00")),
        (date(2027, 4, 11), Decimal("73100.00")),
        (date(2027, 5, 1), Decimal("13100.00")),
        (date(2027, 6, 1), Decimal("14100.00")),
    ]
    assert [move.filing_id for move in found.movements] == ["p1", "p2", "o1", "r1"]
    assert (found.called, found.currency) == (Decimal("73000.00"), "EUR")


def test_an_empty_fund_holds_nothing() -> None:
    found = fund([], date(2027, 1, 1))
    assert found.balance == 0 and found.series() == [] and found.currency is None
