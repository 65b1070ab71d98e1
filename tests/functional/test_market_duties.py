"""The baseline pack's market-structure duties on a real installation, with the built-in pack
loaded and the market filings made as a supervisor and the providers would make them.

What must hold (custos-baseline.yaml, docs/policy.md "Single points of failure" and "Merger
remedies"): a provider whose failure alone would cut off strictly more than a quarter of the
network's exposure owes a fallback plan, one at exactly a quarter does not; a later assessment
that takes it to a quarter or below lapses the duty; a fallback plan still valid discharges it,
while an escrow plan or an expired fallback plan does not; a remedy of kind escrow attaches the
escrow remedy duty, discharged by an escrow plan and by no other kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from custos.access.filer import file_as
from custos.access.model import Principal
from custos.access.service import operator
from custos.core.clock import FixedClock
from custos.core.ids import new_id
from custos.core.settings import Settings
from custos.filings import FilingKind
from custos.installation import create_installation
from custos.markets.model import (
    DEPENDENCIES_ASSESSED,
    FALLBACK_PLAN_FILED,
    MERGER_REVIEWED,
    REMEDY_IMPOSED,
    DependenciesAssessed,
    FallbackPlanFiled,
    MergerReviewed,
    ProviderDependency,
    RemedyImposed,
)
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from custos.store import policy_views as pv
from tests.conftest import TEST_NOW

FALLBACK_PLAN = "custos-baseline/market-linchpin/fallback-plan"
ESCROW_REMEDY = "custos-baseline/merger-remedy-escrow/merger-remedy-escrow"
TODAY = TEST_NOW.date()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def store(sqlite_settings: Settings, clock: FixedClock) -> Iterator[Store]:
    """An installation with the built-in baseline pack active."""
    opened = create_installation(
        sqlite_settings, origin="test.custos/log", authority="Authority", jurisdiction_code="EU", clock=clock
    )
    text = (BUILTIN / "custos-baseline.yaml").read_text(encoding="utf-8")
    PolicyService(opened).load(text, origin="custos-baseline.yaml", by=operator(opened))
    yield opened
    opened.close()


def register(store: Store, name: str) -> str:
    organisation = OrganisationRegistered.model_validate(
        {"name": name, "jurisdiction": "FR", "country": "FR", "kinds": ["model_provider"]}
    )
    return RegistryService(store).register_organisation(organisation, by=operator(store)).id


def file(
    store: Store,
    clock: FixedClock,
    by: Principal,
    kind: FilingKind,
    content: Any,
    *,
    owner: str,
    subject: str,
) -> str:
    """File as the services do, a minute after the filing before (so filings sort in the order made)."""
    clock.advance(timedelta(minutes=1))
    filing = file_as(by, kind, content, owner=owner, subject=subject, clock=clock)
    with store.transaction() as uow:
        uow.file(filing)
    return filing.id


def assess(store: Store, clock: FixedClock, exposure: Mapping[str, float]) -> None:
    """A supervisor's dependency assessment listing every provider with its exposure share."""
    by = operator(store)
    threshold = 0.25
    providers = tuple(
        ProviderDependency(
            organisation_id=organisation,
            deployments=1,
            institutions=1,
            exposure_eur=share * 1e9,
            deployment_share=share,
            institution_share=share,
            exposure_share=share,
            linchpin=share > threshold,
        )
        for organisation, share in exposure.items()
    )
    content = DependenciesAssessed(
        threshold=threshold,
        threshold_source="custos-baseline@1.8.0 linchpin_exposure_share",
        deployments=len(providers),
        linchpins=tuple(p.organisation_id for p in providers if p.linchpin),
        providers=providers,
    )
    authority = by.organisation_id or ""
    file(store, clock, by, DEPENDENCIES_ASSESSED, content, owner=authority, subject=authority)


def plan(store: Store, clock: FixedClock, organisation: str, kind: str, valid_until: date) -> str:
    """The organisation's own fallback plan, filed by the supervisor on its behalf."""
    content = FallbackPlanFiled.model_validate(
        {
            "plan": kind,
            "summary": f"A {kind} plan",
            "tested_on": (valid_until - timedelta(days=200)).isoformat(),
            "valid_until": valid_until.isoformat(),
        }
    )
    return file(
        store, clock, operator(store), FALLBACK_PLAN_FILED, content, owner=organisation, subject=organisation
    )


def status(store: Store, organisation: str, key: str) -> str | None:
    with store.read() as conn:
        row = pv.obligations_of(conn, [organisation]).get((key, organisation))
    return None if row is None else str(row["status"])


