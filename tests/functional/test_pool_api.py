"""The liability pool over HTTP, for every role: the public sees the balance and totals and no
firm's amount; a firm its own calls; a claimant its own claims and payout lines; supervisors
everything. Refusals name their reason and leave the log as it was.

The world: a run asks Provider SA (the organisation of every actor but the supervisor) for EUR
300,000 (two deployments, 200,000 and 100,000) and Other Corp for EUR 100,000. Provider SA pays
in full on time, so the fund holds 300,000; Provider SA claims 500,000 for an incident, admitted
at 400,000, and is paid 300,000 (75%), leaving 100,000 unpaid.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from custos.access.model import Role
from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.pool.model import PayoutLine, PayoutMade
from custos.pool.requests import (
    AssessmentRequest,
    CallRequest,
    ClaimRequest,
    PaymentRequest,
    PayoutRequest,
    SubrogationRequest,
)
from custos.pool.service import PoolService
from tests.functional.conftest import Api
from tests.functional.pool_samples import baseline, incident, stress_run
from tests.functional.test_findings_api import log_size

POOL = "/v1/pool"
STAGES = ("called", "paid", "claimed", "assessed", "paid out", "subrogated")


def pooled(api: Api, until: str) -> dict[str, str]:
    """The module's world filed by the operator up to stage ``until``; the ids made."""
    store, by = api.store, operator(api.store)
    provider, other = api.organisations["provider"]["id"], api.organisations["other"]["id"]
    baseline(store, by)
    stress_run(store, by, {provider: [200_000.0, 100_000.0], other: [100_000.0]})
    pool = PoolService(store)
    due = store.clock.now().date() + timedelta(days=30)
    calls = {call.organisation_id: call.id for call in pool.call(CallRequest(due_on=due), by=by)}
    ids = {
        "call": calls[provider],
        "other call": calls[other],
        "incident": incident(store, by, api.samples["model"]),
    }
    steps = STAGES[1 : STAGES.index(until) + 1]
    if "paid" in steps:
        pool.pay(ids["call"], PaymentRequest(amount=Decimal(300_000), currency="EUR"), by=by)
    if "claimed" in steps:
        claim = ClaimRequest(
            incident_id=ids["incident"],
            amount=Decimal(500_000),
            currency="EUR",
            description="Lost revenue",
            organisation_id=provider,
        )
        ids["claim"] = pool.claim(claim, by=by).id
    if "assessed" in steps:
        admitted = AssessmentRequest(outcome="admitted", admitted=Decimal(400_000), grounds="Invoices")
        pool.assess(ids["claim"], admitted, by=by)
    if "paid out" in steps:
        ids["payout"] = pool.payout(PayoutRequest(incident_id=ids["incident"]), by=by).id
    if "subrogated" in steps:
        found = SubrogationRequest(incident_id=ids["incident"], organisation=other, amount=Decimal(100_000))
        ids["subrogation"] = pool.subrogate(found, by=by).id
    return ids


