"""Every route names its permission, and every route is tried with every role."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from custos.access.model import Role
from custos.access.permissions import ROLE_PERMISSIONS, Permission
from custos.access.service import REFUSED, AccessService, operator
from custos.assurance.model import AttestationSubmitted
from custos.assurance.service import AssuranceService
from custos.licensing.recognition import RecognitionAgreed
from custos.licensing.recognition_service import RecognitionService
from custos.licensing.rollout import RolloutPlanned
from custos.licensing.rollout_service import RolloutService
from custos.oversight.incidents import IncidentService
from custos.oversight.model import IncidentPublished, IncidentReported
from custos.risk import RiskService
from custos.risk.requests import RunRequest
from tests.functional import audit_samples as audits
from tests.functional.conftest import Api
from tests.functional.test_buffers_api import buffers_sample
from tests.functional.test_documentation import ELEMENTS as ANNEX_XI
from tests.functional.test_escrow_api import escrow_sample
from tests.functional.test_federation_api import (
    checkpoint_offer,
    flagged_peer,
    incident_filing,
    peer_terms,
    recognise_peer,
)
from tests.functional.test_findings_api import REPORT as FINDING
from tests.functional.test_findings_api import finding_at
from tests.functional.test_labour_api import labour_sample
from tests.functional.test_markets_api import markets_sample
from tests.functional.test_monitoring_api import monitoring_sample
from tests.functional.test_pool_api import pool_sample
from tests.functional.test_provenance_api import provenance_sample
from tests.functional.test_shared_standards import route_sample
from tests.unit.assurance.audits import public, signer
from tests.unit.policy.test_pack import GOOD

P = Permission
#: The whole route table. A new route fails this test until it is listed here with its permission.
ROUTES: dict[tuple[str, str], Permission] = {
    ("GET", "/checkpoint"): P.LEDGER_READ,
    ("GET", "/tile/{path:path}"): P.LEDGER_READ,
    ("GET", "/v1/ledger/status"): P.LEDGER_READ,
    ("GET", "/v1/ledger/entries"): P.LEDGER_READ,
    ("GET", "/v1/ledger/proofs/inclusion"): P.LEDGER_READ,
    ("GET", "/v1/ledger/proofs/consistency"): P.LEDGER_READ,
    ("POST", "/v1/ledger/checkpoints"): P.LEDGER_CHECKPOINT,
    ("GET", "/v1/organisations"): P.ORGANISATIONS_READ,
    ("POST", "/v1/organisations"): P.ORGANISATIONS_WRITE,
    ("GET", "/v1/actors"): P.ACTORS_READ,
    ("POST", "/v1/actors"): P.ACTORS_WRITE,
    ("POST", "/v1/actors/{actor_id}/tokens"): P.TOKENS_ISSUE,
    ("POST", "/v1/actors/{actor_id}/tokens/revoke"): P.TOKENS_REVOKE,
    ("GET", "/v1/tokens"): P.TOKENS_READ,
    ("POST", "/v1/tokens/{token_id}/revoke"): P.TOKENS_REVOKE,
    ("GET", "/v1/me"): P.SELF_READ,
    ("POST", "/v1/me/token/revoke"): P.SELF_REVOKE,
    ("GET", "/v1/filings/{filing_id}"): P.FILINGS_READ,
    ("GET", "/v1/organisations/{organisation_id}"): P.REGISTRY_READ,
    ("POST", "/v1/organisations/{organisation_id}/frameworks"): P.MODELS_WRITE,
    ("GET", "/v1/models"): P.REGISTRY_READ,
    ("POST", "/v1/models"): P.MODELS_WRITE,
    ("GET", "/v1/models/{model_id}"): P.REGISTRY_READ,
    ("GET", "/v1/models/{model_id}/passports"): P.REGISTRY_READ,
    ("POST", "/v1/models/{model_id}/passports"): P.MODELS_WRITE,
    ("POST", "/v1/models/{model_id}/notifications"): P.MODELS_WRITE,
    ("POST", "/v1/models/{model_id}/documentation"): P.MODELS_WRITE,
    ("GET", "/v1/models/{model_id}/export"): P.REGISTRY_READ,
    ("GET", "/v1/deployments"): P.REGISTRY_READ,
    ("POST", "/v1/deployments"): P.DEPLOYMENTS_WRITE,
    ("GET", "/v1/deployments/{deployment_id}"): P.REGISTRY_READ,
    ("POST", "/v1/imports/{fmt}"): P.IMPORTS_WRITE,
    ("GET", "/v1/policy/packs"): P.POLICY_READ,
    ("POST", "/v1/policy/packs"): P.POLICY_WRITE,
    ("POST", "/v1/policy/lint"): P.POLICY_WRITE,
    ("POST", "/v1/policy/evaluate"): P.OBLIGATIONS_WRITE,
    ("GET", "/v1/policy/obligations"): P.OBLIGATIONS_READ,
    ("GET", "/v1/policy/obligations/{obligation_id}/explanation"): P.OBLIGATIONS_READ,
    ("POST", "/v1/policy/whatif"): P.OBLIGATIONS_READ,
    ("POST", "/v1/policy/obligations/{obligation_id}/waiver"): P.OBLIGATIONS_WRITE,
    ("POST", "/v1/policy/obligations/{obligation_id}/discharge"): P.OBLIGATIONS_WRITE,
    ("GET", "/v1/licences"): P.LICENCES_READ,
    ("POST", "/v1/licences"): P.LICENCES_APPLY,
    ("GET", "/v1/licences/{licence_id}"): P.LICENCES_READ,
    ("POST", "/v1/licences/{licence_id}/{transition}"): P.LICENCES_DECIDE,
    ("POST", "/v1/licences/{licence_id}/rollout"): P.LICENCES_APPLY,
    ("GET", "/v1/licences/{licence_id}/rollout"): P.LICENCES_READ,
    ("POST", "/v1/incidents"): P.INCIDENTS_REPORT,
    ("POST", "/v1/incidents/{incident_id}/close"): P.INCIDENTS_CLOSE,
    ("POST", "/v1/incidents/{incident_id}/confirm"): P.INCIDENTS_CONFIRM,
    ("POST", "/v1/incidents/disclosures"): P.INCIDENTS_REPORT,
    ("GET", "/v1/incidents"): P.INCIDENTS_READ,
    ("GET", "/v1/incidents/{incident_id}"): P.INCIDENTS_READ,
    ("POST", "/v1/incidents/updates"): P.INCIDENTS_REPORT,
    ("POST", "/v1/incidents/{incident_id}/publish"): P.INCIDENTS_PUBLISH,
    ("GET", "/v1/incidents/history"): P.HISTORY_READ,
    ("POST", "/v1/incidents/history"): P.HISTORY_IMPORT,
    ("POST", "/v1/licences/{licence_id}/rollout/metrics"): P.LICENCES_APPLY,
    ("POST", "/v1/licences/{licence_id}/rollout/{move}"): P.LICENCES_DECIDE,
    ("POST", "/v1/licences/sweep"): P.LICENCES_DECIDE,
    ("GET", "/v1/recognitions"): P.LICENCES_READ,
    ("POST", "/v1/recognitions"): P.LICENCES_DECIDE,
    ("POST", "/v1/recognitions/{agreement_id}/end"): P.LICENCES_DECIDE,
    ("GET", "/v1/audit-scopes"): P.AUDITS_READ,
    ("GET", "/v1/auditors"): P.AUDITS_READ,
    ("POST", "/v1/auditors"): P.AUDITORS_ACCREDIT,
    ("POST", "/v1/auditors/{accreditation_id}/{step}"): P.AUDITORS_ACCREDIT,
    ("POST", "/v1/engagements"): P.AUDITS_ENGAGE,
    ("GET", "/v1/engagements"): P.AUDITS_READ,
    ("GET", "/v1/engagements/{engagement_id}"): P.AUDITS_READ,
    ("POST", "/v1/attestations"): P.ATTESTATIONS_FILE,
    ("GET", "/v1/attestations"): P.AUDITS_READ,
    ("POST", "/v1/attestations/verify"): P.AUDITS_READ,
    ("POST", "/v1/attestations/bundle"): P.AUDITS_READ,
    ("GET", "/v1/attestations/{attestation_id}"): P.AUDITS_READ,
    ("GET", "/v1/attestations/{attestation_id}/bundle"): P.AUDITS_READ,
    ("POST", "/v1/findings"): P.FINDINGS_REPORT,
    ("GET", "/v1/findings"): P.FINDINGS_READ,
    ("GET", "/v1/findings/{finding_id}"): P.FINDINGS_READ,
    ("POST", "/v1/findings/sweep"): P.FINDINGS_SWEEP,
    ("POST", "/v1/findings/{finding_id}/acknowledge"): P.FINDINGS_RESPOND,
    ("POST", "/v1/findings/{finding_id}/mitigate"): P.FINDINGS_RESPOND,
    ("POST", "/v1/findings/{finding_id}/reopen"): P.FINDINGS_RESPOND,
    ("POST", "/v1/findings/{finding_id}/publish"): P.FINDINGS_RESPOND,
    ("POST", "/v1/decisions"): P.DECISIONS_REQUEST,
    ("POST", "/v1/decisions/batch"): P.DECISIONS_REQUEST,
    ("GET", "/v1/risk/networks"): P.RISK_READ,
    ("GET", "/v1/risk/examples"): P.RISK_READ,
    ("GET", "/v1/risk/runs/{run_id}/charts/{name}"): P.RISK_READ,
    ("GET", "/v1/overview"): P.REGISTRY_READ,
    ("GET", "/"): P.DASHBOARD_VIEW,
    ("GET", "/portal"): P.DASHBOARD_VIEW,
    ("GET", "/favicon.ico"): P.DASHBOARD_VIEW,
    ("GET", "/static/{name:path}"): P.DASHBOARD_VIEW,
    ("POST", "/v1/risk/runs"): P.RISK_RUN,
    ("POST", "/v1/risk/reverse-stress"): P.RISK_RUN,
    ("GET", "/v1/risk/runs"): P.RISK_READ,
    ("GET", "/v1/risk/runs/{run_id}"): P.RISK_READ,
    ("GET", "/v1/risk/runs/{run_id}/results"): P.RISK_READ,
    ("GET", "/v1/risk/runs/{run_id}/files/{name}"): P.RISK_READ,
    ("POST", "/v1/federation/peers/{peer_id}/packs"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/peers/{peer_id}/accreditations"): P.PEERS_MANAGE,
    ("GET", "/v1/federation/identity"): P.LEDGER_READ,
    ("GET", "/v1/federation/peers"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/peers"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/peers/{peer_id}/withdraw"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/peers/{peer_id}/clear"): P.PEERS_MANAGE,
    ("GET", "/v1/federation/status"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/outbox"): P.PEERS_MANAGE,
    ("GET", "/v1/federation/outbox"): P.PEERS_MANAGE,
    ("GET", "/v1/federation/inbox"): P.PEERS_MANAGE,
    ("GET", "/v1/federation/refusals"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/sync"): P.PEERS_MANAGE,
    ("POST", "/v1/federation/notices"): P.NOTICES_DELIVER,
    ("POST", "/v1/federation/add-checkpoint"): P.NOTICES_DELIVER,
    ("GET", "/v1/escrow/custodians"): P.ESCROW_READ,
    ("POST", "/v1/escrow/custodians"): P.ESCROW_MANAGE,
    ("POST", "/v1/escrow/custodians/{appointment_id}/withdraw"): P.ESCROW_MANAGE,
    ("GET", "/v1/escrow/deposits"): P.ESCROW_READ,
    ("POST", "/v1/escrow/deposits"): P.ESCROW_DEPOSIT,
    ("GET", "/v1/escrow/deposits/{deposit_id}"): P.ESCROW_READ,
    ("GET", "/v1/escrow/deposits/{deposit_id}/share"): P.ESCROW_CUSTODY,
    ("POST", "/v1/escrow/deposits/{deposit_id}/confirmations"): P.ESCROW_CUSTODY,
    ("POST", "/v1/escrow/deposits/{deposit_id}/audits"): P.ESCROW_MANAGE,
    ("POST", "/v1/escrow/sweep"): P.ESCROW_MANAGE,
    ("GET", "/v1/escrow/releases"): P.ESCROW_READ,
    ("POST", "/v1/escrow/releases"): P.ESCROW_MANAGE,
    ("GET", "/v1/escrow/releases/{release_id}"): P.ESCROW_READ,
    ("POST", "/v1/escrow/releases/{release_id}/approvals"): P.ESCROW_CUSTODY,
    ("GET", "/v1/escrow/releases/{release_id}/package"): P.ESCROW_MANAGE,
    ("POST", "/v1/escrow/releases/{release_id}/opening"): P.ESCROW_MANAGE,
    ("GET", "/v1/provenance/commitments"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/commitments"): P.PROVENANCE_FILE,
    ("GET", "/v1/provenance/commitments/{commitment_id}"): P.PROVENANCE_READ,
    ("GET", "/v1/provenance/samples"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/samples"): P.PROVENANCE_SAMPLE,
    ("GET", "/v1/provenance/samples/{sample_id}"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/samples/{sample_id}/reveal"): P.PROVENANCE_FILE,
    ("GET", "/v1/provenance/samples/{sample_id}/records"): P.PROVENANCE_READ,
    ("GET", "/v1/provenance/runs"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/runs"): P.PROVENANCE_FILE,
    ("GET", "/v1/provenance/statements"): P.PROVENANCE_FILE,
    ("POST", "/v1/provenance/statements"): P.PROVENANCE_FILE,
    ("GET", "/v1/provenance/reconciliations"): P.PROVENANCE_FILE,
    ("POST", "/v1/provenance/reconciliations"): P.PROVENANCE_MANAGE,
    ("GET", "/v1/provenance/budget"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/budget"): P.PROVENANCE_MANAGE,
    ("GET", "/v1/provenance/releases"): P.PROVENANCE_READ,
    ("POST", "/v1/provenance/releases"): P.PROVENANCE_MANAGE,
    ("GET", "/v1/provenance/models/{model_id}"): P.PROVENANCE_READ,
    ("GET", "/v1/markets/concentration"): P.MARKETS_READ,
    ("GET", "/v1/markets/dependencies"): P.MARKETS_ANALYSE,
    ("POST", "/v1/markets/assessments"): P.MARKETS_MANAGE,
    ("GET", "/v1/markets/assessments/latest"): P.MARKETS_READ,
    ("POST", "/v1/markets/mergers"): P.MARKETS_MANAGE,
    ("GET", "/v1/markets/mergers"): P.MARKETS_READ,
    ("GET", "/v1/markets/mergers/{review_id}"): P.MARKETS_READ,
    ("POST", "/v1/markets/mergers/{review_id}/remedies"): P.MARKETS_MANAGE,
    ("POST", "/v1/markets/fallback-plans"): P.MARKETS_FILE,
    ("GET", "/v1/markets/fallback-plans"): P.MARKETS_READ,
    ("POST", "/v1/markets/designations"): P.MARKETS_MANAGE,
    ("GET", "/v1/markets/designations"): P.MARKETS_READ,
    ("POST", "/v1/markets/what-if"): P.MARKETS_ANALYSE,
    ("GET", "/v1/pool/balance"): P.POOL_READ,
    ("POST", "/v1/pool/calls"): P.POOL_MANAGE,
    ("GET", "/v1/pool/calls"): P.POOL_READ,
    ("POST", "/v1/pool/calls/{call_id}/payments"): P.POOL_PAY,
    ("POST", "/v1/pool/claims"): P.POOL_CLAIM,
    ("GET", "/v1/pool/claims"): P.POOL_READ,
    ("POST", "/v1/pool/claims/{claim_id}/assessment"): P.POOL_MANAGE,
    ("POST", "/v1/pool/payouts"): P.POOL_MANAGE,
    ("GET", "/v1/pool/payouts"): P.POOL_READ,
    ("POST", "/v1/pool/subrogations"): P.POOL_MANAGE,
    ("GET", "/v1/pool/subrogations"): P.POOL_READ,
    ("POST", "/v1/pool/subrogations/{subrogation_id}/recoveries"): P.POOL_MANAGE,
    ("POST", "/v1/metrics"): P.MONITORING_REPORT,
    ("GET", "/v1/monitoring/system"): P.MONITORING_READ,
    ("GET", "/v1/monitoring/deployments"): P.MONITORING_READ,
    ("GET", "/v1/monitoring/deployments/{deployment_id}/series/{figure}"): P.MONITORING_READ,
    ("GET", "/v1/monitoring/alerts"): P.MONITORING_READ,
    ("POST", "/v1/monitoring/enrolments"): P.MONITORING_ENROL,
    ("GET", "/v1/monitoring/enrolments"): P.MONITORING_READ,
    ("GET", "/v1/monitoring/thresholds"): P.MONITORING_SUMMARIES,
    ("PUT", "/v1/monitoring/thresholds"): P.MONITORING_MANAGE,
    ("GET", "/v1/monitoring/summaries"): P.MONITORING_SUMMARIES,
    ("GET", "/v1/monitoring/bounds"): P.MONITORING_SUMMARIES,
    ("POST", "/v1/monitoring/summaries/{day}"): P.MONITORING_MANAGE,
    ("POST", "/v1/buffers/declarations"): P.BUFFERS_FILE,
    ("GET", "/v1/buffers/declarations"): P.BUFFERS_READ,
    ("POST", "/v1/buffers/policies"): P.BUFFERS_FILE,
    ("GET", "/v1/buffers/policies"): P.BUFFERS_READ,
    ("GET", "/v1/buffers/positions"): P.BUFFERS_READ,
    ("GET", "/v1/buffers/positions/{organisation}"): P.BUFFERS_READ,
    ("GET", "/v1/labour/exposure"): P.LABOUR_READ,
    ("GET", "/v1/labour/headline"): P.LABOUR_READ,
    ("GET", "/v1/labour/crosswalk"): P.LABOUR_READ,
    ("GET", "/v1/labour/scenarios"): P.LABOUR_READ,
    ("GET", "/v1/labour/programmes"): P.LABOUR_READ,
    ("POST", "/v1/labour/runs"): P.LABOUR_RUN,
    ("GET", "/v1/labour/runs"): P.LABOUR_READ,
    ("GET", "/v1/labour/runs/{run_id}"): P.LABOUR_READ,
    ("GET", "/v1/labour/runs/{run_id}/report"): P.LABOUR_READ,
}
#: Routes whose service refuses some roles that hold the permission, and why.
REFUSED_BEYOND_PERMISSION: dict[tuple[str, str], set[Role]] = {
    # A share is served to the custodian holding it only: a supervisor holds the permission to
    # relay custodians' statements, never a share.
    ("GET", "/v1/escrow/deposits/{deposit_id}/share"): {Role.SUPERVISOR},
    # The sample auditor actor is of the provider's own organisation, and an audit is by a third
    # party: it cannot be engaged for the model, and an auditor samples only under an engagement.
    ("POST", "/v1/provenance/samples"): {Role.AUDITOR},
    # Revealed records are read by the provider, the sample's auditor and supervisors: the
    # public holds the permission to read samples and their findings, not the records.
    ("GET", "/v1/provenance/samples/{sample_id}/records"): {Role.PUBLIC},
}
#: Routes whose service answers 404 to some roles holding the permission: what they may not see
#: does not exist for them.
HIDDEN_BEYOND_PERMISSION: dict[tuple[str, str], set[Role]] = {
    # A merger review is read by supervisors and the merging parties (here Provider SA, the
    # organisation of every other actor); the public is no party.
    ("GET", "/v1/markets/mergers/{review_id}"): {Role.PUBLIC},
}
SAMPLE_CARD = (
    "---\nlicense: mit\nmodel-index:\n- name: Provider SA/card-model\n  results: []\n---\n# Card model\n"
)
SMALL_SCENARIO = "name: small\nseed: 1\ndraws: 20\noutages: [{provider: cloud-north}]\n"
DOCUMENTATION = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def permission_of(route: APIRoute) -> Permission | None:
    for dependency in route.dependant.dependencies:
        found = getattr(dependency.call, "permission", None)
        if found is not None:
            return found  # type: ignore[no-any-return]
    return None


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, looking inside included routers."""
    found = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found += api_routes(included.routes)
        elif getattr(route, "path", None) not in DOCUMENTATION:
            assert isinstance(route, APIRoute), route
            found.append(route)
    return found