def evidence(store: Store, organisation: str, key: str) -> str | None:
    """The filing that discharged the duty's current period, if any. The duties recur yearly, so a
    discharge opens the next period at once: the row is open again, with the discharge recorded."""
    with store.read() as conn:
        row = pv.obligations_of(conn, [organisation])[(key, organisation)]
    closed = json.loads(row["closed"]) if row["closed"] else {}
    return closed.get("evidence") if closed.get("reason", "").startswith("discharged") else None


def test_a_provider_strictly_above_a_quarter_owes_a_fallback_plan(store: Store, clock: FixedClock) -> None:
    above, at, below = (register(store, name) for name in ("Cloud SA", "Lab SAS", "Host SARL"))
    assert status(store, above, FALLBACK_PLAN) is None  # no assessment yet: nothing, not undetermined
    with store.read() as conn:
        assert not [
            r
            for r in pv.all_obligations(conn).values()
            if r["status"] == "undetermined" and r["subject_kind"] == "organisation"
        ]
    assess(store, clock, {above: 0.4, at: 0.25, below: 0.1})
    assert status(store, above, FALLBACK_PLAN) == "open"
    assert status(store, at, FALLBACK_PLAN) is None  # "above" is strict
    assert status(store, below, FALLBACK_PLAN) is None


def test_a_later_assessment_below_the_threshold_lapses_the_duty(store: Store, clock: FixedClock) -> None:
    provider, other = register(store, "Cloud SA"), register(store, "Lab SAS")
    assess(store, clock, {provider: 0.3, other: 0.3})
    assert status(store, provider, FALLBACK_PLAN) == "open"
    assess(store, clock, {provider: 0.2, other: 0.3})
    assert status(store, provider, FALLBACK_PLAN) == "lapsed"
    assert status(store, other, FALLBACK_PLAN) == "open"


def test_only_a_valid_fallback_plan_discharges_the_duty(store: Store, clock: FixedClock) -> None:
    provider = register(store, "Cloud SA")
    assess(store, clock, {provider: 0.5})
    plan(store, clock, provider, "escrow", TODAY + timedelta(days=365))
    assert evidence(store, provider, FALLBACK_PLAN) is None  # an escrow plan is not a fallback
    plan(store, clock, provider, "fallback", TODAY - timedelta(days=1))
    assert evidence(store, provider, FALLBACK_PLAN) is None  # valid until yesterday: expired
    with store.read() as conn:
        first_due = pv.obligations_of(conn, [provider])[(FALLBACK_PLAN, provider)]["due_at"]
    valid = plan(store, clock, provider, "fallback", TODAY + timedelta(days=365))
    assert evidence(store, provider, FALLBACK_PLAN) == valid
    with store.read() as conn:
        row = pv.obligations_of(conn, [provider])[(FALLBACK_PLAN, provider)]
    assert row["due_at"].year == first_due.year + 1  # the next yearly period


def test_an_escrow_remedy_is_answered_by_an_escrow_plan(store: Store, clock: FixedClock) -> None:
    acquirer, target = register(store, "Cloud SA"), register(store, "Lab SAS")
    by = operator(store)
    review = new_id(clock)
    reviewed = MergerReviewed(
        acquirer_id=acquirer,
        target_id=target,
        layers=(),
        linchpin_before=False,
        linchpin_after=True,
        exposure_share_before=0.2,
        exposure_share_after=0.45,
    )
    file(store, clock, by, MERGER_REVIEWED, reviewed, owner=acquirer, subject=review)
    assert status(store, acquirer, ESCROW_REMEDY) is None
    remedy = RemedyImposed.model_validate(
        {"review_id": review, "remedy": "escrow", "terms": "Escrow all weights"}
    )
    file(store, clock, by, REMEDY_IMPOSED, remedy, owner=acquirer, subject=acquirer)
    assert status(store, acquirer, ESCROW_REMEDY) == "open"
    assert status(store, target, ESCROW_REMEDY) is None
    assert status(store, acquirer, "custos-baseline/merger-remedy-fallback/merger-remedy-fallback") is None
    plan(store, clock, acquirer, "fallback", TODAY + timedelta(days=365))
    assert evidence(store, acquirer, ESCROW_REMEDY) is None  # a plan of another kind answers nothing
    escrowed = plan(store, clock, acquirer, "escrow", TODAY + timedelta(days=365))
    assert evidence(store, acquirer, ESCROW_REMEDY) == escrowed