def pool_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed pool request that the roles holding the route's permission may make: writes
    by others than the supervisor act for Provider SA."""
    provider = api.organisations["provider"]["id"]
    if (method, path) == ("POST", f"{POOL}/calls"):
        baseline(api.store, operator(api.store))
        stress_run(api.store, operator(api.store), {provider: [1000.0]})
        return path, {"json": {"due_on": (api.store.clock.now().date() + timedelta(days=30)).isoformat()}}
    if path == f"{POOL}/calls/{{call_id}}/payments":
        ids = pooled(api, "called")
        return path.replace("{call_id}", ids["call"]), {"json": {"amount": "100.00", "currency": "EUR"}}
    if (method, path) == ("POST", f"{POOL}/claims"):
        ids = pooled(api, "called")
        body = {"incident_id": ids["incident"], "amount": "10.00", "currency": "EUR", "description": "Harm"}
        return path, {"json": body | {"organisation_id": provider}}
    if path == f"{POOL}/claims/{{claim_id}}/assessment":
        ids = pooled(api, "claimed")
        body = {"outcome": "admitted", "admitted": "100.00", "grounds": "Invoices"}
        return path.replace("{claim_id}", ids["claim"]), {"json": body}
    if (method, path) == ("POST", f"{POOL}/payouts"):
        return path, {"json": {"incident_id": pooled(api, "assessed")["incident"]}}
    if (method, path) == ("POST", f"{POOL}/subrogations"):
        ids = pooled(api, "paid out")
        return path, {"json": {"incident_id": ids["incident"], "organisation": provider, "amount": "1000.00"}}
    if path == f"{POOL}/subrogations/{{subrogation_id}}/recoveries":
        ids = pooled(api, "subrogated")
        return path.replace("{subrogation_id}", ids["subrogation"]), {"json": {"amount": "10.00"}}
    if method == "GET":
        pooled(api, "subrogated")
    return path, {}


def get(api: Api, role: Role, path: str) -> Any:
    answer = api.client.get(f"{POOL}{path}", headers=api.headers(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def refused(api: Api, role: Role, path: str, body: Any, status: int) -> str:
    """POST ``body`` and expect ``status`` with nothing filed; the problem's reason."""
    before = log_size(api)
    answer = api.client.post(f"{POOL}{path}", headers=api.headers(role), json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert log_size(api) == before
    return str(answer.json()["detail"])


# --- who sees what ------------------------------------------------------------------------------


def test_the_public_sees_the_balance_and_totals_but_no_firms_amount(api: Api) -> None:
    ids = pooled(api, "subrogated")
    balance = get(api, Role.PUBLIC, "/balance")
    assert (balance["balance"], balance["principal_paid"], balance["paid_out"]) == (
        "0.00",
        "300000.00",
        "300000.00",
    )
    assert balance["called"] == "400000.00" and balance["calls"] == 2 and balance["claims"] == 1
    amounts = {move["kind"]: (move.get("on"), move.get("amount")) for move in balance["rests_on"]}
    today = api.store.clock.now().date().isoformat()
    # A payment's day and amount are the firm's; the step of the balance on the day one firm paid
    # would be its amount, so the public sees no balance over time at all.
    assert amounts == {"pool.contribution_paid": (None, None), "pool.payout_made": (today, "-300000.00")}
    assert "series" not in balance
    assert get(api, Role.PUBLIC, "/calls") == [] and get(api, Role.PUBLIC, "/claims") == []
    assert get(api, Role.PUBLIC, "/subrogations") == []
    (payout,) = get(api, Role.PUBLIC, "/payouts")
    assert (payout["total"], payout["share"], payout["unpaid"]) == ("300000.00", "0.75", "100000.00")
    assert payout["lines"] == [] and payout["id"] == ids["payout"]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.DEPLOYER])
def test_a_firm_sees_its_own_call_and_claim_and_nobody_elses(api: Api, role: Role) -> None:
    ids = pooled(api, "subrogated")
    (call,) = get(api, role, "/calls")
    assert (call["id"], call["amount"], call["status"], call["late"]) == (
        ids["call"],
        "300000.00",
        "paid",
        False,
    )
    (claim,) = get(api, role, "/claims")
    assert (claim["admitted"], claim["paid"], claim["unpaid"]) == ("400000.00", "300000.00", "100000.00")
    assert claim["payments"][0]["share"] == "0.75"
    (payout,) = get(api, role, "/payouts")
    assert [line["claim_id"] for line in payout["lines"]] == [ids["claim"]]
    # The subrogation is against Other Corp: Provider SA sees none.
    assert get(api, role, "/subrogations") == []
    balance = get(api, role, "/balance")
    public_rows = {move["filing_id"]: move.get("amount") for move in balance["rests_on"]}
    assert set(public_rows.values()) == {"300000.00", "-300000.00"}
    assert "series" not in balance


