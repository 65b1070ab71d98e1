"""``CustosClient``: the REST API from Python, with the API's own models on both sides.

A provider or deployer runs this in its own process, so it imports httpx, pydantic and the
payload and read-model modules only: never FastAPI, the store or SQLAlchemy of its own accord.
Requests are built from the filings' payload models (what the caller set, in JSON form, as the
API hands the services); answers are parsed into the read models the API documents.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

import custos
from custos.api.envelopes import ModelPage
from custos.assurance.model import AuditEngaged, AuditorAccredited
from custos.assurance.views import AccreditationView, AttestationView, EngagementView, VerificationView
from custos.buffers.requests import DeclarationRequest, PolicyRequest
from custos.buffers.views import DeclarationView, PolicyView, PositionsView, PositionView
from custos.client.errors import (
    CustosApiError,
    CustosConnectionError,
    InvalidInputError,
    problem_error,
)
from custos.escrow.model import (
    CustodianAppointed,
    EscrowDeposited,
    EscrowOpened,
    ReleaseApproved,
    ReleaseRequested,
)
from custos.escrow.views import (
    AuditView,
    CustodianView,
    DepositView,
    EscrowSweep,
    ReleasePackage,
    ReleaseView,
    ShareView,
)
from custos.federation.model import PeerRecognised
from custos.federation.standards_views import AccreditationsImport, PackImport
from custos.federation.views import (
    Identity,
    IncomingNotice,
    NoticeResults,
    OutgoingNotice,
    PeerStatus,
    PeerView,
    Refusal,
)
from custos.filings import Visibility
from custos.labor.occupations import Measure
from custos.labor.requests import LabourRunRequest
from custos.labor.views import (
    CrosswalkView,
    ExposureView,
    HeadlineView,
    LabourRunView,
    Level,
    ProgrammeView,
    RunSummary,
    ScenarioView,
)
from custos.licensing.model import LicenceApplied, LicenceStatus, LicenceStep, Transition
from custos.licensing.views import DecisionView, LicenceView
from custos.markets.requests import (
    DesignationRequest,
    FallbackPlanRequest,
    MergerRequest,
    RemedyRequest,
    WhatIfRequest,
)
from custos.markets.views import (
    AssessmentView,
    ConcentrationView,
    DependenciesView,
    DesignationView,
    FallbackPlanView,
    MergerReviewView,
    RemedyView,
    WhatIfView,
)
from custos.monitoring.model import Enrolled, SummaryPublished, Thresholds
from custos.monitoring.views import (
    AlertView,
    BoundView,
    DeploymentNow,
    EnrolmentView,
    SeriesView,
    SystemView,
)
from custos.oversight.history_model import HistoryImportSummary, IncidentHistoryItem, IncidentHistoryPage
from custos.oversight.model import IncidentDisclosed, IncidentPublished, IncidentReported, IncidentUpdated
from custos.oversight.views import IncidentList, IncidentReportView, IncidentView
from custos.passports.model import Passport
from custos.policy.views import ObligationPage, ObligationView
from custos.pool.requests import (
    AssessmentRequest,
    CallRequest,
    ClaimRequest,
    PaymentRequest,
    PayoutRequest,
    RecoveryRequest,
    SubrogationRequest,
)
from custos.pool.views import BalanceView, CallView, ClaimView, PayoutView, SubrogationView
from custos.provenance.model import (
    BudgetSet,
    ComputeSold,
    DatasetCommitted,
    PublishRequest,
    ReconcileRequest,
    RecordsRevealed,
    RunDeclared,
    SampleRequest,
)
from custos.provenance.views import AuditView as SampleAuditView
from custos.provenance.views import (
    BudgetView,
    CommitmentView,
    ModelProvenanceView,
    ReconciliationView,
    RevealView,
    RunView,
    SampleView,
    StatementView,
)
from custos.provenance.views import ReleaseView as PrivateReleaseView
from custos.registry.documentation import TechnicalDocumentation
from custos.registry.model import (
    Accessibility,
    DeploymentRegistered,
    ModelRegistered,
    NotificationFiled,
    OrganisationRegistered,
)
from custos.registry.views import (
    DeploymentView,
    DocumentationView,
    ModelDetail,
    ModelSummary,
    ModelView,
    NotificationView,
    OrganisationView,
    PassportVersion,
)
from custos.risk.requests import ReverseStressRequest
from custos.risk.views import ReverseStressView

View = TypeVar("View", bound=BaseModel)
Visibilities = Mapping[str, Visibility | str]

#: Items per request when following a list (the most the API allows for models).
MODEL_PAGE = 500
OBLIGATION_PAGE = 1000
HISTORY_PAGE = 500


def _payload(model: BaseModel) -> dict[str, Any]:
    """A payload as the API reads it: the fields the caller set, in JSON form. Unset fields are
    left to the server, which fills them as it always has (the caller's organisation, defaults)."""
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)
    return dumped


def _filing(content: BaseModel, visibility: Visibilities | None) -> dict[str, Any]:
    body: dict[str, Any] = {"content": _payload(content)}
    if visibility is not None:
        body["visibility"] = {name: str(value) for name, value in visibility.items()}
    return body


def _id(value: str) -> str:
    """An id as one path segment: whatever it holds, it cannot reach another route."""
    return quote(value, safe="")


