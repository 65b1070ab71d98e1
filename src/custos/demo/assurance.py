"""Seed the demonstration's assurance: an accredited audit firm, its signed attestation about
the demo provider's largest model, and a red-team finding about that model under embargo.

The audit firm is synthetic (its name says so). Its signing key is kept in the installation's
``keys`` directory, so the demo's auditor can sign further Statements with ``custos audit sign``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from custos.access.model import Principal, Role
from custos.access.service import AccessService
from custos.assurance.findings import FindingService
from custos.assurance.findings_model import FindingReported
from custos.assurance.keys import generate_key, signer_from_file
from custos.assurance.model import AttestationSubmitted, AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.demo.seed import largest_model, registered_organisation
from custos.registry.model import OrganisationKind
from custos.registry.service import RegistryService
from custos.store import Store

Say = Callable[[str], None]
FIRM = "Meridian Assurance (synthetic)"
KEY_FILE = "demo-auditor.key"
SCOPES = (
    "custos-systemic-risk-audit",
    "eu-ai-act-art55-evaluation",
    "custos-red-team-retest",
    "iso-iec-42001",
)


def seed_assurance(store: Store, by: Principal, say: Say) -> str:
    """Accredit the firm, attest to the demo provider's largest model, report a finding about
    it; the token of the firm's red-team lead, for the demo's sign-ins."""
    registry = RegistryService(store)
    firm = registered_organisation(registry, by, FIRM, "NL", OrganisationKind.AUDITOR.value)
    today = store.clock.now().date()
    key = generate_key(store.settings.home / "keys" / KEY_FILE)
    service = AssuranceService(store)
    terms = {"organisation_id": firm, "keys": [key], "scopes": list(SCOPES)}
    terms |= {"valid_from": (today - timedelta(days=365)).isoformat()}
    terms |= {"valid_until": (today + timedelta(days=2 * 365)).isoformat()}
    service.accredit(AuditorAccredited.model_validate(terms), by=by)
    model = largest_model(store, by)
    engagement = service.engage(
        AuditEngaged(subject_id=model, scope="eu-ai-act-art55-evaluation", auditor_id=firm), by=by
    )
    assert engagement.statement_subject is not None  # the imported model has a passport
    now = store.clock.now()
    statement = Statement(
        subject=(ResourceDescriptor.model_validate(engagement.statement_subject),),
        predicate=AuditPredicate.model_validate(
            {
                "engagement": engagement.id,
                "auditor": firm,
                "scope": "eu-ai-act-art55-evaluation",
                "standard": "Regulation (EU) 2024/1689, Art. 55(1)(a)",
                "method": "Review of the evaluation protocol and results; adversarial testing of safeguards.",
                "findingsSummary": "Evaluations follow the state of the art; one high finding under embargo.",
                "opinion": "qualified",
                "issuedAt": now.isoformat(),
                "validFrom": today.isoformat(),
                "validUntil": (today + timedelta(days=365)).isoformat(),
            }
        ),
    )
    envelope = sign_statement(statement, signer_from_file(store.settings.home / "keys" / KEY_FILE))
    service.attest(AttestationSubmitted(envelope=envelope), by=by)
    access = AccessService(store)
    lead = access.add_actor("Red-team lead (Meridian Assurance)", Role.AUDITOR, firm, by=by)
    FindingService(store).report(
        FindingReported.model_validate(
            {
                "subject_id": model,
                "severity": "high",
                "source": "external",
                "found_at": (now - timedelta(days=5)).isoformat(),
                "category": "cyber",
                "reproducibility": "sometimes",
                "title": "Multi-turn prompt elicits working exploit code for a known CVE",
                "details": "Embargoed: a role-play framing over four turns bypasses the refusal policy "
                "for cyber-offence.",
                "reproduction": "Embargoed: transcript held by the provider and the supervisor.",
            }
        ),
        by=Principal(lead.id, lead.name, Role.AUDITOR, firm, lead.jurisdiction),
    )
    say(f"Accredited {FIRM}; filed its signed attestation and a red-team finding about one model.")
    return access.issue_token(lead.id)