def test_supervisors_see_every_call_claim_and_subrogation(api: Api) -> None:
    pooled(api, "subrogated")
    calls = get(api, Role.SUPERVISOR, "/calls")
    assert sorted(call["amount"] for call in calls) == ["100000.00", "300000.00"]
    assert {call["status"] for call in calls} == {"paid", "open"}
    (subrogation,) = get(api, Role.SUPERVISOR, "/subrogations")
    assert (subrogation["amount"], subrogation["recovered"]) == ("100000.00", "0.00")
    balance = get(api, Role.SUPERVISOR, "/balance")
    today = api.store.clock.now().date().isoformat()
    # Paid 300,000 in, paid 300,000 out, both today: the day ends at zero.
    assert balance["series"] == [{"on": today, "balance": "0.00"}]
    assert {move["kind"]: move["on"] for move in balance["rests_on"]} == {
        "pool.contribution_paid": today,
        "pool.payout_made": today,
    }


# --- refusals -----------------------------------------------------------------------------------


def test_payments_are_refused_for_unknown_calls_other_firms_and_other_currencies(api: Api) -> None:
    ids = pooled(api, "called")
    body = {"amount": "10.00", "currency": "EUR"}
    assert "no contribution call" in refused(api, Role.PROVIDER, "/calls/nope/payments", body, 404)
    assert "the firm it is for" in refused(
        api, Role.PROVIDER, f"/calls/{ids['other call']}/payments", body, 403
    )
    usd = body | {"currency": "USD"}
    assert "in EUR" in refused(api, Role.PROVIDER, f"/calls/{ids['call']}/payments", usd, 422)
    cents = body | {"amount": "10.001"}
    assert "amount" in refused(api, Role.PROVIDER, f"/calls/{ids['call']}/payments", cents, 422)
    future = body | {"paid_on": "2099-01-01"}
    assert "future" in refused(api, Role.PROVIDER, f"/calls/{ids['call']}/payments", future, 422)
    earlier = body | {"paid_on": "2026-10-01"}
    assert "bank statement" in refused(api, Role.PROVIDER, f"/calls/{ids['call']}/payments", earlier, 422)


def test_money_dated_before_its_call_or_subrogation_existed_is_refused(api: Api) -> None:
    ids = pooled(api, "subrogated")
    today = api.store.clock.now().date()
    before = {"amount": "10.00", "currency": "EUR", "paid_on": (today - timedelta(days=1)).isoformat()}
    assert f"before the call was sent, on {today}" in refused(
        api, Role.SUPERVISOR, f"/calls/{ids['other call']}/payments", before, 422
    )
    on_the_day = before | {"paid_on": today.isoformat()}
    path = f"{POOL}/calls/{ids['other call']}/payments"
    assert api.client.post(path, headers=api.headers(Role.SUPERVISOR), json=on_the_day).status_code == 201
    early = {"amount": "10.00", "received_on": "2019-05-01"}
    assert f"before the subrogation was recorded, on {today}" in refused(
        api, Role.SUPERVISOR, f"/subrogations/{ids['subrogation']}/recoveries", early, 422
    )


