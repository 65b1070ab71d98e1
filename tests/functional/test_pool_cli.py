"""``custos pool`` as the operator runs it on the installation and as a firm runs it through the
API: a call from a stress run, payments, a claim admitted and paid pro rata, a subrogation and a
recovery, each figure with its currency and scale; bad input is one line and exit code 2, and
nothing is filed then.

By hand: the run asks Firm A for EUR 600,000 and Firm B for EUR 400,000. A pays in full, so the
fund holds 600,000. Firm B's claim is admitted at 800,000: the fund pays 600,000 / 800,000 = 75%
of it, 600,000, leaving 200,000 unpaid. The fund claims 600,000 from A and recovers 100,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from custos.access.service import operator
from custos.cli import pool_cmds
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.cli_world import CommandWorld
from tests.functional.pool_samples import incident, stress_run
from tests.functional.test_peers_cli import commands_served, opened

URL = "http://pool.example"


@pytest.fixture
def world(tmp_path: Path) -> CommandWorld:
    made = CommandWorld(tmp_path / "home", URL)
    made.run("init", "--origin", "pool.example/log", "--authority", "Authority", "-j", "EU")
    for name in ("Firm A", "Firm B"):
        made.ids[name] = made.json("orgs", "add", name, "-j", "FR", "--country", "FR", "-k", "deployer")["id"]
    made.run("policy", "load", "--builtin", "custos-baseline")
    with opened(made.home) as store:
        by = operator(store)
        model = ModelRegistration.model_validate({"name": "Model", "provider_id": made.ids["Firm A"]})
        made.ids["model"] = RegistryService(store).register_model(model, by=by).id
        made.ids["incident"] = incident(store, by, made.ids["model"])
        stress_run(store, by, {made.ids["Firm A"]: [600_000.0], made.ids["Firm B"]: [300_000.0, 100_000.0]})
    return made


@pytest.fixture
def api(world: CommandWorld, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    with commands_served(world.home, monkeypatch, pool_cmds, URL) as client:
        yield client


def test_the_operator_calls_collects_pays_out_and_recovers(world: CommandWorld) -> None:
    due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    calls = {call["organisation"]: call for call in world.json("pool", "call", "--due", due)}
    assert {name: call["amount"] for name, call in calls.items()} == {
        "Firm A": "600000.00",
        "Firm B": "400000.00",
    }
    shown = world.run("pool", "calls")
    assert "EUR 600,000.00" in shown and "EUR 400,000.00" in shown and "5% a year" in shown
    assert "already called" in world.refused("pool", "call", "--due", due)

    paid = world.json("pool", "pay", calls["Firm A"]["id"], "--amount", "600000")
    assert (paid["status"], paid["principal_outstanding"]) == ("paid", "0.00")
    assert "USD" in world.refused("pool", "pay", calls["Firm B"]["id"], "--amount", "10", "--currency", "USD")
    for wrong in ("ten", "-5", "0", "10.001", "1e15"):
        assert "--amount" in world.refused("pool", "pay", calls["Firm B"]["id"], "--amount", wrong)
    assert "--currency" in world.refused(
        "pool", "pay", calls["Firm B"]["id"], "--amount", "10", "--currency", "euro"
    )
    today = datetime.now(UTC).date()
    assert f"before the call was sent, on {today}" in world.refused(
        "pool", "pay", calls["Firm B"]["id"], "--amount", "100", "--paid-on", "2020-01-01"
    )
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "future" in world.refused(
        "pool", "pay", calls["Firm B"]["id"], "--amount", "100", "--paid-on", tomorrow
    )
    assert "--paid-on" in world.refused(
        "pool", "pay", calls["Firm B"]["id"], "--amount", "1", "--paid-on", "soon"
    )

    claim = world.json(
        "pool", "claim", "--incident", world.ids["incident"], "--organisation", "Firm B",
        "--amount", "900000", "--description", "Outage losses",
    )  # fmt: skip
    assert "no incident" in world.refused(
        "pool",
        "claim",
        "--incident",
        "nope",
        "--organisation",
        "Firm B",
        "--amount",
        "1",
        "--description",
        "x",
    )
    claiming = ("pool", "claim", "--incident", world.ids["incident"], "--amount", "1", "--description", "x")
    neither = world.refused(*claiming)
    assert "--organisation" in neither and "--claimant" in neither and "organisation_id" not in neither
    both = world.refused(*claiming, "--organisation", "Firm B", "--claimant", "A household")
    assert "--organisation or --claimant, not both" in both
    assert "either" in world.refused(
        "pool", "assess", claim["id"], "--admit", "1", "--reject", "--grounds", "x"
    )
    assert "--admit" in world.refused("pool", "assess", claim["id"], "--admit", "-1", "--grounds", "x")
    assert "above" in world.refused("pool", "assess", claim["id"], "--admit", "900000.01", "--grounds", "x")
    world.run("pool", "assess", claim["id"], "--admit", "800000", "--grounds", "Invoices")

    payout = world.json("pool", "payout", "--incident", world.ids["incident"])
    assert (payout["total"], payout["share"], payout["unpaid"]) == ("600000.00", "0.75", "200000.00")
    claims = world.run("pool", "claims")
    assert "claimed EUR 900,000.00" in claims and "unpaid EUR 200,000.00" in claims
    assert "75%" in world.run("pool", "payouts")

    subrogation = world.json(
        "pool",
        "subrogate",
        "--incident",
        world.ids["incident"],
        "--organisation",
        "Firm A",
        "--amount",
        "600000",
    )
    assert "beyond what it paid" in world.refused(
        "pool", "subrogate", "--incident", world.ids["incident"], "--organisation", "Firm A", "--amount", "1"
    )
    assert f"before the subrogation was recorded, on {today}" in world.refused(
        "pool", "recover", subrogation["id"], "--amount", "100", "--received-on", "2019-05-01"
    )
    world.run("pool", "recover", subrogation["id"], "--amount", "100000")
    balance = world.json("pool", "balance")
    assert (balance["balance"], balance["recovered"], balance["paid_out"]) == (
        "100000.00",
        "100000.00",
        "600000.00",
    )
    text = world.run("pool", "balance")
    assert "balance on" in text and "EUR 100,000.00" in text and "Filings the balance rests on" in text
    # 600,000 paid out: a figure of the whole fund reads in its scale with the exact sum beside it.
    assert "claims paid: EUR 600,000.00" in text and "Balance over time" in text
    assert "called: EUR 1 m (EUR 1,000,000.00) in 2 calls" in text


@pytest.mark.usefixtures("api")
def test_a_firm_sees_and_pays_only_its_own_call(world: CommandWorld) -> None:
    due = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    calls = {call["organisation"]: call["id"] for call in world.json("pool", "call", "--due", due)}
    firm = world.token("deployer", "Firm B")
    (mine,) = world.json("pool", "calls", *firm)
    assert (mine["organisation"], mine["amount"]) == ("Firm B", "400000.00")
    assert "the firm it is for" in world.refused("pool", "pay", calls["Firm A"], "--amount", "1", *firm)
    paid = world.json("pool", "pay", calls["Firm B"], "--amount", "100000", *firm)
    assert (paid["principal_outstanding"], paid["status"]) == ("300000.00", "open")
    assert world.json("pool", "balance", *firm)["balance"] == "100000.00"
    shown = world.run("pool", "balance", *firm)
    assert "supervisors only" in shown and "Balance over time" not in shown
