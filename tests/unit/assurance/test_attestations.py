"""Attestations: a Statement signed by an accredited auditor is filed and discharges the audit
duty; every way an envelope can be wrong is refused with its reason and nothing stored."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from custos.assurance.model import AttestationSubmitted, AuditEngaged
from custos.assurance.verification import AttestationRefused
from custos.core.clock import FixedClock
from custos.core.errors import Conflict, Forbidden
from custos.policy.pack import BUILTIN
from custos.policy.service import PolicyService
from custos.store import Store
from tests.conftest import TEST_NOW
from tests.unit.assurance.audits import Audit, accredit, audit, signer
from tests.unit.policy.unit_pack import unit_pack
from tests.unit.registry.world import Parties, log_size


@pytest.fixture
def audited(installed: tuple[Store, Parties]) -> Iterator[Audit]:
    yield audit(*installed)


def now(audit: Audit) -> datetime:
    return audit.store.clock.now()


def advance(audit: Audit, delta: timedelta) -> None:
    clock = audit.store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(delta)


def submit(audit: Audit, envelope: dict[str, Any]) -> Any:
    return audit.service.attest(AttestationSubmitted(envelope=envelope), by=audit.auditor_actor)


def test_a_signed_statement_is_filed_with_its_public_record(audited: Audit) -> None:
    filed = submit(audited, audited.envelope())
    assert filed.opinion == "pass"
    assert filed.subject_id == audited.parties.model
    assert filed.accreditation_id == audited.accreditation
    assert filed.current
    assert filed.envelope is None  # the auditor is not the audited organisation
    provider_view = audited.service.attestation(filed.id, by=audited.parties.provider_actor)
    assert provider_view.envelope is not None
    public_view = audited.service.attestation(filed.id, by=audited.parties.rival_actor)
    assert public_view.envelope is None and public_view.opinion == "pass"


def refused(audit: Audit, envelope: dict[str, Any], reason: str) -> None:
    before = log_size(audit.store)
    with pytest.raises(AttestationRefused, match=reason):
        submit(audit, envelope)
    assert log_size(audit.store) == before


def test_a_signature_by_another_key_is_refused(audited: Audit) -> None:
    refused(audited, audited.envelope(key=signer()), "no key of an accreditation")


def test_a_tampered_payload_is_refused(audited: Audit) -> None:
    envelope = audited.envelope()
    statement = orjson.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"]["opinion"] = "pass"
    statement["predicate"]["findingsSummary"] = "Nothing to see."
    envelope["payload"] = base64.b64encode(orjson.dumps(statement)).decode()
    refused(audited, envelope, "does not verify")


def test_a_subject_digest_not_in_the_log_is_refused(audited: Audit) -> None:
    subject = {"name": audited.subject["name"], "digest": {"sha256": "0" * 64}}
    refused(audited, audited.envelope(subject=subject), "not in the log as a passport")


def test_a_scope_outside_the_accreditation_is_refused(audited: Audit) -> None:
    refused(
        audited, audited.envelope(scope="iso-iec-42001", standard="ISO/IEC 42001:2023"), "engagement .* scope"
    )


def test_a_standard_other_than_the_scopes_is_refused(audited: Audit) -> None:
    refused(audited, audited.envelope(standard="ISO/IEC 42001:2023"), "is attested to")


def test_an_expired_validity_is_refused(audited: Audit) -> None:
    past = (now(audited).date() - timedelta(days=1)).isoformat()
    refused(audited, audited.envelope(validFrom="2025-01-01", validUntil=past), "validity ended")


def test_a_statement_issued_in_the_future_is_refused(audited: Audit) -> None:
    refused(
        audited, audited.envelope(issuedAt=(now(audited) + timedelta(hours=1)).isoformat()), "in the future"
    )


def test_a_statement_issued_before_its_engagement_is_refused(audited: Audit) -> None:
    refused(
        audited,
        audited.envelope(issuedAt=(TEST_NOW - timedelta(days=1)).isoformat()),
        "before the engagement",
    )


def test_a_suspended_accreditation_refuses_what_is_signed_while_suspended(audited: Audit) -> None:
    audited.service.step(
        audited.accreditation, "suspend", "complaint under review", by=audited.parties.supervisor
    )
    advance(audited, timedelta(hours=2))
    refused(audited, audited.envelope(), "suspended")


def test_a_reinstated_accreditation_signs_again(audited: Audit) -> None:
    audited.service.step(audited.accreditation, "suspend", "complaint", by=audited.parties.supervisor)
    advance(audited, timedelta(days=2))
    audited.service.step(
        audited.accreditation, "reinstate", "complaint dismissed", by=audited.parties.supervisor
    )
    advance(audited, timedelta(hours=2))
    assert submit(audited, audited.envelope()).opinion == "pass"


def test_a_statement_signed_before_a_suspension_still_verifies(audited: Audit) -> None:
    envelope = audited.envelope(issuedAt=(now(audited) - timedelta(days=1)).isoformat())
    advance(audited, timedelta(hours=1))
    audited.service.step(
        audited.accreditation, "suspend", "complaint under review", by=audited.parties.supervisor
    )
    assert submit(audited, envelope).opinion == "pass"


def test_a_withdrawn_accreditation_refuses_even_what_it_signed_before(audited: Audit) -> None:
    envelope = audited.envelope(issuedAt=(now(audited) - timedelta(days=1)).isoformat())
    audited.service.step(audited.accreditation, "withdraw", "key lost", by=audited.parties.supervisor)
    refused(audited, envelope, "withdrawn")


def test_an_envelope_is_filed_once(audited: Audit) -> None:
    envelope = audited.envelope()
    submit(audited, envelope)
    with pytest.raises(Exception, match="already filed"):
        submit(audited, envelope)


def test_only_the_auditor_named_files_it(audited: Audit) -> None:
    with pytest.raises(Forbidden):
        audited.service.attest(
            AttestationSubmitted(envelope=audited.envelope()), by=audited.parties.provider_actor
        )


def test_the_attestation_discharges_the_yearly_audit(audited: Audit) -> None:
    baseline = BUILTIN / "custos-baseline.yaml"
    PolicyService(audited.store).load(
        baseline.read_text(encoding="utf-8"), origin=baseline.name, by=audited.parties.supervisor
    )
    key = "custos-baseline/systemic-risk-model/third-party-audit"
    assert status(audited, key) == "open"
    submit(audited, audited.envelope())
    assert status(audited, key) == "open"  # recurring: discharged, its next period open
    closed = closing(audited, key)
    assert closed is not None and closed["reason"] == "discharged by a filing of the subject"


def status(audit: Audit, key: str) -> str | None:
    from custos.store import policy_views as pv

    with audit.store.read() as conn:
        rows = pv.obligations_of(conn, [audit.parties.model])
    row = rows.get((key, audit.parties.model))
    return None if row is None else str(row["status"])


def closing(audit: Audit, key: str) -> dict[str, Any] | None:
    import json

    from custos.store import policy_views as pv

    with audit.store.read() as conn:
        row = pv.obligations_of(conn, [audit.parties.model]).get((key, audit.parties.model))
    return json.loads(row["closed"]) if row and row["closed"] else None


def evaluation_pack() -> str:
    """The EU AI Act pack's Art. 55(1)(a) evaluation duty, alone: any model above 10^25 FLOP."""
    text = unit_pack("unit-evaluation", "Evaluation", discharged_by="audit.attested")
    return text.replace(
        "    deadline: {within: 14}",
        "    evidence_when: {scope: [eu-ai-act-art55-evaluation], opinion: [pass, qualified]}\n"
        "    deadline: {within: 14}",
    )