def test_a_call_sent_earlier_is_paid_from_the_day_it_was_sent(api: Api) -> None:
    store, by = api.store, operator(api.store)
    baseline(store, by)
    provider = api.organisations["provider"]["id"]
    stress_run(store, by, {provider: [1_000.0]})
    today = store.clock.now().date()
    body = {
        "due_on": (today + timedelta(days=1)).isoformat(),
        "sent_on": (today + timedelta(days=1)).isoformat(),
    }
    assert "future" in refused(api, Role.SUPERVISOR, "/calls", body, 422)
    body = {
        "due_on": (today - timedelta(days=11)).isoformat(),
        "sent_on": (today - timedelta(days=10)).isoformat(),
    }
    assert "before the call was sent" in refused(api, Role.SUPERVISOR, "/calls", body, 422)
    assert "before the call was sent" in refused(
        api, Role.SUPERVISOR, "/calls", {"due_on": (today - timedelta(days=1)).isoformat()}, 422
    )
    body = {
        "due_on": (today - timedelta(days=5)).isoformat(),
        "sent_on": (today - timedelta(days=10)).isoformat(),
    }
    answer = api.client.post(f"{POOL}/calls", headers=api.headers(Role.SUPERVISOR), json=body)
    assert answer.status_code == 201, answer.text
    (call,) = answer.json()
    assert call["sent_on"] == body["sent_on"]
    pay = {"amount": "1000.00", "currency": "EUR"}
    eleven = pay | {"paid_on": (today - timedelta(days=11)).isoformat()}
    assert "before the call was sent" in refused(
        api, Role.SUPERVISOR, f"/calls/{call['id']}/payments", eleven, 422
    )
    # Paid the day it was sent, five days before it was due: on time, no interest.
    ten = pay | {"paid_on": body["sent_on"]}
    paid = api.client.post(
        f"{POOL}/calls/{call['id']}/payments", headers=api.headers(Role.SUPERVISOR), json=ten
    )
    assert paid.status_code == 201, paid.text
    assert (paid.json()["status"], paid.json()["interest_paid"], paid.json()["late"]) == (
        "paid",
        "0.00",
        False,
    )


def test_late_payment_earns_interest_from_the_pack(api: Api, clock: FixedClock) -> None:
    ids = pooled(api, "called")
    clock.advance(timedelta(days=40))  # due in 30 days: 10 days late
    body = {"amount": "300000.00", "currency": "EUR"}
    answer = api.client.post(
        f"{POOL}/calls/{ids['call']}/payments", headers=api.headers(Role.DEPLOYER), json=body
    )
    assert answer.status_code == 201, answer.text
    call = answer.json()
    # 300,000 x 0.05 x 10 / 365 = 410.958... -> 410.96 of interest, settled first.
    assert (call["interest_paid"], call["principal_outstanding"], call["late"]) == ("410.96", "410.96", True)
    assert call["late_interest_rate"] == "0.05" and "pool_late_interest_rate" in call["rate_source"]


def test_claims_and_assessments_are_refused_with_their_reason(api: Api) -> None:
    ids = pooled(api, "claimed")
    claim = {"incident_id": "nope", "amount": "10.00", "currency": "EUR", "description": "Harm"}
    assert "no incident" in refused(api, Role.PROVIDER, "/claims", claim, 404)
    other = claim | {"incident_id": ids["incident"], "organisation_id": api.organisations["other"]["id"]}
    assert "its own claims" in refused(api, Role.PROVIDER, "/claims", other, 403)
    above = {"outcome": "admitted", "admitted": "500000.01", "grounds": "Too much"}
    assert "above" in refused(api, Role.SUPERVISOR, f"/claims/{ids['claim']}/assessment", above, 422)
    bare = {"outcome": "admitted", "grounds": "No amount"}
    assert "admitted" in refused(api, Role.SUPERVISOR, f"/claims/{ids['claim']}/assessment", bare, 422)
    rejected = {"outcome": "rejected", "grounds": "Not covered"}
    path = f"{POOL}/claims/{ids['claim']}/assessment"
    assert api.client.post(path, headers=api.headers(Role.SUPERVISOR), json=rejected).status_code == 201
    assert "already" in refused(api, Role.SUPERVISOR, f"/claims/{ids['claim']}/assessment", rejected, 409)


def test_subrogation_beyond_what_was_paid_out_and_recovery_beyond_it_are_refused(api: Api) -> None:
    ids = pooled(api, "subrogated")
    beyond = {"incident_id": ids["incident"], "organisation": "Other Corp", "amount": "200000.01"}
    assert "beyond what it paid" in refused(api, Role.SUPERVISOR, "/subrogations", beyond, 422)
    more = {"amount": "100000.01"}
    assert "outstanding" in refused(
        api, Role.SUPERVISOR, f"/subrogations/{ids['subrogation']}/recoveries", more, 422
    )
    assert "nothing to pay" in refused(
        api, Role.SUPERVISOR, "/payouts", {"incident_id": ids["incident"]}, 422
    )


