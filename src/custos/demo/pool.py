"""Seed the demonstration's liability pool after the stress test: each firm's contribution called
from the run, most paid on time and the largest 30 days late (so late interest shows at a size
that matters), a claim for the
demonstration's serious incident filed for the households who lost power and one by a firm,
both admitted and paid pro rata because the fund holds less than they are owed, and the fund's
claim against the model's provider with a partial recovery.

The call is recorded after it was sent: sent 40 days ago and due 30 days ago, the on-time
payments dated 35 days ago from the fund's bank statement (after the call was sent, as every
payment must be), the late one today. The claims are synthetic, sized against the
fund (together one and a half times what it holds) so the payout is pro rata.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from custos.access.model import Principal
from custos.core import units
from custos.demo.seed import PROVIDER
from custos.oversight.incidents import IncidentService
from custos.pool.interest import cents
from custos.pool.requests import (
    AssessmentRequest,
    CallRequest,
    ClaimRequest,
    PaymentRequest,
    PayoutRequest,
    RecoveryRequest,
    SubrogationRequest,
)
from custos.pool.service import PoolService
from custos.store import Store
from custos.store.incident_views import IncidentQuery

#: What each claim is admitted at, as a share of what the fund holds: 1.5 times it in all.
CLAIMS = (("households", Decimal("0.9")), ("firm", Decimal("0.6")))


def seed_pool(store: Store, by: Principal, say: Callable[[str], None]) -> None:
    pool, today = PoolService(store), store.clock.now().date()
    sent = CallRequest(due_on=today - timedelta(days=30), sent_on=today - timedelta(days=40))
    calls = pool.call(sent, by=by)
    late, *on_time = sorted(calls, key=lambda call: call.amount or 0, reverse=True)
    for call in on_time:
        paid = PaymentRequest(
            amount=call.amount or 0, currency=call.currency, paid_on=today - timedelta(days=35)
        )
        pool.pay(call.id, paid, by=by)
    owed = (late.amount or Decimal(0)) + (late.interest_outstanding or Decimal(0))
    late_paid = pool.pay(late.id, PaymentRequest(amount=owed, currency=late.currency), by=by)
    currency = late.currency
    say(
        f"Liability pool: {len(calls)} contributions called from the stress test; {late.organisation} paid "
        f"30 days late on its call of {units.cents(late.amount, currency)}, with "
        f"{units.cents(late_paid.interest_paid, currency)} of interest."
    )
    serious = [
        found
        for found in IncidentService(store).list(IncidentQuery(), by=by).incidents
        if found.severity == "serious"
    ]
    incident = serious[0].id
    held = pool.balance(by=by).balance
    claimants = {
        "households": {"claimant": "Households of the district that lost power"},
        "firm": {"organisation_id": calls[0].organisation_id},
    }
    for who, share in CLAIMS:
        amount = cents(held * share)
        claim = pool.claim(
            ClaimRequest(
                incident_id=incident,
                amount=amount,
                currency=currency,
                description="Synthetic: losses from the three-hour power cut.",
                **claimants[who],
            ),
            by=by,
        )
        pool.assess(
            claim.id,
            AssessmentRequest(outcome="admitted", admitted=amount, grounds="Synthetic: losses documented."),
            by=by,
        )
    payout = pool.payout(PayoutRequest(incident_id=incident), by=by)
    subrogation = pool.subrogate(
        SubrogationRequest(incident_id=incident, organisation=PROVIDER, amount=payout.total), by=by
    )
    pool.recover(subrogation.id, RecoveryRequest(amount=cents(payout.total * Decimal("0.4"))), by=by)
    say(
        f"Claims for the power cut paid pro rata ({units.percent(payout.share)} of "
        f"{units.cents(payout.owed, currency)}); the fund claimed {units.cents(payout.total, currency)} "
        f"from {PROVIDER} and recovered 40% of it."
    )