@pytest.mark.parametrize(
    ("scope", "opinion", "discharged"),
    [
        ("eu-ai-act-art55-evaluation", "pass", True),
        ("eu-ai-act-art55-evaluation", "qualified", True),
        ("eu-ai-act-art55-evaluation", "adverse", False),
        ("custos-systemic-risk-audit", "pass", False),
    ],
)
def test_only_the_evidence_asked_for_discharges(
    audited: Audit, scope: str, opinion: str, discharged: bool
) -> None:
    PolicyService(audited.store).load(evaluation_pack(), origin="unit.yaml", by=audited.parties.supervisor)
    key = "unit-evaluation/big-model/notify"
    if scope != "custos-systemic-risk-audit":
        audited.engagement = audited.service.engage(
            AuditEngaged(subject_id=audited.parties.model, scope=scope, auditor_id=audited.auditor),
            by=audited.parties.provider_actor,
        ).id
        advance(audited, timedelta(days=1))
    standard = (
        "Regulation (EU) 2024/1689, Art. 55(1)(a)" if scope.startswith("eu") else "Custos baseline, Assurance"
    )
    submit(audited, audited.envelope(scope=scope, standard=standard, opinion=opinion))
    assert status(audited, key) == ("discharged" if discharged else "open")


def test_a_scope_outside_the_signing_keys_accreditation_is_refused(audited: Audit) -> None:
    """The firm holds a second accreditation, for ISO/IEC 42001 only, with another key: a
    Statement in the engaged scope signed with that key is refused, though the firm may attest
    to the scope with its first key."""
    other = signer()
    accredit(audited.service, audited.parties.supervisor, audited.auditor, other, scopes=["iso-iec-42001"])
    refused(audited, audited.envelope(key=other), "covers iso-iec-42001, not custos-systemic-risk-audit")


def test_a_withdrawal_ends_what_was_filed_and_the_key_is_never_accredited_again(audited: Audit) -> None:
    filed = submit(audited, audited.envelope())
    assert filed.current
    audited.service.step(audited.accreditation, "withdraw", "key lost", by=audited.parties.supervisor)
    after = audited.service.attestation(filed.id, by=audited.parties.rival_actor)
    assert not after.current and after.accreditation_withdrawn
    before = log_size(audited.store)
    with pytest.raises(Conflict, match="was withdrawn: a withdrawn key is never accredited again"):
        accredit(audited.service, audited.parties.supervisor, audited.auditor, audited.key)
    assert log_size(audited.store) == before


def test_an_unsigned_statement_is_refused_as_such(audited: Audit) -> None:
    statement = audited.statement().model_dump(mode="json", by_alias=True, exclude_none=True)
    refused(audited, statement, "an in-toto Statement, not a DSSE envelope")
