"""Audits over HTTP: the scope catalogue, accredited auditors, engagements, attestations, and
verifying an envelope or fetching the bundle that verifies one offline."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.bodies import Reasoned
from custos.api.json_types import json_types
from custos.assurance.bundle import Bundle
from custos.assurance.catalogue import AuditScope, scopes
from custos.assurance.model import AttestationSubmitted, AuditEngaged, AuditorAccredited
from custos.assurance.service import AssuranceService
from custos.assurance.views import AccreditationView, AttestationView, EngagementView, VerificationView

router = APIRouter(tags=["assurance"])
Reader = Annotated[Principal, Depends(require(Permission.AUDITS_READ))]
Accreditor = Annotated[Principal, Depends(require(Permission.AUDITORS_ACCREDIT))]


def _service(request: Request) -> AssuranceService:
    return AssuranceService(request.app.state.store)


@router.get("/v1/audit-scopes", response_model=list[AuditScope])
def audit_scopes(_: Reader) -> list[AuditScope]:
    """The catalogue of scopes an auditor may be accredited for, each with its standard."""
    return list(scopes().values())


@router.get("/v1/auditors", response_model=list[AccreditationView])
def list_auditors(
    request: Request,
    _: Reader,
    status: Literal["accredited", "suspended", "withdrawn"] | None = None,
) -> list[AccreditationView]:
    """Accredited auditors: their keys, scopes, periods and standing are public."""
    return _service(request).accreditations(status=status)


@router.post("/v1/auditors", status_code=201, response_model=AccreditationView)
def accredit_auditor(
    body: Annotated[AuditorAccredited, json_types(AuditorAccredited)], request: Request, who: Accreditor
) -> AccreditationView:
    """Accredit an auditor's signing keys for scopes of the catalogue, for a period."""
    return _service(request).accredit(body, by=who)


@router.post("/v1/auditors/{accreditation_id}/{step}", status_code=201, response_model=AccreditationView)
def step_auditor(
    accreditation_id: str,
    step: Literal["suspend", "reinstate", "withdraw"],
    body: Annotated[Reasoned, json_types(Reasoned)],
    request: Request,
    who: Accreditor,
) -> AccreditationView:
    """Suspend, reinstate or withdraw an accreditation. A withdrawal is for good: nothing its
    keys signed is accepted after it."""
    return _service(request).step(accreditation_id, step, body.reason, by=who)


@router.post(
    "/v1/engagements", status_code=201, response_model=EngagementView, response_model_exclude_none=True
)
def engage_auditor(
    body: Annotated[AuditEngaged, json_types(AuditEngaged)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.AUDITS_ENGAGE))],
) -> EngagementView:
    """Engage an accredited auditor about one's own model or deployment; the answer names the
    subject the auditor's Statement must carry."""
    return _service(request).engage(body, by=who)


@router.get("/v1/engagements", response_model=list[EngagementView], response_model_exclude_none=True)
def list_engagements(request: Request, who: Reader, subject: str | None = None) -> list[EngagementView]:
    """Engagements: an auditor sees its own, a provider or deployer its own, supervisors and the
    public every one (their terms only to the parties)."""
    return _service(request).engagements(by=who, subject=subject)


@router.get(
    "/v1/engagements/{engagement_id}", response_model=EngagementView, response_model_exclude_none=True
)
def get_engagement(engagement_id: str, request: Request, who: Reader) -> EngagementView:
    return _service(request).engagement(engagement_id, by=who)


@router.post(
    "/v1/attestations", status_code=201, response_model=AttestationView, response_model_exclude_none=True
)
def file_attestation(
    body: Annotated[AttestationSubmitted, json_types(AttestationSubmitted)],
    request: Request,
    who: Annotated[Principal, Depends(require(Permission.ATTESTATIONS_FILE))],
) -> AttestationView:
    """File a DSSE envelope signed by an accredited auditor: verified against the log first, and
    refused with the reason (nothing stored) when any check fails."""
    return _service(request).attest(body, by=who)


@router.get("/v1/attestations", response_model=list[AttestationView], response_model_exclude_none=True)
def list_attestations(
    request: Request,
    who: Reader,
    subject: str | None = None,
    auditor: str | None = None,
    scope: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AttestationView]:
    """Attestations' public records, newest first."""
    return _service(request).attestations(
        by=who, subject=subject, auditor=auditor, scope=scope, limit=limit, offset=offset
    )


@router.post("/v1/attestations/verify", response_model=VerificationView, response_model_exclude_none=True)
def verify_attestation(
    body: Annotated[AttestationSubmitted, json_types(AttestationSubmitted)], request: Request, _: Reader
) -> VerificationView:
    """Check an envelope against the log without filing it: whether it verifies, or why not."""
    return _service(request).verify(body.envelope)


@router.post("/v1/attestations/bundle", response_model=Bundle, response_model_exclude_unset=True)
def bundle_envelope(
    body: Annotated[AttestationSubmitted, json_types(AttestationSubmitted)], request: Request, who: Reader
) -> Bundle:
    """The bundle that verifies this envelope offline with the log's key (``custos audit verify``)."""
    return _service(request).bundle(by=who, envelope=body.envelope)


@router.get(
    "/v1/attestations/{attestation_id}", response_model=AttestationView, response_model_exclude_none=True
)
def get_attestation(attestation_id: str, request: Request, who: Reader) -> AttestationView:
    """An attestation's public record; the audited organisation and supervisors get the envelope."""
    return _service(request).attestation(attestation_id, by=who)


@router.get(
    "/v1/attestations/{attestation_id}/bundle", response_model=Bundle, response_model_exclude_unset=True
)
def bundle_attestation(attestation_id: str, request: Request, who: Reader) -> Bundle:
    """The bundle that verifies a filed attestation offline; the envelope travels in it only to
    those who may read it."""
    return _service(request).bundle(by=who, attestation_id=attestation_id)
