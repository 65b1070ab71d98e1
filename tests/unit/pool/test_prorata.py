"""Pro rata payouts against amounts worked by hand, and what must hold for any."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from custos.pool.prorata import ratio, shares

CENTS = st.integers(1, 10**11).map(lambda cents: Decimal(cents) / 100)


def test_a_short_fund_pays_each_claim_the_same_share() -> None:
    # 1,000,000 held, 600,000 + 900,000 owed: two thirds each.
    owed = {"a": Decimal("600000.00"), "b": Decimal("900000.00")}
    assert shares(owed, Decimal("1000000.00")) == {"a": Decimal("400000.00"), "b": Decimal("600000.00")}
    assert ratio(owed, Decimal("1000000.00")) == Decimal(2) / 3


def test_rounding_is_down_so_a_cent_may_stay_in_the_fund() -> None:
    # 100.00 over three claims of 50.00: 33.333... each, 33.33 paid, 0.01 left.
    found = shares({"a": Decimal(50), "b": Decimal(50), "c": Decimal(50)}, Decimal("100.00"))
    assert set(found.values()) == {Decimal("33.33")} and sum(found.values()) == Decimal("99.99")


def test_a_fund_holding_enough_pays_in_full() -> None:
    owed = {"a": Decimal("10.00"), "b": Decimal("20.00")}
    assert shares(owed, Decimal("30.00")) == owed and ratio(owed, Decimal("31")) == 1


@given(st.dictionaries(st.text(min_size=1, max_size=3), CENTS, min_size=1, max_size=8), CENTS)
def test_a_payout_never_exceeds_the_fund_or_what_is_owed(owed: dict[str, Decimal], held: Decimal) -> None:
    paid = shares(owed, held)
    assert sum(paid.values()) <= held or paid == owed
    assert all(0 <= paid[key] <= owed[key] for key in owed)
    # Short by less than a cent per claim.
    assert sum(owed.values()) - sum(paid.values()) <= max(Decimal(0), sum(owed.values()) - held) + Decimal(
        "0.01"
    ) * len(owed)