def _query(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _status_message(data: bytes) -> str:
    """The message of a binary ``google.rpc.Status``, the body of an OTLP/HTTP refusal."""
    from google.protobuf.message import DecodeError
    from google.rpc import status_pb2

    try:
        return str(status_pb2.Status.FromString(data).message)
    except DecodeError:
        return ""


def _otlp_error(response: httpx.Response) -> CustosApiError:
    """The telemetry endpoint's refusal as the client's error. OTLP answers a body it cannot read
    with a ``google.rpc.Status`` in the request's encoding, not a problem document; anything else
    (authentication, permission) is a problem document as on every route."""
    encoding = response.headers.get("content-type", "").split(";")[0].strip()
    if encoding == "application/x-protobuf":
        detail = _status_message(response.content)
    elif encoding == "application/json":
        try:
            document = response.json()
        except ValueError:
            document = None
        detail = str(document.get("message", "")) if isinstance(document, dict) else ""
    else:
        return problem_error(response)
    return InvalidInputError(response.status_code, "Telemetry refused", detail or response.reason_phrase)


class CustosClient:
    """A session with one Custos server, as one actor (``token``) or as the public (no token).

    Use it as a context manager, or call :meth:`close`. Every error the server answers is raised
    as a :class:`~custos.client.errors.CustosApiError`; no answer at all as a
    :class:`~custos.client.errors.CustosConnectionError`.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": f"custos-client/{custos.__version__}"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
        )

    def __enter__(self) -> CustosClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- the wire -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:  # refused, reset, timed out: nothing was answered
            raise CustosConnectionError(f"{method} {path}: no answer from the server: {exc}") from exc
        if response.is_error:
            raise problem_error(response)
        try:
            return response.json()
        except ValueError as exc:
            raise CustosApiError(
                response.status_code, "Unexpected answer", f"{method} {path} did not answer JSON"
            ) from exc

    def _read(self, view: type[View], answer: Any) -> View:
        try:
            return view.model_validate(answer)
        except ValidationError as exc:
            raise CustosApiError(
                200, "Unexpected answer", f"the answer does not read as {view.__name__}: {exc}"
            ) from exc

    def _read_list(self, view: type[View], answer: Any) -> list[View]:
        try:
            return TypeAdapter(list[view]).validate_python(answer)  # type: ignore[valid-type]
        except ValidationError as exc:
            raise CustosApiError(
                200, "Unexpected answer", f"the answer does not read as a list of {view.__name__}: {exc}"
            ) from exc

    # --- the registry ---------------------------------------------------------------------------

    def register_organisation(
        self, organisation: OrganisationRegistered, *, visibility: Visibilities | None = None
    ) -> OrganisationView:
        """Register an organisation (supervisors)."""
        answer = self._call("POST", "/v1/organisations", json=_filing(organisation, visibility))
        return self._read(OrganisationView, answer)

    def organisation(self, organisation_id: str) -> OrganisationView:
        return self._read(OrganisationView, self._call("GET", f"/v1/organisations/{_id(organisation_id)}"))

    def register_model(self, model: ModelRegistered, *, visibility: Visibilities | None = None) -> ModelView:
        """Register a model. A ``custos.registry.model.ModelRegistration`` may leave out the provider,
        which is then the caller's organisation."""
        return self._read(ModelView, self._call("POST", "/v1/models", json=_filing(model, visibility)))

    def file_passport(
        self, model_id: str, passport: Passport, *, visibility: Visibilities | None = None
    ) -> PassportVersion:
        """File a new version of the model's passport; it supersedes the current one. Sections
        are public except ``compute``, ``energy`` and ``data_quality`` (the owner's and the
        supervisors'), unless ``visibility`` says otherwise."""
        answer = self._call(
            "POST", f"/v1/models/{_id(model_id)}/passports", json=_filing(passport, visibility)
        )
        return self._read(PassportVersion, answer)

    def file_notification(self, model_id: str, notification: NotificationFiled) -> NotificationView:
        """Record that the provider notified an authority that the model meets, or will meet, a
        threshold (EU AI Act Art. 52(1)); it discharges the obligation to notify."""
        answer = self._call(
            "POST",
            f"/v1/models/{_id(model_id)}/notifications",
            json=notification.model_dump(mode="json", exclude_unset=True),
        )
        return self._read(NotificationView, answer)

    def file_documentation(self, model_id: str, documentation: TechnicalDocumentation) -> DocumentationView:
        """File the model's technical documentation (EU AI Act Annex XI); it discharges the duty
        to draw it up (Art. 53(1)(a))."""
        answer = self._call(
            "POST",
            f"/v1/models/{_id(model_id)}/documentation",
            json=documentation.model_dump(mode="json", exclude_unset=True),
        )
        return self._read(DocumentationView, answer)

    def model(self, model_id: str) -> ModelDetail:
        """A model with its current passport, as far as this caller may see them."""
        return self._read(ModelDetail, self._call("GET", f"/v1/models/{_id(model_id)}"))

    def passports(self, model_id: str) -> list[PassportVersion]:
        """Every version of the model's passport, newest first."""
        return self._read_list(PassportVersion, self._call("GET", f"/v1/models/{_id(model_id)}/passports"))

    def export_passport(self, model_id: str, fmt: str = "cyclonedx") -> dict[str, Any]:
        """The model's current passport as a CycloneDX 1.6 or SPDX 3.0.1 document, with only the
        fields this caller may see."""
        exported: dict[str, Any] = self._call(
            "GET", f"/v1/models/{_id(model_id)}/export", params={"format": fmt}
        )
        return exported

    def model_pages(
        self,
        *,
        organisation: str | None = None,
        country: str | None = None,
        accessibility: Accessibility | str | None = None,
        min_flop: float | None = None,
        max_flop: float | None = None,
        q: str | None = None,
        sort: str | None = None,
        page_size: int = MODEL_PAGE,
    ) -> Iterator[ModelPage]:
        """Pages of models matching the filters, following each page's ``next`` cursor."""
        params = _query(
            organisation=organisation,
            country=country,
            accessibility=None if accessibility is None else str(accessibility),
            min_flop=min_flop,
            max_flop=max_flop,
            q=q,
            sort=sort,
            limit=page_size,
        )
        cursor: str | None = None
        while True:
            page = self._read(
                ModelPage, self._call("GET", "/v1/models", params=_query(**params, cursor=cursor))
            )
            yield page
            if page.next is None:
                return
            cursor = page.next

    def models(self, **filters: Any) -> Iterator[ModelSummary]:
        """Every model matching the filters (those of :meth:`model_pages`), a page at a time."""
        for page in self.model_pages(**filters):
            yield from page.items

    def register_deployment(
        self, deployment: DeploymentRegistered, *, visibility: Visibilities | None = None
    ) -> DeploymentView:
        """Register a deployment. A ``custos.registry.model.DeploymentRegistration`` may leave out the
        deployer, which is then the caller's organisation."""
        answer = self._call("POST", "/v1/deployments", json=_filing(deployment, visibility))
        return self._read(DeploymentView, answer)

    def deployment(self, deployment_id: str) -> DeploymentView:
        return self._read(DeploymentView, self._call("GET", f"/v1/deployments/{_id(deployment_id)}"))

    # --- the decision point ---------------------------------------------------------------------

    def decide(
        self,
        deployer: str,
        model: str,
        jurisdiction: str,
        *,
        sector: str | None = None,
        users: int | None = None,
        capability_class: str | None = None,
        subject_key: str | None = None,
    ) -> DecisionView:
        """May ``deployer`` (the caller's organisation) serve this request with ``model``, now?
        The body is ``custos.api.bodies.DecisionRequest``; the server judges it."""
        body = _query(
            deployer=deployer,
            model=model,
            jurisdiction=jurisdiction,
            sector=sector,
            users=users,
            capability_class=capability_class,
            subject_key=subject_key,
        )
        return self._read(DecisionView, self._call("POST", "/v1/decisions", json=body))

    # --- obligations ----------------------------------------------------------------------------

    def obligations(
        self,
        *,
        status: str | None = None,
        organisation: str | None = None,
        pack: str | None = None,
        jurisdiction: str | None = None,
        subject: str | None = None,
        due_before: datetime | None = None,
        page_size: int = OBLIGATION_PAGE,
    ) -> Iterator[ObligationView]:
        """The caller's obligations (a supervisor's: all) by due date, following the pages."""
        if due_before is not None and due_before.tzinfo is None:
            raise ValueError("due_before must carry its time zone")
        params = _query(
            status=status,
            organisation=organisation,
            pack=pack,
            jurisdiction=jurisdiction,
            subject=subject,
            due_before=None if due_before is None else due_before.isoformat(),
            limit=page_size,
        )
        offset: int | None = 0
        while offset is not None:
            answer = self._call("GET", "/v1/policy/obligations", params={**params, "offset": offset})
            page = self._read(ObligationPage, answer)
            yield from page.items
            offset = page.next

    # --- licences -------------------------------------------------------------------------------

    def apply_for_licence(self, application: LicenceApplied) -> LicenceView:
        """Apply for a licence for a model. A ``custos.licensing.model.LicenceApplication`` may leave
        out the applicant, which is then the caller's organisation."""
        answer = self._call("POST", "/v1/licences", json={"content": _payload(application)})
        return self._read(LicenceView, answer)

    def licence(self, licence_id: str) -> LicenceView:
        return self._read(LicenceView, self._call("GET", f"/v1/licences/{_id(licence_id)}"))

    def licences(self, *, status: LicenceStatus | str | None = None, limit: int = 1000) -> list[LicenceView]:
        """The caller's organisation's licences (a supervisor's: all)."""
        params = _query(status=None if status is None else str(status), limit=limit)
        return self._read_list(LicenceView, self._call("GET", "/v1/licences", params=params))

    def decide_licence(
        self, licence_id: str, transition: Transition | str, step: LicenceStep | None = None
    ) -> LicenceView:
        """Grant, refuse, suspend, reinstate, vary, revoke or expire a licence (supervisors);
        without a ``step``, a grant is on the terms applied for."""
        body = {} if step is None else _payload(step)
        answer = self._call(
            "POST", f"/v1/licences/{_id(licence_id)}/{Transition(transition).value}", json=body
        )
        return self._read(LicenceView, answer)

    # --- audits -----------------------------------------------------------------------------------

    def accredit_auditor(self, accreditation: AuditorAccredited) -> AccreditationView:
        """Accredit an auditor's keys for scopes (supervisors)."""
        return self._read(AccreditationView, self._call("POST", "/v1/auditors", json=_payload(accreditation)))

    def auditors(self) -> list[AccreditationView]:
        return self._read_list(AccreditationView, self._call("GET", "/v1/auditors"))

    def engage_auditor(self, engagement: AuditEngaged) -> EngagementView:
        """Engage an accredited auditor about one's own model or deployment; the answer names
        the subject the auditor's Statement must carry (``statement_subject``)."""
        return self._read(EngagementView, self._call("POST", "/v1/engagements", json=_payload(engagement)))

    def engagement(self, engagement_id: str) -> EngagementView:
        return self._read(EngagementView, self._call("GET", f"/v1/engagements/{_id(engagement_id)}"))

    def file_attestation(self, envelope: Mapping[str, Any]) -> AttestationView:
        """File a DSSE envelope the auditor signed (``custos.assurance.signing.sign_statement``);
        refused with the reason unless it verifies against the log."""
        answer = self._call("POST", "/v1/attestations", json={"envelope": dict(envelope)})
        return self._read(AttestationView, answer)

    def attestation(self, attestation_id: str) -> AttestationView:
        return self._read(AttestationView, self._call("GET", f"/v1/attestations/{_id(attestation_id)}"))

    def attestations(self, *, subject: str | None = None, limit: int = 100) -> list[AttestationView]:
        params = _query(subject=subject, limit=limit)
        return self._read_list(AttestationView, self._call("GET", "/v1/attestations", params=params))

    def verify_attestation(self, envelope: Mapping[str, Any]) -> VerificationView:
        """Check an envelope against the server's log without filing it."""
        answer = self._call("POST", "/v1/attestations/verify", json={"envelope": dict(envelope)})
        return self._read(VerificationView, answer)

    def attestation_bundle(self, attestation_id: str) -> dict[str, Any]:
        """The bundle that verifies a filed attestation offline (``custos audit verify``)."""
        answer: dict[str, Any] = self._call("GET", f"/v1/attestations/{_id(attestation_id)}/bundle")
        return answer

    # --- incidents ------------------------------------------------------------------------------

    def report_incident(self, report: IncidentReported) -> IncidentView:
        """File the initial report of an incident about registered models and their deployments."""
        return self._read(IncidentView, self._call("POST", "/v1/incidents", json=_payload(report)))

    def update_incident(self, update: IncidentUpdated) -> IncidentReportView:
        """File a follow-up or final report on an incident."""
        return self._read(
            IncidentReportView, self._call("POST", "/v1/incidents/updates", json=_payload(update))
        )

    def disclose_incident(self, disclosure: IncidentDisclosed) -> IncidentView:
        answer = self._call("POST", "/v1/incidents/disclosures", json=_payload(disclosure))
        return self._read(IncidentView, answer)

    def publish_incident(self, incident_id: str, publication: IncidentPublished) -> IncidentView:
        """Publish an incident with a public summary (supervisors)."""
        path = f"/v1/incidents/{_id(incident_id)}/publish"
        return self._read(IncidentView, self._call("POST", path, json=_payload(publication)))

    def incident(self, incident_id: str) -> IncidentView:
        """An incident as this caller may see it, with its clocks when the caller is concerned."""
        return self._read(IncidentView, self._call("GET", f"/v1/incidents/{_id(incident_id)}"))

    def incidents(self, *, status: str | None = None, limit: int = 100, offset: int = 0) -> IncidentList:
        """A page of the incidents this caller may see, newest first, with how many there are."""
        params = _query(status=status, limit=limit, offset=offset)
        return self._read(IncidentList, self._call("GET", "/v1/incidents", params=params))

    # --- incident history -----------------------------------------------------------------------

    def import_incident_history(self, incidents: str, reports: str | None = None) -> HistoryImportSummary:
        """Import the text of an AI Incident Database snapshot's incidents.csv and, optionally, its
        reports.csv (supervisors); the request holds at most 64 MiB."""
        body = _query(incidents=incidents, reports=reports)
        return self._read(HistoryImportSummary, self._call("POST", "/v1/incidents/history", json=body))

    def incident_history_pages(
        self, *, q: str | None = None, organisation: str | None = None, page_size: int = HISTORY_PAGE
    ) -> Iterator[IncidentHistoryPage]:
        """Pages of imported incidents, the most recently filed first, following each ``next``."""
        cursor: str | None = None
        while True:
            params = _query(q=q, organisation=organisation, limit=page_size, cursor=cursor)
            page = self._read(IncidentHistoryPage, self._call("GET", "/v1/incidents/history", params=params))
            yield page
            if page.next is None:
                return
            cursor = page.next

    def incident_history(self, **filters: Any) -> Iterator[IncidentHistoryItem]:
        """Every imported incident matching the filters (those of :meth:`incident_history_pages`)."""
        for page in self.incident_history_pages(**filters):
            yield from page.items

    # --- escrow ---------------------------------------------------------------------------------

    def appoint_custodian(self, appointment: CustodianAppointed) -> CustodianView:
        """Appoint an organisation custodian of key shares (supervisors)."""
        answer = self._call("POST", "/v1/escrow/custodians", json=_payload(appointment))
        return self._read(CustodianView, answer)

    def custodians(self) -> list[CustodianView]:
        """Every custodian appointment, in force or not."""
        return self._read_list(CustodianView, self._call("GET", "/v1/escrow/custodians"))

    def withdraw_custodian(self, appointment_id: str, reason: str) -> CustodianView:
        """End an appointment (supervisors): the custodian takes no new shares."""
        path = f"/v1/escrow/custodians/{_id(appointment_id)}/withdraw"
        return self._read(CustodianView, self._call("POST", path, json={"reason": reason}))

    def file_deposit(self, deposit: EscrowDeposited) -> DepositView:
        """File a deposit sealed on the caller's machine (the model's provider, or a supervisor)."""
        return self._read(DepositView, self._call("POST", "/v1/escrow/deposits", json=_payload(deposit)))

    def deposits(self, *, model: str | None = None) -> list[DepositView]:
        """Deposits, newest first; a supervisor also sees where each is stored and its digests."""
        answer = self._call("GET", "/v1/escrow/deposits", params=_query(model=model))
        return self._read_list(DepositView, answer)

    def deposit(self, deposit_id: str) -> DepositView:
        return self._read(DepositView, self._call("GET", f"/v1/escrow/deposits/{_id(deposit_id)}"))

    def deposit_share(self, deposit_id: str) -> ShareView:
        """The caller's own share of a deposit, still encrypted to its recipient (custodians)."""
        return self._read(ShareView, self._call("GET", f"/v1/escrow/deposits/{_id(deposit_id)}/share"))

    def confirm_custody(self, deposit_id: str, envelope: Mapping[str, Any]) -> DepositView:
        """File a custodian's signed confirmation (``custos.escrow.custody.confirmation``, signed
        with ``custos.escrow.custody.sign``) that its share still opens and matches."""
        path = f"/v1/escrow/deposits/{_id(deposit_id)}/confirmations"
        return self._read(DepositView, self._call("POST", path, json={"envelope": dict(envelope)}))

    def audit_deposit(self, deposit_id: str) -> AuditView:
        """Audit a deposit's storage now (supervisors)."""
        return self._read(AuditView, self._call("POST", f"/v1/escrow/deposits/{_id(deposit_id)}/audits"))

    def escrow_sweep(self) -> EscrowSweep:
        """Audit the deposits due an audit and escalate overdue confirmations now (supervisors)."""
        return self._read(EscrowSweep, self._call("POST", "/v1/escrow/sweep"))

    def request_release(self, request: ReleaseRequested) -> ReleaseView:
        """Ask the custodians to release a deposit to a one-time recipient (supervisors)."""
        return self._read(ReleaseView, self._call("POST", "/v1/escrow/releases", json=_payload(request)))

    def releases(self) -> list[ReleaseView]:
        return self._read_list(ReleaseView, self._call("GET", "/v1/escrow/releases"))

    def release(self, release_id: str) -> ReleaseView:
        return self._read(ReleaseView, self._call("GET", f"/v1/escrow/releases/{_id(release_id)}"))

    def approve_release(self, approval: ReleaseApproved) -> ReleaseView:
        """Approve a release with one's share resealed to its recipient (custodians)."""
        path = f"/v1/escrow/releases/{_id(approval.release_id)}/approvals"
        return self._read(ReleaseView, self._call("POST", path, json=_payload(approval)))

    def release_package(self, release_id: str) -> ReleasePackage:
        """The deposit and the approved shares a release is opened with (supervisors)."""
        path = f"/v1/escrow/releases/{_id(release_id)}/package"
        return self._read(ReleasePackage, self._call("GET", path))

    def record_opening(self, opening: EscrowOpened) -> ReleaseView:
        """Record the outcome of opening a release: opened, or refused with the reason (supervisors)."""
        path = f"/v1/escrow/releases/{_id(opening.release_id)}/opening"
        return self._read(ReleaseView, self._call("POST", path, json=_payload(opening)))

    # --- provenance -----------------------------------------------------------------------------

    def file_commitment(self, commitment: DatasetCommitted) -> CommitmentView:
        """File a commitment to a training dataset's manifest, built on the provider's machine
        (``custos.provenance.commitment.commit_manifest``): the manifest itself never leaves it."""
        answer = self._call("POST", "/v1/provenance/commitments", json=_payload(commitment))
        return self._read(CommitmentView, answer)

    def commitments(self, *, model: str | None = None) -> list[CommitmentView]:
        """Dataset commitments with their samples; the declared composition where the caller may see it."""
        answer = self._call("GET", "/v1/provenance/commitments", params=_query(model=model))
        return self._read_list(CommitmentView, answer)

    def commitment(self, commitment_id: str) -> CommitmentView:
        path = f"/v1/provenance/commitments/{_id(commitment_id)}"
        return self._read(CommitmentView, self._call("GET", path))

    def request_sample(self, request: SampleRequest) -> SampleView:
        """Ask for a sample of a commitment's records (an engaged auditor, or a supervisor): the
        server draws the indices from a signed checkpoint that holds the commitment."""
        answer = self._call("POST", "/v1/provenance/samples", json=_payload(request))
        return self._read(SampleView, answer)

    def samples(self, *, model: str | None = None) -> list[SampleView]:
        answer = self._call("GET", "/v1/provenance/samples", params=_query(model=model))
        return self._read_list(SampleView, answer)

    def sample(self, sample_id: str) -> SampleView:
        return self._read(SampleView, self._call("GET", f"/v1/provenance/samples/{_id(sample_id)}"))

    def reveal_sample(self, revealed: RecordsRevealed) -> SampleAuditView:
        """Reveal the sampled records with their salts and proofs (the model's provider); answered
        with the findings once every proof holds."""
        path = f"/v1/provenance/samples/{_id(revealed.sample_id)}/reveal"
        return self._read(SampleAuditView, self._call("POST", path, json=_payload(revealed)))

    def sample_records(self, sample_id: str) -> RevealView:
        """The records revealed for a sample: to the provider, the sample's auditor and supervisors."""
        path = f"/v1/provenance/samples/{_id(sample_id)}/records"
        return self._read(RevealView, self._call("GET", path))

    def declare_run(self, run: RunDeclared) -> RunView:
        """Declare a training run's chips, chip-hours, dates, precision and utilisation."""
        return self._read(RunView, self._call("POST", "/v1/provenance/runs", json=_payload(run)))

    def runs(self, *, model: str | None = None) -> list[RunView]:
        """Training-run declarations; figures and plausibility to the provider and supervisors."""
        answer = self._call("GET", "/v1/provenance/runs", params=_query(model=model))
        return self._read_list(RunView, answer)

    def state_compute_sold(self, statement: ComputeSold) -> StatementView:
        """State the chip-hours the caller's organisation sold to a developer in a period."""
        answer = self._call("POST", "/v1/provenance/statements", json=_payload(statement))
        return self._read(StatementView, answer)

    def statements(self) -> list[StatementView]:
        """Statements of compute sold: a vendor's own without figures, all of them to supervisors."""
        return self._read_list(StatementView, self._call("GET", "/v1/provenance/statements"))

    def reconcile(self, request: ReconcileRequest) -> ReconciliationView:
        """Reconcile a developer's declared chip-hours with a vendor's statements (supervisors)."""
        answer = self._call("POST", "/v1/provenance/reconciliations", json=_payload(request))
        return self._read(ReconciliationView, answer)

    def reconciliations(self) -> list[ReconciliationView]:
        answer = self._call("GET", "/v1/provenance/reconciliations")
        return self._read_list(ReconciliationView, answer)

    def privacy_budget(self) -> BudgetView:
        """The privacy budget of private releases, what they spent and what is left."""
        return self._read(BudgetView, self._call("GET", "/v1/provenance/budget"))

    def set_privacy_budget(self, budget: BudgetSet) -> BudgetView:
        """Set the privacy budget (supervisors); never below what releases have spent."""
        return self._read(BudgetView, self._call("POST", "/v1/provenance/budget", json=_payload(budget)))

    def publish(self, request: PublishRequest) -> PrivateReleaseView:
        """Publish a statistic with differential privacy, spending from the budget (supervisors)."""
        answer = self._call("POST", "/v1/provenance/releases", json=_payload(request))
        return self._read(PrivateReleaseView, answer)

    def private_releases(self) -> list[PrivateReleaseView]:
        """Every differentially private release, newest first (``releases`` is escrow's)."""
        return self._read_list(PrivateReleaseView, self._call("GET", "/v1/provenance/releases"))

    def model_provenance(self, model_id: str) -> ModelProvenanceView:
        """A model's commitments, samples, audits and training runs, as the caller may see them."""
        path = f"/v1/provenance/models/{_id(model_id)}"
        return self._read(ModelProvenanceView, self._call("GET", path))

    # --- market structure -----------------------------------------------------------------------

    def concentration(
        self,
        *,
        layer: str | None = None,
        sector: str | None = None,
        jurisdiction: str | None = None,
        as_of: date | None = None,
    ) -> ConcentrationView:
        """Each market's concentration over time; the public sees the compute layer's owners only,
        the other markets are named in ``withheld``."""
        params = _query(
            layer=layer,
            sector=sector,
            jurisdiction=jurisdiction,
            as_of=None if as_of is None else as_of.isoformat(),
        )
        return self._read(ConcentrationView, self._call("GET", "/v1/markets/concentration", params=params))

    def dependencies(self) -> DependenciesView:
        """Single points of failure, linchpins, fallbacks, counterweights and the dominator tree
        (supervisors)."""
        return self._read(DependenciesView, self._call("GET", "/v1/markets/dependencies"))

    def assess(self) -> AssessmentView:
        """File the network's single points of failure as they stand (supervisors)."""
        return self._read(AssessmentView, self._call("POST", "/v1/markets/assessments"))

    def latest_assessment(self) -> AssessmentView:
        """The latest assessment: the linchpins, and the caller's own row (a supervisor's: all)."""
        return self._read(AssessmentView, self._call("GET", "/v1/markets/assessments/latest"))

    def review_merger(self, request: MergerRequest) -> MergerReviewView:
        """Review and file a merger (supervisors); it re-runs the stress test twice, so allow it
        seconds (``timeout``)."""
        answer = self._call("POST", "/v1/markets/mergers", json=_payload(request))
        return self._read(MergerReviewView, answer)

    def merger_reviews(self) -> list[MergerReviewView]:
        """Merger reviews, newest first: all to supervisors, a merging party its own."""
        return self._read_list(MergerReviewView, self._call("GET", "/v1/markets/mergers"))

    def merger_review(self, review_id: str) -> MergerReviewView:
        path = f"/v1/markets/mergers/{_id(review_id)}"
        return self._read(MergerReviewView, self._call("GET", path))

    def impose_remedy(self, review_id: str, request: RemedyRequest) -> RemedyView:
        """Impose a remedy on a reviewed merger's acquirer (supervisors)."""
        path = f"/v1/markets/mergers/{_id(review_id)}/remedies"
        return self._read(RemedyView, self._call("POST", path, json=_payload(request)))

    def file_fallback_plan(self, plan: FallbackPlanRequest) -> FallbackPlanView:
        """File a fallback, interoperability or escrow plan for the caller's organisation (a
        supervisor names the organisation)."""
        answer = self._call("POST", "/v1/markets/fallback-plans", json=_payload(plan))
        return self._read(FallbackPlanView, answer)

    def fallback_plans(self) -> list[FallbackPlanView]:
        """Fallback plans: the caller's organisation's own, all to supervisors."""
        return self._read_list(FallbackPlanView, self._call("GET", "/v1/markets/fallback-plans"))

    def designate(self, request: DesignationRequest) -> DesignationView:
        """Designate a model as of public interest, or withdraw it (supervisors)."""
        answer = self._call("POST", "/v1/markets/designations", json=_payload(request))
        return self._read(DesignationView, answer)

    def designations(self) -> list[DesignationView]:
        """Every public-interest designation and withdrawal, newest first."""
        return self._read_list(DesignationView, self._call("GET", "/v1/markets/designations"))

    def what_if(self, request: WhatIfRequest) -> WhatIfView:
        """The stress test with a sector's deployments given a public-interest model as fallback
        (supervisors; nothing is filed)."""
        return self._read(WhatIfView, self._call("POST", "/v1/markets/what-if", json=_payload(request)))

    # --- buffers --------------------------------------------------------------------------------

    def declare_buffer(self, request: DeclarationRequest) -> DeclarationView:
        """Declare the capital held against AI deployments, verified against the latest stress run
        (a firm its own; a supervisor names the organisation)."""
        answer = self._call("POST", "/v1/buffers/declarations", json=_payload(request))
        return self._read(DeclarationView, answer)

    def bind_policy(self, request: PolicyRequest) -> PolicyView:
        """File an insurance policy over the insured's deployments (the insured, its insurer or a
        supervisor), verified against the latest stress run."""
        return self._read(PolicyView, self._call("POST", "/v1/buffers/policies", json=_payload(request)))

    def buffer_declarations(self) -> list[DeclarationView]:
        """Capital declarations: a firm its own, all to supervisors."""
        return self._read_list(DeclarationView, self._call("GET", "/v1/buffers/declarations"))

    def buffer_policies(self) -> list[PolicyView]:
        """Insurance policies: those a firm holds or underwrites, all to supervisors."""
        return self._read_list(PolicyView, self._call("GET", "/v1/buffers/policies"))

    def buffer_positions(self, *, as_of: date | None = None) -> PositionsView:
        """Each firm of the latest stress run, required against held: a firm its own row."""
        params = _query(as_of=as_of.isoformat() if as_of else None)
        return self._read(PositionsView, self._call("GET", "/v1/buffers/positions", params=params))

    def buffer_position(self, organisation: str, *, as_of: date | None = None) -> PositionView:
        """One firm's position against the latest stress run (supervisors, or the firm itself)."""
        params = _query(as_of=as_of.isoformat() if as_of else None)
        path = f"/v1/buffers/positions/{_id(organisation)}"
        return self._read(PositionView, self._call("GET", path, params=params))

    # --- liability pool -------------------------------------------------------------------------

    def pool_balance(self) -> BalanceView:
        """The fund's balance over time, its totals and the filings it rests on."""
        return self._read(BalanceView, self._call("GET", "/v1/pool/balance"))

    def call_contributions(self, request: CallRequest) -> list[CallView]:
        """Call each firm's contribution from a stress run (supervisors)."""
        return self._read_list(CallView, self._call("POST", "/v1/pool/calls", json=_payload(request)))

    def contribution_calls(self) -> list[CallView]:
        """Calls with payments and late interest: the caller's firm's own, all to supervisors."""
        return self._read_list(CallView, self._call("GET", "/v1/pool/calls"))

    def pay_contribution(self, call_id: str, request: PaymentRequest) -> CallView:
        """Pay a call of the caller's firm (a supervisor: any firm's, on its behalf)."""
        path = f"/v1/pool/calls/{_id(call_id)}/payments"
        return self._read(CallView, self._call("POST", path, json=_payload(request)))

    def file_claim(self, request: ClaimRequest) -> ClaimView:
        """Claim on the fund for an incident."""
        return self._read(ClaimView, self._call("POST", "/v1/pool/claims", json=_payload(request)))

    def pool_claims(self) -> list[ClaimView]:
        """Claims: the caller's organisation's own, all to supervisors."""
        return self._read_list(ClaimView, self._call("GET", "/v1/pool/claims"))

    def assess_claim(self, claim_id: str, request: AssessmentRequest) -> ClaimView:
        """Admit or reject a claim, once (supervisors)."""
        path = f"/v1/pool/claims/{_id(claim_id)}/assessment"
        return self._read(ClaimView, self._call("POST", path, json=_payload(request)))

    def pay_out(self, request: PayoutRequest) -> PayoutView:
        """Pay an incident's admitted claims, pro rata when the fund is short (supervisors)."""
        return self._read(PayoutView, self._call("POST", "/v1/pool/payouts", json=_payload(request)))

    def pool_payouts(self) -> list[PayoutView]:
        """Payouts: totals and shares for everyone, lines to supervisors and each claimant its own."""
        return self._read_list(PayoutView, self._call("GET", "/v1/pool/payouts"))

    def subrogate(self, request: SubrogationRequest) -> SubrogationView:
        """Record the fund's claim against the responsible firm (supervisors)."""
        answer = self._call("POST", "/v1/pool/subrogations", json=_payload(request))
        return self._read(SubrogationView, answer)

    def pool_subrogations(self) -> list[SubrogationView]:
        """Subrogations: those against the caller's firm, all to supervisors."""
        return self._read_list(SubrogationView, self._call("GET", "/v1/pool/subrogations"))

    def record_recovery(self, subrogation_id: str, request: RecoveryRequest) -> SubrogationView:
        """Record an amount recovered under a subrogation (supervisors)."""
        path = f"/v1/pool/subrogations/{_id(subrogation_id)}/recoveries"
        return self._read(SubrogationView, self._call("POST", path, json=_payload(request)))

    # --- labour ---------------------------------------------------------------------------------

    def labour_exposure(self, measure: Measure | None = None, *, level: Level = "group") -> ExposureView:
        """US workers and wage bill (USD) by SOC major group or occupation, with their parts
        exposed to language models (the paper's headline measure when ``measure`` is None)."""
        params = _query(measure=measure.value if measure else None, level=level)
        return self._read(ExposureView, self._call("GET", "/v1/labour/exposure", params=params))

    def labour_headline(self) -> HeadlineView:
        """The paper's headline shares recomputed for every measure, and whether they agree."""
        return self._read(HeadlineView, self._call("GET", "/v1/labour/headline"))

    def labour_crosswalk(self) -> CrosswalkView:
        """How O*NET occupations join BLS employment, and which could not be joined."""
        return self._read(CrosswalkView, self._call("GET", "/v1/labour/crosswalk"))

    def labour_scenarios(self) -> list[ScenarioView]:
        """The shipped displacement scenarios."""
        return self._read_list(ScenarioView, self._call("GET", "/v1/labour/scenarios"))

    def labour_programmes(self) -> list[ProgrammeView]:
        """The shipped safety-net programme designs."""
        return self._read_list(ProgrammeView, self._call("GET", "/v1/labour/programmes"))

    def start_labour_run(self, request: LabourRunRequest) -> LabourRunView:
        """Run a scenario with a programme design and file it (supervisors)."""
        return self._read(LabourRunView, self._call("POST", "/v1/labour/runs", json=_payload(request)))

    def labour_runs(self) -> list[RunSummary]:
        """Every filed labour run, newest first."""
        return self._read_list(RunSummary, self._call("GET", "/v1/labour/runs"))

    def labour_run(self, run_id: str) -> LabourRunView:
        """A filed labour run by its run id or its filing's id."""
        return self._read(LabourRunView, self._call("GET", f"/v1/labour/runs/{_id(run_id)}"))

    def labour_report(self, run_id: str) -> str:
        """A filed labour run as one self-contained HTML page."""
        path = f"/v1/labour/runs/{_id(run_id)}/report"
        try:
            response = self._http.get(path)
        except httpx.HTTPError as exc:
            raise CustosConnectionError(f"GET {path}: no answer from the server: {exc}") from exc
        if response.is_error:
            raise problem_error(response)
        return response.text

    # --- monitoring -----------------------------------------------------------------------------

    def export_metrics(self, body: bytes, *, json: bool = False) -> bytes:
        """Send telemetry as a deployer's OpenTelemetry exporter does (OTLP/HTTP, ``POST
        /v1/metrics``): an ``ExportMetricsServiceRequest`` in binary protobuf, or OTLP JSON with
        ``json``. Answers the ``ExportMetricsServiceResponse`` in the same encoding, whose partial
        success counts the points refused; a body refused whole raises ``InvalidInputError``."""
        path = "/v1/metrics"
        encoding = "application/json" if json else "application/x-protobuf"
        try:
            response = self._http.post(
                path, content=body, headers={"Content-Type": encoding, "Accept": encoding}
            )
        except httpx.HTTPError as exc:
            raise CustosConnectionError(f"POST {path}: no answer from the server: {exc}") from exc
        if response.is_error:
            raise _otlp_error(response)
        return response.content

    def monitoring_system(self) -> SystemView:
        """Deployments watched and degraded, exposure affected by provider, host and model, and the
        groups degrading together (supervisors: every firm; a firm: its own)."""
        return self._read(SystemView, self._call("GET", "/v1/monitoring/system"))

    def monitoring_deployments(self) -> list[DeploymentNow]:
        """Each watched deployment the caller may see, as its figures stand."""
        return self._read_list(DeploymentNow, self._call("GET", "/v1/monitoring/deployments"))

    def monitoring_series(
        self, deployment_id: str, figure: str, *, start: datetime | None = None, end: datetime | None = None
    ) -> SeriesView:
        """One figure of one deployment over a span (the day before ``end``, now, when absent)."""
        path = f"/v1/monitoring/deployments/{_id(deployment_id)}/series/{_id(figure)}"
        params = _query(start=start.isoformat() if start else None, end=end.isoformat() if end else None)
        return self._read(SeriesView, self._call("GET", path, params=params))

    def monitoring_alerts(
        self, *, open_only: bool = False, kind: str | None = None, limit: int = 200
    ) -> list[AlertView]:
        """Alerts newest first, of one kind (``alert``, ``systemic``) or both: a firm's own
        deployments'; supervisors every alert and the systemic ones."""
        params = _query(open="true" if open_only else "false", kind=kind, limit=limit)
        return self._read_list(AlertView, self._call("GET", "/v1/monitoring/alerts", params=params))

    def monitoring_enrol(self, enrolment: Enrolled) -> EnrolmentView:
        """Enrol a deployment in continuous monitoring (its deployer); the enrolment in force."""
        answer = self._call("POST", "/v1/monitoring/enrolments", json=_payload(enrolment))
        return self._read(EnrolmentView, answer)

    def monitoring_enrolments(self) -> list[EnrolmentView]:
        """The enrolments in force, each deployment's latest: a firm its own, supervisors all."""
        return self._read_list(EnrolmentView, self._call("GET", "/v1/monitoring/enrolments"))

    def monitoring_bounds(self) -> list[BoundView]:
        """The fixed bounds every deployment's figures are held to, with their sources (public)."""
        return self._read_list(BoundView, self._call("GET", "/v1/monitoring/bounds"))

    def monitoring_thresholds(self) -> Thresholds:
        """The detector's settings in force (public)."""
        return self._read(Thresholds, self._call("GET", "/v1/monitoring/thresholds"))

    def set_monitoring_thresholds(self, thresholds: Thresholds) -> Thresholds:
        """Change the detector's settings (supervisors); the change is a filing."""
        answer = self._call("PUT", "/v1/monitoring/thresholds", json=_payload(thresholds))
        return self._read(Thresholds, answer)

    def monitoring_summaries(self) -> list[SummaryPublished]:
        """The daily summaries published for the public, newest first."""
        return self._read_list(SummaryPublished, self._call("GET", "/v1/monitoring/summaries"))

    def publish_monitoring_summary(self, day: date) -> SummaryPublished:
        """Publish a past day's aggregates for the public (supervisors)."""
        answer = self._call("POST", f"/v1/monitoring/summaries/{day.isoformat()}")
        return self._read(SummaryPublished, answer)

    # --- stress tests ---------------------------------------------------------------------------

    def reverse_stress(self, request: ReverseStressRequest) -> ReverseStressView:
        """The fewest provider or model failures whose system loss under the request's scenario
        reaches its threshold (supervisors; nothing is filed). The search runs while the request
        waits, seconds on a large network, so allow it time (``timeout``)."""
        answer = self._call("POST", "/v1/risk/reverse-stress", json=_payload(request))
        return self._read(ReverseStressView, answer)

    # --- federation -----------------------------------------------------------------------------

    def federation_identity(self) -> Identity:
        """The server's log origin, log key and witness key: what a peer recognises it by."""
        return self._read(Identity, self._call("GET", "/v1/federation/identity"))

    def peers(self) -> list[PeerView]:
        """The peer installations recognised, in any standing (supervisors)."""
        return self._read_list(PeerView, self._call("GET", "/v1/federation/peers"))

    def recognise_peer(self, terms: PeerRecognised) -> PeerView:
        """Recognise a peer for a scope, or change the terms of one recognised before (same origin)."""
        return self._read(PeerView, self._call("POST", "/v1/federation/peers", json=_payload(terms)))

    def withdraw_peer(self, peer_id: str, reason: str) -> PeerView:
        """Stop exchanging notices with a peer; what was exchanged stays on the record."""
        path = f"/v1/federation/peers/{_id(peer_id)}/withdraw"
        return self._read(PeerView, self._call("POST", path, json={"reason": reason}))

    def clear_peer(self, peer_id: str, reason: str) -> PeerView:
        """Accept notices from a flagged peer again, once the flag was looked into."""
        path = f"/v1/federation/peers/{_id(peer_id)}/clear"
        return self._read(PeerView, self._call("POST", path, json={"reason": reason}))

    def peer_status(self) -> list[PeerStatus]:
        """Each peer: the sizes cosigned both ways, notices pending, the last exchanged, the last error."""
        return self._read_list(PeerStatus, self._call("GET", "/v1/federation/status"))

    def send_to_peer(self, peer_id: str, filing_id: str) -> OutgoingNotice:
        """Flag a filing for a peer (one within the scope granted it); it goes at the next round."""
        body = {"peer_id": peer_id, "filing_id": filing_id}
        return self._read(OutgoingNotice, self._call("POST", "/v1/federation/outbox", json=body))

    def outgoing_notices(
        self, *, peer: str | None = None, before: str | None = None, limit: int = 100
    ) -> list[OutgoingNotice]:
        """Notices flagged for peers, newest first; ``before`` is the last id of the previous page."""
        params = _query(peer=peer, before=before, limit=limit)
        return self._read_list(OutgoingNotice, self._call("GET", "/v1/federation/outbox", params=params))

    def incoming_notices(
        self, *, peer: str | None = None, before: str | None = None, limit: int = 100
    ) -> list[IncomingNotice]:
        """Notices received from peers, verified, newest first, with what each disclosed."""
        params = _query(peer=peer, before=before, limit=limit)
        return self._read_list(IncomingNotice, self._call("GET", "/v1/federation/inbox", params=params))

    def notice_refusals(self, *, peer: str | None = None, limit: int = 100) -> list[Refusal]:
        """Notices this server refused, newest first, each with its reason."""
        params = _query(peer=peer, limit=limit)
        return self._read_list(Refusal, self._call("GET", "/v1/federation/refusals", params=params))

    def import_pack(self, peer_id: str, pack_id: str, version: str | None = None) -> PackImport:
        """Load a peer's pack version here (its active one unless ``version`` names one), once
        proved against the peer's log (supervisors)."""
        body = {"pack_id": pack_id, **({"version": version} if version else {})}
        path = f"/v1/federation/peers/{_id(peer_id)}/packs"
        return self._read(PackImport, self._call("POST", path, json=body))

    def import_accreditations(self, peer_id: str, organisation_id: str | None = None) -> AccreditationsImport:
        """Accredit here the auditors a peer accredits (of one of its organisations, by its id
        there), each proved against the peer's log (supervisors)."""
        body = {"organisation_id": organisation_id} if organisation_id else {}
        path = f"/v1/federation/peers/{_id(peer_id)}/accreditations"
        return self._read(AccreditationsImport, self._call("POST", path, json=body))

    def sync_peers(self) -> list[dict[str, Any]]:
        """Run a round of witnessing and sending now; what it did with each active peer."""
        answer: list[dict[str, Any]] = self._call("POST", "/v1/federation/sync")
        return answer

    def deliver_notices(self, notices: Sequence[str]) -> NoticeResults:
        """Deliver signed notices as a peer does; each is answered with a receipt or a refusal."""
        body = {"notices": list(notices)}
        return self._read(NoticeResults, self._call("POST", "/v1/federation/notices", json=body))

    def add_checkpoint(self, request: str) -> str:
        """Offer a checkpoint for cosigning (C2SP tlog-witness ``add-checkpoint``); the cosignature
        line. A 409 naming the size the server cosigned last is a ``ConflictError`` whose detail is
        that size."""
        path = "/v1/federation/add-checkpoint"
        try:
            response = self._http.post(path, content=request.encode(), headers={"Content-Type": "text/plain"})
        except httpx.HTTPError as exc:
            raise CustosConnectionError(f"POST {path}: no answer from the server: {exc}") from exc
        if response.is_error:
            raise problem_error(response)
        return response.text
