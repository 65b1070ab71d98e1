"""Audits on the API tests' installation: an accredited auditor, an engagement and its signed
Statement, made with the services so a route's test starts from a well-formed request.

Every actor but the supervisor belongs to Provider SA, so Provider SA is the auditor whose
actor files attestations, about a model of Other Corp (an audit is by a third party); Other
Corp, accredited too, audits Provider SA's model when Provider SA's actors engage it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from securesystemslib.signer import CryptoSigner

from custos.access.service import operator
from custos.assurance.model import AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.signing import sign_statement
from custos.assurance.statement import AuditPredicate, ResourceDescriptor, Statement
from custos.passports.model import Passport
from custos.registry.model import ModelRegistration
from custos.registry.service import RegistryService
from tests.functional.conftest import Api
from tests.unit.assurance.audits import public, signer

SCOPE = "custos-systemic-risk-audit"
STANDARD = "Custos baseline, Assurance"


def accredit(api: Api, organisation: str, key: CryptoSigner | None = None) -> tuple[str, CryptoSigner]:
    """Accredit the organisation (``provider`` or ``other``) with a new key, for every scope
    the tests use."""
    key = key or signer()
    terms = {
        "organisation_id": api.organisations[organisation]["id"],
        "keys": [public(key)],
        "scopes": [SCOPE, "eu-ai-act-art55-evaluation"],
        "valid_from": "2026-01-01",
        "valid_until": "2028-12-31",
    }
    accredited = AssuranceService(api.store).accredit(
        AuditorAccredited.model_validate(terms), by=operator(api.store)
    )
    return accredited.id, key


def others_model(api: Api) -> str:
    """A model of Other Corp with a passport: what Provider SA, as auditor, audits."""
    registry, by = RegistryService(api.store), operator(api.store)
    model = registry.register_model(
        ModelRegistration.model_validate(
            {"name": "Other model", "provider_id": api.organisations["other"]["id"]}
        ),
        by=by,
    )
    registry.file_passport(model.id, Passport.model_validate({"provenance": {"source": "manual"}}), by=by)
    return model.id


def engaged(api: Api, subject: str, auditor: str) -> dict[str, Any]:
    """An engagement of ``auditor`` (an organisation key) about ``subject``, as the API shows it."""
    engagement = AssuranceService(api.store).engage(
        AuditEngaged(subject_id=subject, scope=SCOPE, auditor_id=api.organisations[auditor]["id"]),
        by=operator(api.store),
    )
    return engagement.model_dump(mode="json", exclude_none=True)


def statement(api: Api, engagement: dict[str, Any], **changes: Any) -> Statement:
    now = api.store.clock.now()
    predicate = {
        "engagement": engagement["id"],
        "auditor": engagement["auditor_id"],
        "scope": SCOPE,
        "standard": STANDARD,
        "method": "Review",
        "findingsSummary": "Confidential: two prompts bypass the refusal policy.",
        "opinion": "pass",
        "issuedAt": now.isoformat(),
        "validFrom": now.date().isoformat(),
        "validUntil": (now.date() + timedelta(days=365)).isoformat(),
    } | changes
    return Statement(
        subject=(ResourceDescriptor.model_validate(engagement["statement_subject"]),),
        predicate=AuditPredicate.model_validate(predicate),
    )


def envelope(api: Api) -> dict[str, Any]:
    """A signed envelope Provider SA (the auditor actor's organisation) may file."""
    _, key = accredit(api, "provider")
    engagement = engaged(api, others_model(api), "provider")
    return sign_statement(statement(api, engagement), key)
