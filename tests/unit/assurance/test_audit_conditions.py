"""Licence conditions held by audit attestations: only while the attestation is valid, fresh
enough and favourable; an adverse opinion lapses the condition and the licence answers as it
was granted to (suspended when ``suspend_on_lapse``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from custos.assurance.model import AttestationSubmitted, AuditEngaged
from custos.core.clock import FixedClock
from custos.licensing.compliance import lapsed_conditions, sweep
from custos.licensing.model import LicenceApplication, LicenceStep, Transition
from custos.licensing.service import LicensingService
from custos.store import Store
from custos.store import licensing_views as lv
from tests.unit.assurance.audits import AUDIT_TAKES, Audit, audit
from tests.unit.registry.world import Parties

AUDITED: dict[str, Any] = {
    "id": "yearly-audit",
    "description": "A favourable third-party audit, at most a year old",
    "evidence": "audit.attested",
    "freshness": {"max_age_days": 365, "accept": {"opinion": ["pass", "qualified"]}},
    "suspend_on_lapse": True,
}


@pytest.fixture
def audited(installed: tuple[Store, Parties]) -> Iterator[Audit]:
    yield audit(*installed)


def licensed(audit: Audit) -> str:
    licensing = LicensingService(audit.store)
    parties = audit.parties
    application = LicenceApplication.model_validate(
        {"applicant_id": parties.provider, "model_id": parties.model, "scope": {"jurisdictions": ["EU"]}}
        | {"term_months": 36}
    )
    applied = licensing.apply(application, by=parties.supervisor)
    step = LicenceStep.model_validate({"conditions": [AUDITED]})
    return licensing.decide(applied.id, Transition.GRANT, step, by=parties.supervisor).id


def why(audit: Audit, licence_id: str) -> list[str]:
    with audit.store.read() as conn:
        row = lv.licence(conn, licence_id)
        assert row is not None
        return [c.why for c in lapsed_conditions(conn, row, audit.store.clock.now())]


def attest(audit: Audit, **changes: Any) -> None:
    audit.service.attest(AttestationSubmitted(envelope=audit.envelope(**changes)), by=audit.auditor_actor)


def advance(audit: Audit, delta: timedelta) -> None:
    clock = audit.store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


def reengage(audit: Audit) -> None:
    """A new engagement for the next audit (an engagement is answered once)."""
    audit.engagement = audit.service.engage(
        AuditEngaged(
            subject_id=audit.parties.model, scope="custos-systemic-risk-audit", auditor_id=audit.auditor
        ),
        by=audit.parties.provider_actor,
    ).id
    advance(audit, AUDIT_TAKES)


def test_the_condition_lapses_until_an_attestation_is_filed(audited: Audit) -> None:
    licence = licensed(audited)
    assert why(audited, licence) == ["no audit.attested filing is on file"]
    attest(audited)
    assert why(audited, licence) == []


def test_an_adverse_opinion_lapses_the_condition_and_the_sweep_suspends(audited: Audit) -> None:
    licence = licensed(audited)
    attest(audited, opinion="adverse", findingsSummary="Safeguards bypassed in 40% of attempts.")
    assert why(audited, licence) == [
        f"the latest audit.attested ({latest(audited)}) its opinion is adverse, not pass or qualified"
    ]
    (check,) = sweep(audited.store, by=audited.parties.supervisor)
    assert check.suspended
    with audited.store.read() as conn:
        row = lv.licence(conn, licence)
    assert row is not None and row["status"] == "suspended"


def test_the_condition_lapses_when_the_attestation_expires(audited: Audit) -> None:
    licence = licensed(audited)
    today = audited.store.clock.now().date()
    attest(audited, validUntil=(today + timedelta(days=90)).isoformat())
    advance(audited, timedelta(days=90))
    assert why(audited, licence) == []  # its last day
    advance(audited, timedelta(days=1))
    expired = (today + timedelta(days=90)).isoformat()
    assert why(audited, licence) == [f"the latest audit.attested ({latest(audited)}) expired on {expired}"]


def test_the_condition_lapses_past_its_freshness_and_a_newer_audit_restores_it(audited: Audit) -> None:
    licence = licensed(audited)
    attest(audited, validUntil=(audited.store.clock.now().date() + timedelta(days=3 * 365)).isoformat())
    advance(audited, timedelta(days=364))  # issued an hour before the clock: 364 days and an hour
    assert why(audited, licence) == []
    advance(audited, timedelta(days=1))
    assert why(audited, licence)[0].endswith("more than 365 days ago")
    reengage(audited)
    attest(audited)
    assert why(audited, licence) == []


def latest(audit: Audit) -> str:
    return audit.service.attestations(by=audit.parties.supervisor)[0].id
