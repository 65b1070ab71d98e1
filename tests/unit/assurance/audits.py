"""An auditor accredited to attest about the parties' model, and the Statements it signs.

Built on the parties' installation (tests.unit.registry.world): the provider's model gets a
passport, an audit firm is registered and accredited with an Ed25519 key, and the provider
engages it. Each helper says what a test changes from the ordinary case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from securesystemslib.signer import CryptoSigner

from custos.access.model import Principal, Role
from custos.assurance.model import AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.core.clock import FixedClock
from custos.registry.model import OrganisationRegistered, Passport
from custos.registry.service import RegistryService
from custos.store import Store
from tests.unit.registry.world import Parties, acting

#: How long the audit takes after the engagement: its Statement is issued after it.
AUDIT_TAKES = timedelta(days=30)


def signer(curve: str = "ed25519") -> CryptoSigner:
    private = (
        ed25519.Ed25519PrivateKey.generate()
        if curve == "ed25519"
        else ec.generate_private_key(ec.SECP256R1())
    )
    return CryptoSigner(private)


def public(key: CryptoSigner) -> dict[str, Any]:
    sslib = key.public_key
    return {
        "keyid": sslib.keyid,
        "keytype": sslib.keytype,
        "scheme": sslib.scheme,
        "keyval": dict(sslib.keyval),
    }


@dataclass
class Audit:
    store: Store
    parties: Parties
    service: AssuranceService
    auditor: str
    key: CryptoSigner
    accreditation: str
    engagement: str
    subject: dict[str, Any]

    @property
    def auditor_actor(self) -> Principal:
        return acting(Role.AUDITOR, self.auditor, "NL")

    def statement(self, **changes: Any) -> Statement:
        """The Statement the engagement asks for, with ``changes`` to its predicate (by alias)."""
        now = self.store.clock.now()
        predicate = {
            "engagement": self.engagement,
            "auditor": self.auditor,
            "scope": "custos-systemic-risk-audit",
            "standard": "Custos baseline, Assurance",
            "method": "Document review and adversarial testing of the model's safeguards",
            "findingsSummary": "No material weakness found.",
            "opinion": "pass",
            "issuedAt": (now - timedelta(hours=1)).isoformat(),
            "validFrom": now.date().isoformat(),
            "validUntil": (now.date() + timedelta(days=365)).isoformat(),
        } | changes
        subject = changes.pop("subject", None) or self.subject
        predicate.pop("subject", None)
        return Statement(
            subject=(ResourceDescriptor.model_validate(subject),),
            predicate=AuditPredicate.model_validate(predicate),
        )

    def envelope(self, key: CryptoSigner | None = None, **changes: Any) -> dict[str, Any]:
        return sign_statement(self.statement(**changes), key or self.key)


def accredit(
    service: AssuranceService, supervisor: Principal, organisation: str, key: CryptoSigner, **changes: Any
) -> str:
    terms = {
        "organisation_id": organisation,
        "keys": [public(key)],
        "scopes": ["custos-systemic-risk-audit", "eu-ai-act-art55-evaluation", "custos-red-team-retest"],
        "valid_from": date(2026, 1, 1).isoformat(),
        "valid_until": date(2028, 12, 31).isoformat(),
    } | changes
    return service.accredit(AuditorAccredited.model_validate(terms), by=supervisor).id


def audit(store: Store, parties: Parties) -> Audit:
    """The provider's model with a passport, an accredited auditor, and an engagement."""
    registry = RegistryService(store)
    registry.file_passport(
        parties.model,
        Passport.model_validate({"provenance": {"source": "manual"}, "compute": {"training_flop": 3e25}}),
        by=parties.provider_actor,
    )
    auditor = registry.register_organisation(
        OrganisationRegistered.model_validate({"name": "Audit BV", "jurisdiction": "NL", "country": "NL"}),
        by=parties.supervisor,
    ).id
    service = AssuranceService(store)
    key = signer()
    accreditation = accredit(service, parties.supervisor, auditor, key)
    engagement = service.engage(
        AuditEngaged(subject_id=parties.model, scope="custos-systemic-risk-audit", auditor_id=auditor),
        by=parties.provider_actor,
    )
    assert engagement.statement_subject is not None
    clock = store.clock
    assert isinstance(clock, FixedClock)
    clock.advance(AUDIT_TAKES)  # the audit's fieldwork
    return Audit(
        store, parties, service, auditor, key, accreditation, engagement.id, engagement.statement_subject
    )