def test_a_direct_payout_that_would_overdraw_the_fund_is_refused(api: Api) -> None:
    ids = pooled(api, "assessed")
    pool, by = PoolService(api.store), operator(api.store)
    day = api.store.clock.now().date()
    line = PayoutLine(claim_id=ids["claim"], owed=Decimal(400_000), paid=Decimal("300000.01"))
    too_much = PayoutMade(
        incident_id=ids["incident"], currency="EUR", paid_on=day, total=line.paid, lines=(line,)
    )
    before = log_size(api)
    with pytest.raises(InvalidInput, match="overdraw"):
        pool.record_payout(too_much, by=by)
    assert log_size(api) == before
    exact = PayoutLine(claim_id=ids["claim"], owed=Decimal(400_000), paid=Decimal(300_000))
    made = pool.record_payout(
        PayoutMade(
            incident_id=ids["incident"], currency="EUR", paid_on=day, total=exact.paid, lines=(exact,)
        ),
        by=by,
    )
    assert made.unpaid == Decimal(100_000) and pool.balance(by=by).balance == 0


def test_a_call_to_a_target_is_scaled_to_what_the_fund_lacks(api: Api) -> None:
    pooled(api, "paid")  # the fund holds 300,000
    provider, other = api.organisations["provider"]["id"], api.organisations["other"]["id"]
    by, pool = operator(api.store), PoolService(api.store)
    run = stress_run(api.store, by, {provider: [300_000.0], other: [100_000.0]}, run_id="run-2")
    due = api.store.clock.now().date() + timedelta(days=30)
    with pytest.raises(InvalidInput, match="at or above the target"):
        pool.call(CallRequest(run=run, due_on=due, target=Decimal(300_000)), by=by)
    # 500,000 - 300,000 = 200,000 to raise from 400,000 of run amounts: a scale of 0.5.
    calls = pool.call(CallRequest(run="run-2", due_on=due, target=Decimal(500_000)), by=by)
    assert {call.organisation_id: (call.run_amount, call.amount) for call in calls} == {
        provider: (Decimal("300000.00"), Decimal("150000.00")),
        other: (Decimal("100000.00"), Decimal("50000.00")),
    }
    assert {call.scale for call in calls} == {Decimal("0.5")}
    body = {"due_on": due.isoformat(), "run": run}
    assert "already called" in refused(api, Role.SUPERVISOR, "/calls", body, 409)
    assert "no stress run" in refused(api, Role.SUPERVISOR, "/calls", body | {"run": "run-9"}, 404)


def test_calling_without_a_pack_setting_the_rate_is_refused(api: Api) -> None:
    stress_run(api.store, operator(api.store), {api.organisations["provider"]["id"]: [1000.0]})
    body = {"due_on": (api.store.clock.now().date() + timedelta(days=30)).isoformat()}
    assert "pool_late_interest_rate" in refused(api, Role.SUPERVISOR, "/calls", body, 422)


def test_the_operator_claims_for_a_member_of_the_public(api: Api) -> None:
    ids = pooled(api, "called")
    claim = {
        "incident_id": ids["incident"],
        "amount": "1200.00",
        "currency": "EUR",
        "description": "Spoilt food",
    }
    answer = api.client.post(
        f"{POOL}/claims", headers=api.headers(Role.SUPERVISOR), json=claim | {"claimant": "A. Resident"}
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["claimant"], answer.json()["organisation"]) == ("A. Resident", "Authority")
    both = claim | {"claimant": "A. Resident", "organisation_id": api.organisations["other"]["id"]}
    assert "either" in refused(api, Role.SUPERVISOR, "/claims", both, 422)
    assert "member of the public" in refused(api, Role.PROVIDER, "/claims", claim | {"claimant": "Me"}, 403)
    assert get(api, Role.PROVIDER, "/claims") == []  # the authority's claim is not Provider SA's
