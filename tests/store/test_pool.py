"""The liability pool on each backend: the worked example of docs/pool.md filed through the
service, the balance recomputed from the filings alone, and the views rebuilt identically by
replay.

The example, by hand: a run asks firm A for EUR 600,000 and firm B for EUR 400,000 (two
deployments of 250,000 and 150,000), due 2027-03-31, late interest 5% a year. A pays on time; B
pays on 2027-04-30, 30 days late: 400,000 x 0.05 x 30 / 365 = 1,643.835... -> 1,643.84 of
interest, so it pays 401,643.84. The fund holds 1,001,643.84. Claims for one incident are admitted
at 800,000 (X) and 500,000 (Y): 1,300,000 owed, more than the fund holds, so each gets
1,001,643.84 / 1,300,000 = 0.770495... of what it is owed, rounded down to the cent: X
616,396.20, Y 385,247.63 (1,001,643.83 in all; a cent stays). Unpaid: X 183,603.80, Y 114,752.37.
The fund claims 1,001,643.83 from A and recovers 250,000: it ends holding 250,000.01.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from custos.core.clock import FixedClock
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
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store._tables import filings
from tests.functional.pool_samples import baseline, incident, stress_run
from tests.store.organisations import registered
from tests.store.test_registry import SUPERVISOR
from tests.store.test_replay import views_of


def _on(clock: FixedClock, day: str) -> None:
    clock.set(datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC))


def worked_example(store: Store, clock: FixedClock) -> dict[str, str]:
    """The example of docs/pool.md, filed through the service; the ids of what it made."""
    baseline(store, SUPERVISOR)
    ids = registered(store, ("Firm A", "Firm B", "Claimant X", "Claimant Y"))
    model = (
        RegistryService(store)
        .register_model(ModelRegistration(name="Model", provider_id=ids["Firm A"]), by=SUPERVISOR)
        .id
    )
    harm = incident(store, SUPERVISOR, model)
    _on(clock, "2027-03-01")
    stress_run(store, SUPERVISOR, {ids["Firm A"]: [600_000.0], ids["Firm B"]: [250_000.0, 150_000.0]})
    pool = PoolService(store)
    calls = {
        call.organisation: call for call in pool.call(CallRequest(due_on=date(2027, 3, 31)), by=SUPERVISOR)
    }
    assert {name: call.amount for name, call in calls.items()} == {
        "Firm A": Decimal("600000.00"),
        "Firm B": Decimal("400000.00"),
    }
    _on(clock, "2027-03-30")
    pool.pay(calls["Firm A"].id, PaymentRequest(amount=Decimal("600000"), currency="EUR"), by=SUPERVISOR)
    _on(clock, "2027-04-30")
    paid = pool.pay(
        calls["Firm B"].id, PaymentRequest(amount=Decimal("401643.84"), currency="EUR"), by=SUPERVISOR
    )
    assert (paid.interest_paid, paid.principal_paid, paid.overpaid) == (
        Decimal("1643.84"),
        Decimal("400000.00"),
        Decimal("0.00"),
    )
    assert paid.payments[0].days_late == 30 and paid.late and paid.status == "paid"
    claims = {}
    for name, claimed, admitted in (("Claimant X", "900000", "800000"), ("Claimant Y", "500000", "500000")):
        claim = pool.claim(
            ClaimRequest(
                incident_id=harm,
                amount=Decimal(claimed),
                currency="EUR",
                description="losses",
                organisation_id=ids[name],
            ),
            by=SUPERVISOR,
        )
        pool.assess(
            claim.id,
            AssessmentRequest(outcome="admitted", admitted=Decimal(admitted), grounds="documented"),
            by=SUPERVISOR,
        )
        claims[name] = claim.id
    _on(clock, "2027-05-10")
    payout = pool.payout(PayoutRequest(incident_id=harm), by=SUPERVISOR)
    assert payout.total == Decimal("1001643.83") and payout.owed == Decimal("1300000.00")
    assert {line.claim_id: (line.paid, line.unpaid) for line in payout.lines} == {
        claims["Claimant X"]: (Decimal("616396.20"), Decimal("183603.80")),
        claims["Claimant Y"]: (Decimal("385247.63"), Decimal("114752.37")),
    }
    _on(clock, "2027-05-20")
    subrogation = pool.subrogate(
        SubrogationRequest(incident_id=harm, organisation="Firm A", amount=Decimal("1001643.83")),
        by=SUPERVISOR,
    )
    _on(clock, "2027-06-01")
    recovered = pool.recover(subrogation.id, RecoveryRequest(amount=Decimal("250000")), by=SUPERVISOR)
    assert (recovered.recovered, recovered.outstanding) == (Decimal("250000.00"), Decimal("751643.83"))
    return {"incident": harm, "subrogation": subrogation.id, **ids}


def test_the_worked_example_balances_from_its_filings_alone_and_replays(
    store: Store, clock: FixedClock
) -> None:
    worked_example(store, clock)
    balance = PoolService(store).balance(by=SUPERVISOR)
    assert balance.balance == Decimal("250000.01")
    assert (balance.principal_paid, balance.interest_paid) == (Decimal("1000000.00"), Decimal("1643.84"))
    assert (balance.paid_out, balance.recovered) == (Decimal("1001643.83"), Decimal("250000.00"))
    assert [(point.on, point.balance) for point in balance.series] == [
        (date(2027, 3, 30), Decimal("600000.00")),
        (date(2027, 4, 30), Decimal("1001643.84")),
        (date(2027, 5, 10), Decimal("0.01")),
        (date(2027, 6, 1), Decimal("250000.01")),
    ]

    # From the filings alone: every pool filing of the log, its amount read by hand.
    with store.read() as conn:
        rows = conn.execute(select(filings.c.idx, filings.c.document).order_by(filings.c.idx)).all()
    documents = {json.loads(document)["id"]: (index, json.loads(document)) for index, document in rows}
    signs = {"pool.contribution_paid": 1, "pool.recovery_received": 1, "pool.payout_made": -1}
    moving = {key: (index, doc) for key, (index, doc) in documents.items() if doc["kind"] in signs}
    summed = sum(
        signs[doc["kind"]]
        * Decimal(doc["content"]["total" if doc["kind"] == "pool.payout_made" else "amount"])
        for _, doc in moving.values()
    )
    assert summed == balance.balance  # no overpayment in the example: every payment counts whole
    assert {move.filing_id: move.index for move in balance.rests_on} == {
        key: index for key, (index, _) in moving.items()
    }

    before = views_of(store)
    store.replay()
    assert views_of(store) == before
    assert PoolService(store).balance(by=SUPERVISOR) == balance
