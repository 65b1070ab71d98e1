"""The position by hand: capital first, insurance above its attachment, nothing converted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from custos.buffers.model import BufferDeclared, InsuranceBound
from custos.store.buffers_views import position

DAY = date(2026, 6, 30)
D = Decimal


def declaration(id: str, amount: str, currency: str = "EUR", **days: date) -> dict[str, Any]:
    dates = {"as_of": date(2026, 1, 1), "valid_until": date(2026, 12, 31)} | days
    return {"id": id, "amount": amount, "currency": currency, **dates}


def cover(id: str, limit: str, attachment: str, currency: str = "EUR", **days: date) -> dict[str, Any]:
    dates = {"term_start": date(2026, 1, 1), "valid_until": date(2026, 12, 31)} | days
    return {"id": id, "limit_amount": limit, "attachment_point": attachment, "currency": currency, **dates}


def test_capital_and_insurance_attaching_at_the_capital_add_up() -> None:
    # Required 1,000; capital 600; a policy of 400 attaching at 600 fills the rest exactly.
    found = position(D("1000"), "EUR", [declaration("c", "600")], [cover("p", "400", "600")], DAY)
    assert (found.capital, found.insurance, found.held, found.shortfall, found.sufficient) == (
        D("600"),
        D("400"),
        D("1000"),
        D("0"),
        True,
    )


def test_a_policy_attaching_above_the_capital_counts_for_nothing() -> None:
    # Capital 600, attachment 700: the 100 between them is the firm's own, the policy cannot stand in.
    found = position(D("1000"), "EUR", [declaration("c", "600")], [cover("p", "400", "700")], DAY)
    assert (found.insurance, found.shortfall) == (D("0"), D("400"))
    assert "above the capital held" in (found.policies[0].reason or "")


def test_only_the_latest_valid_declaration_in_the_runs_currency_counts() -> None:
    rows = [
        declaration("usd", "5000", "USD"),  # newest, in another currency
        declaration("late", "900", as_of=date(2026, 7, 1)),  # not yet held on the day
        declaration("old", "800"),
        declaration("older", "700"),
    ]
    found = position(D("1000"), "EUR", rows, [], DAY)
    assert found.declaration is not None and found.declaration.id == "old"
    assert found.shortfall == D("200")
    assert found.notes == (
        "declaration usd is in USD, not the run's EUR: not counted (no exchange rate is assumed)",
    )


def test_an_expired_declaration_or_policy_holds_nothing() -> None:
    found = position(
        D("10"),
        "EUR",
        [declaration("c", "10", valid_until=date(2026, 6, 29))],
        [cover("p", "10", "0", valid_until=date(2026, 6, 29))],
        DAY,
    )
    assert (found.held, found.shortfall) == (D("0"), D("10"))


@given(
    need=st.decimals(0, 10**9, places=2),
    capital=st.decimals(0, 10**9, places=2),
    limit=st.decimals("0.01", 10**9, places=2),
    above=st.decimals("0.01", 10**9, places=2),
)
def test_shortfall_is_what_is_missing_and_a_gap_never_helps(
    need: Decimal, capital: Decimal, limit: Decimal, above: Decimal
) -> None:
    alone = position(need, "EUR", [declaration("c", str(capital))], [], DAY)
    gapped = position(
        need, "EUR", [declaration("c", str(capital))], [cover("p", str(limit), str(capital + above))], DAY
    )
    assert alone.shortfall == max(need - capital, D(0))
    assert alone.sufficient == (alone.shortfall == 0)
    assert gapped.held == alone.held


def test_the_parts_must_add_up_to_the_amount() -> None:
    terms = {
        "amount": "100.00",
        "currency": "EUR",
        "composition": [{"component": "CET1", "amount": "60"}, {"component": "Tier 2", "amount": "40.01"}],
        "as_of": "2026-01-01",
        "valid_until": "2026-12-31",
        "deployment_ids": [],
        "verdict": "unverified",
    }
    with pytest.raises(ValidationError, match=r"adds up to 100.01, not the amount 100.00"):
        BufferDeclared.model_validate(terms)
    terms["composition"][1]["amount"] = "40"  # type: ignore[index]
    assert BufferDeclared.model_validate(terms).amount == D("100.00")


def test_a_firm_does_not_insure_itself() -> None:
    with pytest.raises(ValidationError, match="does not insure itself"):
        InsuranceBound.model_validate(
            {
                "insurer_id": "a",
                "insured_id": "a",
                "deployment_ids": [],
                "limit": "1",
                "attachment_point": "0",
                "premium": "0",
                "currency": "EUR",
                "term_start": "2026-01-01",
                "valid_until": "2026-12-31",
                "policy_reference": "P",
                "verdict": "unverified",
            }
        )
