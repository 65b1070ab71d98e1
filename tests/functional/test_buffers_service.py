"""Buffers verified against a stress run whose figures are set by hand, with the baseline pack.

Bank deploys d1 and d2, Fund deploys d3, all in finance. The first run asks d1 for
EUR 600,000.25 and d2 for EUR 399,999.75 of capital, so Bank must hold EUR 1,000,000.00; it asks
d3 for EUR 250,000.10. A second run raises d1 to EUR 800,000.25 (Bank: EUR 1,200,000.00).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from custos.access.filer import file_as
from custos.access.model import Principal, Role
from custos.access.service import operator
from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.service import BuffersService
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from custos.core.ids import new_id
from custos.core.settings import Settings
from custos.installation import create_installation
from custos.licensing.compliance import lapsed_conditions
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import DeploymentRegistration, ModelRegistration, OrganisationRegistered
from custos.registry.service import RegistryService
from custos.risk.filings import (
    STRESS_TEST_COMPLETED,
    STRESS_TEST_PARTICIPATED,
    StressTestCompleted,
    StressTestParticipated,
)
from custos.store import Store
from custos.store import buffers_views as bv
from custos.store import policy_views as pv
from tests.conftest import TEST_NOW

BUFFERS = "custos-baseline/financial-markets/buffers"
SHORTFALL = "custos-baseline/buffer-shortfall/buffer-shortfall"
TODAY = TEST_NOW.date()
FIRST = {"d1": 600_000.25, "d2": 399_999.75, "d3": 250_000.10}


@dataclass
class World:
    store: Store
    clock: FixedClock
    ids: dict[str, str]

    def principal(self, name: str, role: Role = Role.DEPLOYER) -> Principal:
        return Principal(f"actor-{name}", name, role, self.ids[name], "FR")

    def run(self, capital: Mapping[str, float], currency: str = "EUR", network: str = "registry") -> str:
        """A stress run filed as the risk service files one: the run, then each deployment's part
        (none on a network whose deployments are not the registry's)."""
        self.clock.advance(timedelta(minutes=1))
        by = operator(self.store)
        run_id = new_id()
        content = StressTestCompleted(
            run_id=run_id,
            scenario=f"by hand on {network}",
            scenario_digest="sha256:0",
            network_digest="sha256:0",
            network={"name": network, "currency": currency},
            results_digest="sha256:0",
            seed=1,
            draws=1,
            engine="test",
            contagion_model="none",
            headline={},
        )
        run = file_as(
            by,
            STRESS_TEST_COMPLETED,
            content,
            owner=by.organisation_id or "",
            subject=run_id,
            clock=self.clock,
        )
        parts = [
            file_as(
                by,
                STRESS_TEST_PARTICIPATED,
                StressTestParticipated(
                    run_id=run_id,
                    run_filing_id=run.id,
                    currency=currency,
                    expected_loss=0.0,
                    capital=amount,
                    premium=0.0,
                    pool_contribution=0.0,
                ),
                owner=self.ids["Fund" if name == "d3" else "Bank"],
                subject=self.ids[name],
                clock=self.clock,
            )
            for name, amount in capital.items()
        ]
        with self.store.transaction() as uow:
            uow.file(run, *parts)
        return run.id

    def declare(self, firm: str, amount: str, **extra: Any) -> Any:
        self.clock.advance(timedelta(minutes=1))
        request = DeclarationRequest.model_validate(
            {
                "amount": amount,
                "currency": "EUR",
                "composition": [{"component": "CET1", "amount": amount}],
                "as_of": TODAY.isoformat(),
                **extra,
            }
        )
        return BuffersService(self.store).declare(request, by=self.principal(firm))

    def status(self, subject: str, key: str) -> tuple[str | None, str | None]:
        """The duty's status and the filing that discharged it, if any."""
        with self.store.read() as conn:
            row = pv.obligations_of(conn, [self.ids[subject]]).get((key, self.ids[subject]))
        if row is None:
            return None, None
        closed = json.loads(row["closed"]) if row["closed"] else {}
        return str(row["status"]), closed.get("evidence")


@pytest.fixture
def world(sqlite_settings: Settings) -> Iterator[World]:
    clock = FixedClock(TEST_NOW)
    store = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    by = operator(store)
    PolicyService(store).load(
        (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8"), origin="custos-baseline.yaml", by=by
    )
    registry = RegistryService(store)
    ids = {
        name: registry.register_organisation(
            OrganisationRegistered(name=name, jurisdiction="FR", country="FR"), by=by
        ).id
        for name in ("Dev", "Host", "Bank", "Fund", "Insurer")
    }
    ids["m"] = registry.register_model(ModelRegistration(name="m", provider_id=ids["Dev"]), by=by).id
    for name, deployer in (("d1", "Bank"), ("d2", "Bank"), ("d3", "Fund")):
        ids[name] = registry.register_deployment(
            DeploymentRegistration.model_validate(
                {
                    "name": name,
                    "deployer_id": ids[deployer],
                    "model_id": ids["m"],
                    "hosting_provider_id": ids["Host"],
                    "jurisdictions": ["FR"],
                    "sector": "finance",
                    "economic_exposure": {"amount": "1000", "currency": "EUR"},
                }
            ),
            by=by,
        ).id
    yield World(store, clock, ids)
    store.close()


def test_held_equal_to_the_requirement_is_sufficient_and_a_cent_less_is_not(world: World) -> None:
    world.run(FIRST)
    short = world.declare("Bank", "999999.99")
    assert (short.verdict, short.requirement, short.shortfall) == (
        "shortfall",
        Decimal("1000000.00"),
        Decimal("0.01"),
    )
    exact = world.declare("Bank", "1000000.00")
    assert (exact.verdict, exact.held, exact.shortfall) == ("sufficient", Decimal("1000000.00"), Decimal("0"))
    position = BuffersService(world.store).position("Bank", by=world.principal("Bank"))
    assert (position.requirement, position.capital, position.sufficient) == (
        Decimal("1000000.00"),
        Decimal("1000000.00"),
        True,
    )
    assert position.declaration_id == exact.id


def test_a_declaration_before_any_run_is_unverified(world: World) -> None:
    found = world.declare("Bank", "5")
    assert found.verdict == "unverified" and found.requirement is None
    assert set(found.deployment_ids) == {world.ids["d1"], world.ids["d2"]}


def test_only_a_sufficient_declaration_answers_the_deployments_buffers_duty(world: World) -> None:
    assert world.status("d1", BUFFERS)[0] == "open"
    world.run(FIRST)
    world.declare("Bank", "999999.99")
    assert world.status("d1", BUFFERS)[0] == "open"
    exact = world.declare("Bank", "1000000.00", deployment_ids=[world.ids["d1"]])
    assert world.status("d1", BUFFERS) == ("discharged", exact.id)
    assert world.status("d2", BUFFERS)[0] == "open"  # not covered by the declaration
    assert world.status("d3", BUFFERS)[0] == "open"  # another firm's


def test_a_shortfall_attaches_the_duty_a_new_sufficient_declaration_discharges(world: World) -> None:
    world.run(FIRST)
    assert world.status("Bank", SHORTFALL)[0] == "open"
    assert world.status("Fund", SHORTFALL)[0] == "open"
    world.declare("Bank", "999999.99")
    assert world.status("Bank", SHORTFALL)[0] == "open"
    exact = world.declare("Bank", "1000000.00")
    assert world.status("Bank", SHORTFALL) == ("discharged", exact.id)
    # A run that finds the firm holding enough attaches nothing.
    world.declare("Fund", "250000.10")
    world.run(FIRST)
    assert world.status("Fund", SHORTFALL)[0] == "lapsed"


def test_a_new_run_raising_the_requirement_asks_for_a_new_declaration(world: World) -> None:
    world.run(FIRST)
    world.declare("Bank", "1000000.00")
    assert world.status("Bank", SHORTFALL)[0] == "discharged"
    world.run({**FIRST, "d1": 800_000.25})
    assert world.status("Bank", SHORTFALL) == ("open", None)
    position = BuffersService(world.store).position("Bank", by=operator(world.store))
    assert (position.requirement, position.shortfall) == (Decimal("1200000.00"), Decimal("200000.00"))
    again = world.declare("Bank", "1200000.00")
    assert world.status("Bank", SHORTFALL) == ("discharged", again.id)


def test_insurance_counts_only_when_it_attaches_at_or_below_the_capital(world: World) -> None:
    world.run(FIRST)
    world.declare("Bank", "600000.00")
    service = BuffersService(world.store)

    def bind(attachment: str, limit: str) -> Any:
        world.clock.advance(timedelta(minutes=1))
        request = PolicyRequest(
            insurer_id=world.ids["Insurer"],
            limit=Decimal(limit),
            attachment_point=Decimal(attachment),
            premium=Decimal("1000"),
            currency="EUR",
            term_start=TODAY,
            term_end=TODAY + timedelta(days=364),
            policy_reference=f"P-{attachment}",
        )
        return service.bind(request, by=world.principal("Bank"))

    above = bind("700000.00", "400000.00")  # a gap of 100,000 between capital and attachment
    assert (above.verdict, above.held) == ("shortfall", Decimal("600000.00"))
    at = bind("600000.00", "400000.00")
    assert (at.verdict, at.held, at.shortfall) == ("sufficient", Decimal("1000000.00"), Decimal("0"))
    position = service.position("Bank", by=world.principal("Bank"))
    assert (position.capital, position.insurance) == (Decimal("600000.00"), Decimal("400000.00"))
    reasons = {policy.id: policy.reason for policy in position.policies}
    assert reasons[at.id] is None and "above the capital held" in (reasons[above.id] or "")
    # The insurer sees the policies it underwrites; the deployments' duties are answered.
    assert {p.id for p in service.policies(by=world.principal("Insurer"))} == {above.id, at.id}
    assert world.status("d2", BUFFERS) == ("discharged", at.id)


def test_a_declaration_in_another_currency_is_not_counted(world: World) -> None:
    world.run(FIRST)
    found = world.declare("Bank", "2000000.00", currency="USD")
    assert (found.verdict, found.held) == ("shortfall", Decimal("0"))
    position = BuffersService(world.store).position("Bank", by=operator(world.store))
    assert position.capital == Decimal("0")
    assert any("USD, not the run's EUR" in note for note in position.notes)


def test_a_declaration_lapses_when_its_validity_ends(world: World) -> None:
    world.run(FIRST)
    exact = world.declare("Bank", "1000000.00", valid_until=(TODAY + timedelta(days=10)).isoformat())
    service = BuffersService(world.store)
    assert service.position("Bank", by=operator(world.store), as_of=TODAY + timedelta(days=10)).sufficient
    later = service.position("Bank", by=operator(world.store), as_of=TODAY + timedelta(days=11))
    assert (later.capital, later.shortfall, later.declaration_id) == (
        Decimal("0"),
        Decimal("1000000.00"),
        None,
    )
    # A licence condition asking for a sufficient declaration holds until then, and lapses after.
    licence = {"id": "licence", "model_id": world.ids["m"], "applicant_id": world.ids["Bank"]}
    condition = {
        "id": "buffers",
        "description": "Hold sufficient buffers",
        "evidence": "buffer.declared",
        "freshness": {"accept": {"verdict": ["sufficient"]}},
    }
    row = {**licence, "conditions": json.dumps([condition])}
    now = TEST_NOW + timedelta(days=10)
    with world.store.read() as conn:
        assert lapsed_conditions(conn, row, now) == []
        (lapsed,) = lapsed_conditions(conn, row, now + timedelta(days=1))
    assert (
        lapsed.why
        == f"the latest buffer.declared ({exact.id}) expired on {(TODAY + timedelta(days=10)).isoformat()}"
    )


def test_an_insufficient_declaration_does_not_hold_a_licence_condition(world: World) -> None:
    world.run(FIRST)
    short = world.declare("Bank", "1.00")
    condition = {
        "id": "buffers",
        "description": "Hold sufficient buffers",
        "evidence": "buffer.declared",
        "freshness": {"accept": {"verdict": ["sufficient"]}},
    }
    row = {
        "id": "licence",
        "model_id": world.ids["m"],
        "applicant_id": world.ids["Bank"],
        "conditions": json.dumps([condition]),
    }
    with world.store.read() as conn:
        (lapsed,) = lapsed_conditions(conn, row, TEST_NOW)
    assert lapsed.why == f"the latest buffer.declared ({short.id}) its verdict is shortfall, not sufficient"


def test_refusals(world: World) -> None:
    with pytest.raises(ValidationError, match="adds up to 90, not the amount 100"):
        DeclarationRequest.model_validate(
            {
                "amount": "100",
                "currency": "EUR",
                "composition": [{"component": "CET1", "amount": "90"}],
                "as_of": "2026-01-01",
            }
        )
    with pytest.raises(InvalidInput, match="in the future"):
        world.declare("Bank", "1", as_of=(TODAY + timedelta(days=1)).isoformat())
    with pytest.raises(InvalidInput, match="more than a year after as_of"):
        world.declare("Bank", "1", valid_until=date(TODAY.year + 1, TODAY.month, TODAY.day + 1).isoformat())
    with pytest.raises(InvalidInput, match="not deployments of"):
        world.declare("Bank", "1", deployment_ids=[world.ids["d3"]])
    with pytest.raises(Forbidden):
        world.declare("Bank", "1", organisation_id=world.ids["Fund"])
    with pytest.raises(InvalidInput, match="insure itself"):
        BuffersService(world.store).bind(
            PolicyRequest(
                insurer_id="Bank",
                limit=Decimal(1),
                attachment_point=Decimal(0),
                premium=Decimal(0),
                currency="EUR",
                term_start=TODAY,
                term_end=TODAY,
                policy_reference="P",
            ),
            by=world.principal("Bank"),
        )


def test_other_firms_see_nothing_of_a_firms_buffers(world: World) -> None:
    world.run(FIRST)
    world.declare("Bank", "1000000.00")
    service = BuffersService(world.store)
    assert service.declarations(by=world.principal("Fund")) == []
    assert [firm.organisation for firm in service.positions(by=world.principal("Fund")).firms] == ["Fund"]
    with pytest.raises(NotFound):
        service.position("Bank", by=world.principal("Fund"))
    firms = service.positions(by=operator(world.store)).firms
    assert [(f.organisation, f.shortfall) for f in firms] == [
        ("Fund", Decimal("250000.10")),
        ("Bank", Decimal("0")),
    ]


def test_a_run_on_another_network_changes_nothing_the_registrys_run_found(world: World) -> None:
    """`custos risk run` on the shipped sample network files a run without participations: it
    asks nothing of the registry's firms and must not stand in for the run that did."""
    registry_run = world.run(FIRST)
    assert world.status("Bank", SHORTFALL)[0] == "open"
    world.run({}, currency="USD", network="sample")
    service = BuffersService(world.store)
    position = service.position("Bank", by=operator(world.store))
    assert (position.requirement, position.currency, position.in_run) == (
        Decimal("1000000.00"),
        "EUR",
        True,
    )
    assert position.run_scenario == "by hand on registry"
    assert service.positions(by=operator(world.store)).run_filing_id == registry_run
    with world.store.read() as conn:
        assert bv.shortfalls_at_latest_run(conn, [world.ids["Bank"]]) == {world.ids["Bank"]: 1_000_000.0}
    one = world.declare("Bank", "1.00")
    assert (one.verdict, one.requirement, one.verified_run_filing_id) == (
        "shortfall",
        Decimal("1000000.00"),
        registry_run,
    )
    assert world.status("Bank", SHORTFALL) == ("open", None)


def test_a_firm_the_run_does_not_hold_is_told_so_not_refused(world: World) -> None:
    world.run({"d1": 10.0})  # only Bank's d1 is in the run
    service = BuffersService(world.store)
    fund = service.position("Fund", by=world.principal("Fund"))
    assert (fund.in_run, fund.requirement, fund.deployments) == (False, Decimal("0"), 0)
    run_id = service.positions(by=operator(world.store)).run_id
    assert fund.notes[0].startswith(f"not in the latest run on the registry, {run_id}")
    (row,) = service.positions(by=world.principal("Fund")).firms
    assert (row.organisation, row.in_run) == ("Fund", False)
    assert [f.organisation for f in service.positions(by=operator(world.store)).firms] == ["Bank"]


def test_implausible_policies_are_refused_and_a_future_one_is_not_counted(world: World) -> None:
    world.run(FIRST)
    world.declare("Bank", "600000.00")
    service = BuffersService(world.store)

    def policy(**extra: Any) -> PolicyRequest:
        terms = {
            "insurer_id": world.ids["Insurer"],
            "limit": "400000.00",
            "attachment_point": "600000.00",
            "premium": "1000",
            "currency": "EUR",
            "term_start": TODAY.isoformat(),
            "term_end": (TODAY + timedelta(days=364)).isoformat(),
            "policy_reference": "P-9",
        }
        return PolicyRequest.model_validate({**terms, **extra})

    with pytest.raises(ValidationError, match=r"the premium \(400000.01\) is above the limit \(400000.00\)"):
        policy(premium="400000.01")
    assert policy(premium="400000.00").premium == Decimal("400000.00")  # dear, but not absurd
    later = service.bind(
        policy(term_start=(TODAY + timedelta(days=30)).isoformat()), by=world.principal("Bank")
    )
    assert (later.verdict, later.held) == ("shortfall", Decimal("600000.00"))
    reasons = {p.id: p.reason for p in service.position("Bank", by=world.principal("Bank")).policies}
    assert (reasons[later.id] or "").startswith(f"not yet in force on {TODAY.isoformat()}")
    with pytest.raises(Conflict, match="'P-9' is already filed and in force"):
        service.bind(policy(insured_id=world.ids["Bank"]), by=world.principal("Insurer"))
    # Another insurer may use the same reference; the insured may not insure itself.
    world.clock.advance(timedelta(minutes=1))
    other = service.bind(policy(insurer_id=world.ids["Fund"]), by=world.principal("Bank"))
    assert other.verdict == "sufficient"
    with pytest.raises(InvalidInput, match="insure itself"):
        service.bind(
            policy(insurer_id=world.ids["Bank"], policy_reference="P-10"), by=world.principal("Bank")
        )


def test_a_currency_is_read_in_any_case_and_a_malformed_one_is_refused_plainly(world: World) -> None:
    request = DeclarationRequest.model_validate(
        {
            "amount": "1",
            "currency": " eur ",
            "composition": [{"component": "CET1", "amount": "1"}],
            "as_of": TODAY.isoformat(),
        }
    )
    assert request.currency == "EUR"
    with pytest.raises(ValidationError, match="a three-letter ISO 4217 code such as EUR, not 'EURO'"):
        DeclarationRequest.model_validate({**request.model_dump(), "currency": "EURO"})
