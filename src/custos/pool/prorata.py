"""Sharing what the fund holds among the admitted claims of an incident.

When the fund holds at least what the claims are owed, each is paid in full. Otherwise each is
paid the same share of what it is owed: what the fund holds over the total owed, rounded down to
the cent, so the payout never exceeds the balance; the cents left by rounding stay in the fund.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, Decimal

from custos.pool.interest import CENT, ZERO


def ratio(owed: Mapping[str, Decimal], available: Decimal) -> Decimal:
    """The share of what they are owed that the claims get: 1 in full, else held over owed."""
    total = sum(owed.values(), ZERO)
    if total <= 0 or available >= total:
        return Decimal(1)
    return max(available, ZERO) / total


def shares(owed: Mapping[str, Decimal], available: Decimal) -> dict[str, Decimal]:
    """What each claim is paid from ``available``: in full, or pro rata rounded down to the cent."""
    share = ratio(owed, available)
    if share == 1:
        return dict(owed)
    return {key: (amount * share).quantize(CENT, rounding=ROUND_DOWN) for key, amount in owed.items()}