def test_route_table_is_pinned(api: Api) -> None:
    actual = {}
    for route in api_routes(api.client.app.routes):  # type: ignore[attr-defined]
        for method in route.methods:
            actual[(method, route.path)] = permission_of(route)
    assert actual == ROUTES


def _agreement(api: Api) -> str:
    agreement = RecognitionService(api.store).agree(
        RecognitionAgreed(recognising="CH", recognised="EU"), by=operator(api.store)
    )
    return agreement.id


def _incident(api: Api) -> str:
    incident = IncidentService(api.store).report(
        IncidentReported.model_validate(
            {
                "model_id": api.samples["model"],
                "severity": "minor",
                "summary": "test",
                "occurred_at": "2026-01-01T00:00:00Z",
            }
        ),
        by=operator(api.store),
    )
    return incident.id


def _run(api: Api) -> str:
    """A finished stress test on the shipped sample network."""
    service = RiskService(api.store)
    by = operator(api.store)
    submission = service.submit(RunRequest(scenario=SMALL_SCENARIO, network="sample"), by=by, origin="test")
    return service.execute(submission, by=by).id


def _audit_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A request about audits that the roles holding its permission may make."""
    if (method, path) == ("POST", "/v1/auditors"):
        terms = {"organisation_id": api.organisations["other"]["id"], "keys": [public(signer())]}
        terms |= {"scopes": [audits.SCOPE], "valid_from": "2026-01-01", "valid_until": "2027-12-31"}
        return path, {"json": terms}
    if path == "/v1/auditors/{accreditation_id}/{step}":
        return f"/v1/auditors/{audits.accredit(api, 'other')[0]}/suspend", {"json": {"reason": "test"}}
    if (method, path) == ("POST", "/v1/engagements"):
        audits.accredit(api, "other")
        body = {"subject_id": api.samples["model"], "scope": audits.SCOPE}
        return path, {"json": body | {"auditor_id": api.organisations["other"]["id"]}}
    if path == "/v1/engagements/{engagement_id}":
        audits.accredit(api, "other")
        return f"/v1/engagements/{audits.engaged(api, api.samples['model'], 'other')['id']}", {}
    if method == "POST" and path.startswith("/v1/attestations"):
        signed = audits.envelope(api)
        api.store.publish_checkpoint()  # a bundle proves its filings in a signed checkpoint
        return path, {"json": {"envelope": signed}}
    if path.startswith("/v1/attestations/{attestation_id}"):
        filed = AssuranceService(api.store).attest(
            AttestationSubmitted(envelope=audits.envelope(api)), by=operator(api.store)
        )
        api.store.publish_checkpoint()
        return path.replace("{attestation_id}", filed.id), {}
    return path, {}


def _peer_sample(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """A request about peers and notices that the roles holding its permission may make, acting
    on the sample peer, recognised (or flagged) first where the route needs one."""
    if (method, path) == ("POST", "/v1/federation/peers"):
        return path, {"json": peer_terms()}
    if path.endswith("/clear"):
        return path.replace("{peer_id}", flagged_peer(api.store)), {"json": {"reason": "test"}}
    if path.endswith("/withdraw"):
        return path.replace("{peer_id}", recognise_peer(api.store)), {"json": {"reason": "test"}}
    if (method, path) == ("POST", "/v1/federation/outbox"):
        filing = incident_filing(api)  # before the peer, so not flagged for it already
        return path, {"json": {"peer_id": recognise_peer(api.store), "filing_id": filing}}
    if path == "/v1/federation/notices":
        return path, {"json": {"notices": ["not a notice"]}}  # answered with its refusal
    if path == "/v1/federation/add-checkpoint":
        recognise_peer(api.store)
        return path, {"content": checkpoint_offer(1).encode(), "headers": {"content-type": "text/plain"}}
    return None


def sample_request(api: Api, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """A well-formed request for each route, so only authorisation decides the outcome.

    Writes act for the organisation of the provider and deployer actors, so the roles that hold
    the permission may make them.
    """
    provider_actor = api.actors[Role.PROVIDER]["id"]
    provider_org = api.organisations["provider"]["id"]
    model, deployment = api.samples["model"], api.samples["deployment"]
    with api.store.read() as conn:
        filing_id = conn.exec_driver_sql("SELECT id FROM filings LIMIT 1").scalar_one()
    samples: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
        ("GET", "/tile/{path:path}"): ("/tile/0/000.p/1", {}),
        ("GET", "/v1/ledger/proofs/inclusion"): (
            "/v1/ledger/proofs/inclusion",
            {"params": {"index": 0, "size": 2}},
        ),
        ("GET", "/v1/ledger/proofs/consistency"): (
            "/v1/ledger/proofs/consistency",
            {"params": {"old": 1, "size": 2}},
        ),
        ("POST", "/v1/organisations"): (
            "/v1/organisations",
            {"json": {"content": {"name": "New Org", "jurisdiction": "IT"}}},
        ),
        ("POST", "/v1/actors"): (
            "/v1/actors",
            {"json": {"name": "New", "role": "auditor", "organisation": "Provider SA"}},
        ),
        ("POST", "/v1/actors/{actor_id}/tokens"): (
            f"/v1/actors/{provider_actor}/tokens",
            {"json": {"expires_in": "30d"}},
        ),
        ("POST", "/v1/actors/{actor_id}/tokens/revoke"): (f"/v1/actors/{provider_actor}/tokens/revoke", {}),
        ("GET", "/v1/tokens"): ("/v1/tokens", {"params": {"actor": provider_actor}}),
        ("GET", "/v1/filings/{filing_id}"): (f"/v1/filings/{filing_id}", {}),
        ("GET", "/v1/organisations/{organisation_id}"): (f"/v1/organisations/{provider_org}", {}),
        ("POST", "/v1/organisations/{organisation_id}/frameworks"): (
            f"/v1/organisations/{provider_org}/frameworks",
            {"json": {"url": "https://provider.example/framework", "document_sha256": "0" * 64}},
        ),
        ("POST", "/v1/models"): (
            "/v1/models",
            {"json": {"content": {"name": "New model", "provider_id": provider_org}}},
        ),
        ("GET", "/v1/models/{model_id}"): (f"/v1/models/{model}", {}),
        ("GET", "/v1/models/{model_id}/passports"): (f"/v1/models/{model}/passports", {}),
        ("POST", "/v1/models/{model_id}/passports"): (
            f"/v1/models/{model}/passports",
            {"json": {"content": {"provenance": {"source": "manual"}, "description": "v2"}}},
        ),
        ("POST", "/v1/models/{model_id}/notifications"): (
            f"/v1/models/{model}/notifications",
            {
                "json": {
                    "regards": "EU AI Act Art. 52(1)",
                    "authority": "European Commission (AI Office)",
                    "training_flop": 2.3e25,
                    "estimation_method": "6 x parameters x tokens",
                }
            },
        ),
        ("POST", "/v1/models/{model_id}/documentation"): (
            f"/v1/models/{model}/documentation",
            {"json": ANNEX_XI},
        ),
        ("GET", "/v1/models/{model_id}/export"): (
            f"/v1/models/{model}/export",
            {"params": {"format": "spdx"}},
        ),
        ("POST", "/v1/deployments"): (
            "/v1/deployments",
            {
                "json": {
                    "content": {
                        "name": "New deployment",
                        "deployer_id": provider_org,
                        "model_id": model,
                        "jurisdictions": ["FR"],
                        "sector": "finance",
                    }
                }
            },
        ),
        ("GET", "/v1/deployments/{deployment_id}"): (f"/v1/deployments/{deployment}", {}),
        ("POST", "/v1/policy/packs"): (
            "/v1/policy/packs",
            {
                "content": GOOD.replace("1.0.0", "2.0.0").encode(),
                "headers": {"content-type": "application/yaml"},
            },
        ),
        ("POST", "/v1/policy/lint"): ("/v1/policy/lint", {"json": {"text": GOOD}}),
        ("POST", "/v1/policy/evaluate"): ("/v1/policy/evaluate", {"json": {"dry_run": True}}),
        ("GET", "/v1/policy/obligations/{obligation_id}/explanation"): (
            f"/v1/policy/obligations/{api.samples['obligation']}/explanation",
            {},
        ),
        ("POST", "/v1/policy/whatif"): (
            "/v1/policy/whatif",
            {"json": {"subject": model, "facts": {"training_flop": 2e26}}},
        ),
        ("POST", "/v1/policy/obligations/{obligation_id}/waiver"): (
            f"/v1/policy/obligations/{api.samples['obligation']}/waiver",
            {"json": {"reason": "test"}},
        ),
        ("POST", "/v1/policy/obligations/{obligation_id}/discharge"): (
            f"/v1/policy/obligations/{api.samples['obligation']}/discharge",
            {"json": {"evidence": api.samples["passport_filing"]}},
        ),
        ("POST", "/v1/licences"): (
            "/v1/licences",
            {"json": {"content": {"model_id": model, "scope": {"jurisdictions": ["FR"]}, "term_months": 6}}},
        ),
        ("GET", "/v1/licences/{licence_id}"): (f"/v1/licences/{api.samples['licence']}", {}),
        ("POST", "/v1/licences/{licence_id}/{transition}"): (
            f"/v1/licences/{api.samples['licence']}/suspend",
            {"json": {"reason": "test"}},
        ),
        ("POST", "/v1/licences/{licence_id}/rollout"): (
            f"/v1/licences/{api.samples['licence']}/rollout",
            {"json": {"stages": [{"name": "pilot", "percentage": 10}, {"name": "all", "percentage": 100}]}},
        ),
        ("GET", "/v1/licences/{licence_id}/rollout"): (f"/v1/licences/{api.samples['licence']}/rollout", {}),
        ("POST", "/v1/licences/{licence_id}/rollout/metrics"): (
            f"/v1/licences/{api.samples['licence']}/rollout/metrics",
            {"json": {"values": {"override_rate": 0.01}}},
        ),
        ("POST", "/v1/licences/{licence_id}/rollout/{move}"): (
            f"/v1/licences/{api.samples['licence']}/rollout/promote",
            {"json": {"reason": "test"}},
        ),
        ("POST", "/v1/recognitions"): (
            "/v1/recognitions",
            {"json": {"recognising": "GB", "recognised": "EU"}},
        ),
        ("POST", "/v1/recognitions/{agreement_id}/end"): (
            f"/v1/recognitions/{agreement}/end" if (agreement := _agreement(api)) else "",
            {"json": {"reason": "test"}},
        ),
        ("POST", "/v1/incidents"): (
            "/v1/incidents",
            {
                "json": {
                    "model_id": model,
                    "severity": "major",
                    "summary": "wrong answers",
                    "occurred_at": "2026-01-01T00:00:00Z",
                }
            },
        ),
        ("POST", "/v1/decisions"): (
            "/v1/decisions",
            {"json": {"deployer": provider_org, "model": model, "jurisdiction": "FR"}},
        ),
        ("POST", "/v1/decisions/batch"): (
            "/v1/decisions/batch",
            {"json": {"requests": [{"deployer": provider_org, "model": model, "jurisdiction": "FR"}]}},
        ),
        ("GET", "/static/{name:path}"): ("/static/app.css", {}),
        ("POST", "/v1/risk/runs"): (
            "/v1/risk/runs",
            {"json": {"scenario": SMALL_SCENARIO, "network": "sample"}},
        ),
        ("POST", "/v1/risk/reverse-stress"): (
            "/v1/risk/reverse-stress",
            {"json": {"scenario": SMALL_SCENARIO, "network": "sample", "threshold": 10.0}},
        ),
        ("POST", "/v1/incidents/history"): (
            "/v1/incidents/history",
            {"json": {"incidents": "incident_id,date,title\n1,2020-01-01,A sample incident\n"}},
        ),
        ("POST", "/v1/imports/{fmt}"): (
            "/v1/imports/hf",
            {"content": SAMPLE_CARD.encode(), "headers": {"content-type": "text/plain"}},
        ),
    }
    if path == "/v1/tokens/{token_id}/revoke":
        spare = AccessService(api.store).issue(provider_actor).id
        samples[(method, path)] = (f"/v1/tokens/{spare}/revoke", {})
    if path.startswith("/v1/risk/runs/{run_id}"):
        run = _run(api)
        chart = path.endswith("/charts/{name}")
        url = path.replace("{run_id}", run).replace("{name}", "network" if chart else "report.html")
        samples[(method, path)] = (url, {})
    if path == "/v1/incidents/disclosures":
        disclosure = {
            "incident_id": _incident(api),
            "authority": "Police",
            "disclosed_at": "2026-01-02T00:00:00Z",
        }
        samples[(method, path)] = (path, {"json": disclosure})
    if path == "/v1/incidents/updates":
        update = {"incident_id": _incident(api), "stage": "follow_up", "learned": "more"}
        samples[(method, path)] = (path, {"json": update})
    if path == "/v1/incidents/{incident_id}/publish":
        samples[(method, path)] = (f"/v1/incidents/{_incident(api)}/publish", {"json": {"summary": "test"}})
    if (method, path) == ("GET", "/v1/incidents/{incident_id}"):  # published: every role may read it
        incident = _incident(api)
        publication = IncidentPublished(summary="test")
        IncidentService(api.store).publish(incident, publication, by=operator(api.store))
        samples[(method, path)] = (f"/v1/incidents/{incident}", {})
    if path in {"/v1/incidents/{incident_id}/close", "/v1/incidents/{incident_id}/confirm"}:
        action = path.rsplit("/", 1)[1]
        samples[(method, path)] = (f"/v1/incidents/{_incident(api)}/{action}", {"json": {"reason": "test"}})
    if path == "/v1/findings":
        body = {"json": {"subject_id": model, **FINDING}} if method == "POST" else {}
        samples[(method, path)] = (path, body)
    if path.startswith("/v1/findings/{finding_id}"):
        stage, body = {
            "": ("published", {}),
            "/acknowledge": ("reported", {}),
            "/mitigate": ("acknowledged", {"description": "Refusal tuned"}),
            "/reopen": ("closed", {"reason": "The bypass works again"}),
            "/publish": ("closed", {"summary": "Fixed."}),
        }[path.removeprefix("/v1/findings/{finding_id}")]
        url = path.replace("{finding_id}", finding_at(api, stage))
        samples[(method, path)] = (url, {"json": body} if method == "POST" else {})
    if path.startswith("/v1/federation/peers/{peer_id}/") and path.endswith(("/packs", "/accreditations")):
        samples[(method, path)] = route_sample(api.store, api.client, path)
    if path.startswith(("/v1/auditors", "/v1/engagements", "/v1/attestations")):
        samples[(method, path)] = _audit_sample(api, method, path)
    if path.startswith("/v1/federation/") and (peer_sample := _peer_sample(api, method, path)):
        samples[(method, path)] = peer_sample
    if path.startswith("/v1/escrow/"):
        samples[(method, path)] = escrow_sample(api, method, path)
    if path.startswith("/v1/provenance/"):
        samples[(method, path)] = provenance_sample(api, method, path)
    if path.startswith("/v1/markets/"):
        samples[(method, path)] = markets_sample(api, method, path)
    if path.startswith("/v1/pool/"):
        samples[(method, path)] = pool_sample(api, method, path)
    if path.startswith("/v1/buffers/"):
        samples[(method, path)] = buffers_sample(api, method, path)
    if path.startswith("/v1/labour/"):
        samples[(method, path)] = labour_sample(api, method, path)
    if path.startswith(("/v1/monitoring/", "/v1/metrics")):
        samples[(method, path)] = monitoring_sample(api, method, path)
    if path.startswith("/v1/licences/{licence_id}/rollout"):
        plan = {"stages": [{"name": "pilot", "percentage": 10}, {"name": "all", "percentage": 100}]}
        rollout = RolloutPlanned.model_validate(plan)
        RolloutService(api.store).plan(api.samples["licence"], rollout, by=operator(api.store))
    return samples.get((method, path), (path, {}))


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("method", "path"), sorted(ROUTES))
def test_every_route_admits_exactly_the_roles_holding_its_permission(
    api: Api, role: Role, method: str, path: str
) -> None:
    url, extra = sample_request(api, method, path)
    headers = {**api.headers(role), **extra.pop("headers", {})}
    response = api.client.request(method, url, headers=headers, **extra)
    if role in REFUSED_BEYOND_PERMISSION.get((method, path), set()):
        assert response.status_code == 403, response.text
    elif role in HIDDEN_BEYOND_PERMISSION.get((method, path), set()):
        assert response.status_code == 404, response.text
    elif ROUTES[(method, path)] in ROLE_PERMISSIONS[role]:
        assert response.status_code < 400, response.text
    else:
        assert response.status_code == (401 if role is Role.PUBLIC else 403), response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_an_unknown_token_is_401_even_on_public_routes(api: Api) -> None:
    response = api.client.get("/v1/ledger/status", headers={"Authorization": "Bearer custos_nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == REFUSED


def test_a_malformed_authorization_header_is_401(api: Api) -> None:
    response = api.client.get("/v1/ledger/status", headers={"Authorization": "Token abc"})
    assert response.status_code == 401
