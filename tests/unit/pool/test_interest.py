"""Late interest and how payments settle a call, against amounts worked by hand.

At 5% a year on EUR 73,000, a day's interest is 73,000 x 0.05 / 365 = EUR 10.00 exactly, which
keeps the hand arithmetic exact."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from custos.pool.interest import Payment, account, accrued

RATE = Decimal("0.05")
PRINCIPAL = Decimal("73000.00")


def test_interest_runs_from_the_day_after_the_due_date_across_a_month_boundary() -> None:
    # Due 30 January, paid 2 February: 31 January, 1 and 2 February are late, three days.
    # 120,000 x 0.05 x 3 / 365 = 49.3150... -> 49.32.
    assert accrued(Decimal("120000.00"), RATE, date(2027, 1, 30), date(2027, 2, 2)) == Decimal("49.32")
    found = account(
        Decimal("120000.00"),
        date(2027, 1, 30),
        RATE,
        [Payment("p", Decimal("120049.32"), date(2027, 2, 2))],
        date(2027, 2, 2),
    )
    (applied,) = found.applied
    assert (applied.days_late, applied.to_interest, applied.to_principal, applied.excess) == (
        3,
        Decimal("49.32"),
        Decimal("120000.00"),
        Decimal("0.00"),
    )
    assert found.principal_outstanding == found.interest_outstanding == Decimal("0.00")


def test_a_leap_day_is_a_late_day_like_any_other() -> None:
    # Due 27 February 2028, paid 1 March: 28 and 29 February and 1 March, three days at 10.00.
    assert accrued(PRINCIPAL, RATE, date(2028, 2, 27), date(2028, 3, 1)) == Decimal("30.00")
    # The same dates a year earlier hold no 29 February: two days.
    assert accrued(PRINCIPAL, RATE, date(2027, 2, 27), date(2027, 3, 1)) == Decimal("20.00")


def test_payments_settle_interest_first_then_principal_and_show_an_overpayment() -> None:
    # Due 31 March. 10 April: 10 days on 73,000 = 100.00; 40,000 pays it and 39,900 of principal,
    # leaving 33,100. 20 April: 10 days on 33,100 = 45.3424... -> 45.34; 33,200 pays it and the
    # 33,100, and 54.66 is overpaid.
    payments = [
        Payment("one", Decimal("40000.00"), date(2027, 4, 10)),
        Payment("two", Decimal("33200.00"), date(2027, 4, 20)),
    ]
    found = account(PRINCIPAL, date(2027, 3, 31), RATE, payments, date(2027, 5, 1))
    assert [(a.interest_accrued, a.to_interest, a.to_principal, a.excess) for a in found.applied] == [
        (Decimal("100.00"), Decimal("100.00"), Decimal("39900.00"), Decimal("0.00")),
        (Decimal("45.34"), Decimal("45.34"), Decimal("33100.00"), Decimal("54.66")),
    ]
    assert (found.interest_paid, found.principal_paid, found.overpaid) == (
        Decimal("145.34"),
        Decimal("73000.00"),
        Decimal("54.66"),
    )
    assert found.principal_outstanding == found.interest_outstanding == Decimal("0.00") and found.late


def test_an_underpayment_leaves_principal_owing_and_interest_accruing() -> None:
    # 50,000 on time leaves 23,000; ten days later 23,000 x 0.05 x 10 / 365 = 31.506... -> 31.51.
    found = account(
        PRINCIPAL,
        date(2027, 3, 31),
        RATE,
        [Payment("p", Decimal("50000.00"), date(2027, 3, 31))],
        date(2027, 4, 10),
    )
    assert (found.principal_outstanding, found.interest_outstanding) == (
        Decimal("23000.00"),
        Decimal("31.51"),
    )
    assert found.late and found.applied[0].days_late == 0
    # Before the due date nothing is late and nothing accrues.
    early = account(PRINCIPAL, date(2027, 3, 31), RATE, [], date(2027, 3, 31))
    assert not early.late and early.interest_outstanding == Decimal("0.00")


@given(
    st.lists(
        st.tuples(st.integers(1, 10_000_000), st.integers(0, 400)).map(
            lambda pair: (Decimal(pair[0]) / 100, pair[1])
        ),
        max_size=6,
    )
)
def test_every_payment_is_split_without_loss(payments: list[tuple[Decimal, int]]) -> None:
    due = date(2027, 3, 31)
    made = [
        Payment(str(n), amount, due + timedelta(days=days - 30)) for n, (amount, days) in enumerate(payments)
    ]
    found = account(PRINCIPAL, due, RATE, made, due + timedelta(days=400))
    for item in found.applied:
        assert item.to_interest + item.to_principal + item.excess == item.payment.amount
        assert min(item.to_interest, item.to_principal, item.excess) >= 0
    assert found.principal_paid + found.principal_outstanding == PRINCIPAL
    assert found.overpaid == 0 or found.principal_outstanding == 0
