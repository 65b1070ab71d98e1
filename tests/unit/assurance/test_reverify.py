"""Re-verifying every filed attestation: after an accreditation is withdrawn, exactly the
attestations its keys signed are refused, with the reason; others still verify; an ended
validity is reported, not refused; the answer is the same on worker processes as in-process,
and nothing is filed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from custos.assurance.model import AttestationSubmitted, AuditEngaged
from custos.assurance.reverify import reverify
from custos.core.clock import FixedClock
from custos.core.errors import InvalidInput
from custos.registry.model import OrganisationRegistered
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.assurance.audits import Audit, accredit, audit, signer
from tests.unit.registry.world import Parties, installed, log_size  # noqa: F401


@pytest.fixture
def audited(installed: tuple[Store, Parties]) -> Iterator[Audit]:  # noqa: F811
    yield audit(*installed)


def advance(audit: Audit, delta: timedelta) -> None:
    clock = audit.store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


def second_auditor(first: Audit) -> Audit:
    """Another firm, accredited with an ECDSA P-256 key, engaged about the same model for
    another scope; its Statement is issued a day after the engagement."""
    parties = first.parties
    firm = (
        RegistryService(first.store)
        .register_organisation(
            OrganisationRegistered.model_validate(
                {"name": "Prüfung AG", "jurisdiction": "DE", "country": "DE"}
            ),
            by=parties.supervisor,
        )
        .id
    )
    key = signer("ecdsa")
    accreditation = accredit(first.service, parties.supervisor, firm, key)
    engagement = first.service.engage(
        AuditEngaged(subject_id=parties.model, scope="eu-ai-act-art55-evaluation", auditor_id=firm),
        by=parties.provider_actor,
    )
    advance(first, timedelta(days=1))
    return replace(first, auditor=firm, key=key, accreditation=accreditation, engagement=engagement.id)


def file(audit: Audit, **changes: str) -> str:
    envelope = audit.envelope(**changes)
    return audit.service.attest(AttestationSubmitted(envelope=envelope), by=audit.auditor_actor).id


def test_a_withdrawal_refuses_exactly_what_its_keys_signed(audited: Audit) -> None:
    other = second_auditor(audited)
    first = file(audited)
    second = file(
        other, scope="eu-ai-act-art55-evaluation", standard="Regulation (EU) 2024/1689, Art. 55(1)(a)"
    )
    before = reverify(audited.store, workers=1)
    assert (before.total, before.verified, before.refused) == (2, 2, 0)

    audited.service.step(audited.accreditation, "withdraw", "key lost", by=audited.parties.supervisor)
    size = log_size(audited.store)
    after = reverify(audited.store, workers=1)
    assert log_size(audited.store) == size  # a re-verification files nothing
    assert after.log_size == size
    assert (after.total, after.verified, after.refused) == (2, 1, 1)
    (refused,) = after.refusals
    assert (refused.attestation_id, refused.accreditation_id, refused.auditor_id) == (
        first,
        audited.accreditation,
        audited.auditor,
    )
    assert refused.reason is not None and "withdrawn" in refused.reason and "key lost" in refused.reason
    kept = next(found for found in after.attestations if found.attestation_id == second)
    assert kept.verified and kept.reason is None and kept.accreditation_id == other.accreditation


def test_an_ended_validity_is_reported_not_refused(audited: Audit) -> None:
    file(audited)
    advance(audited, timedelta(days=400))  # past the year the Statement is valid for
    report = reverify(audited.store, workers=1)
    (found,) = report.attestations
    assert found.verified and found.expired
    assert (report.verified, report.expired, report.refused) == (1, 1, 0)


def test_worker_processes_give_the_same_report(audited: Audit) -> None:
    other = second_auditor(audited)
    file(audited)
    file(other, scope="eu-ai-act-art55-evaluation", standard="Regulation (EU) 2024/1689, Art. 55(1)(a)")
    audited.service.step(audited.accreditation, "withdraw", "key lost", by=audited.parties.supervisor)
    in_process = reverify(audited.store, workers=1)
    seen: list[tuple[int, int]] = []
    on_workers = reverify(audited.store, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert (in_process.verified, in_process.refused) == (1, 1)
    assert on_workers == in_process
    assert seen and seen[-1] == (2, 2)


def test_no_attestation_gives_an_empty_report(audited: Audit) -> None:
    report = reverify(audited.store, workers=1)
    assert (report.total, report.attestations) == (0, ())


def test_workers_are_at_least_one(audited: Audit) -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        reverify(audited.store, workers=0)
