"""Provenance audits over HTTP: providers file dataset commitments, reveal samples and declare
training runs; compute vendors state what they sold; auditors and supervisors ask for samples;
supervisors reconcile compute and publish private aggregates.

Who may see what is the service's to decide: revealed records reach the provider, the sample's
auditor and supervisors; a declared composition, a run's figures and its plausibility the
provider and supervisors; a vendor's figures and a reconciliation's supervisors (the parties
see its status). Responses are written with ``exclude_unset``, so a withheld field is absent.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from custos.access.model import Principal
from custos.access.permissions import Permission
from custos.api.auth import require
from custos.api.json_types import json_types
from custos.core.errors import InvalidInput
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
from custos.provenance.service import ProvenanceService
from custos.provenance.views import (
    AuditView,
    BudgetView,
    CommitmentView,
    ModelProvenanceView,
    ReconciliationView,
    ReleaseView,
    RevealView,
    RunView,
    SampleView,
    StatementView,
)

router = APIRouter(prefix="/v1/provenance", tags=["provenance"])
Reader = Annotated[Principal, Depends(require(Permission.PROVENANCE_READ))]
Filer = Annotated[Principal, Depends(require(Permission.PROVENANCE_FILE))]
Sampler = Annotated[Principal, Depends(require(Permission.PROVENANCE_SAMPLE))]
Manager = Annotated[Principal, Depends(require(Permission.PROVENANCE_MANAGE))]
ModelFilter = Annotated[str | None, Query(max_length=64, description="Only this model's.")]


def _provenance(request: Request) -> ProvenanceService:
    return ProvenanceService(request.app.state.store)


# --- commitments and samples ------------------------------------------------------------------


@router.get("/commitments", response_model=list[CommitmentView], response_model_exclude_unset=True)
async def list_commitments(request: Request, who: Reader, model: ModelFilter = None) -> list[CommitmentView]:
    """Dataset commitments with their samples; declared compositions to the provider, its auditors
    and supervisors."""
    return await run_in_threadpool(_provenance(request).commitments, by=who, model_id=model)


@router.post(
    "/commitments", status_code=201, response_model=CommitmentView, response_model_exclude_unset=True
)
async def file_commitment(
    body: Annotated[DatasetCommitted, json_types(DatasetCommitted)], request: Request, who: Filer
) -> CommitmentView:
    """File a commitment built on the provider's machine (``custos provenance commit``)."""
    return await run_in_threadpool(_provenance(request).commit, body, by=who)


@router.get("/commitments/{commitment_id}", response_model=CommitmentView, response_model_exclude_unset=True)
async def show_commitment(commitment_id: str, request: Request, who: Reader) -> CommitmentView:
    return await run_in_threadpool(_provenance(request).commitment, commitment_id, by=who)


@router.get("/samples", response_model=list[SampleView], response_model_exclude_unset=True)
async def list_samples(request: Request, who: Reader, model: ModelFilter = None) -> list[SampleView]:
    """Samples asked for, with the indices drawn and, once answered, the findings."""
    return await run_in_threadpool(_provenance(request).samples, by=who, model_id=model)


@router.post("/samples", status_code=201, response_model=SampleView, response_model_exclude_unset=True)
async def request_sample(
    body: Annotated[SampleRequest, json_types(SampleRequest)], request: Request, who: Sampler
) -> SampleView:
    """Ask for a sample of a commitment's records, drawn from a checkpoint that holds it: the
    auditor engaged for the model in the data provenance scope, or a supervisor."""
    return await run_in_threadpool(_provenance(request).request_sample, body, by=who)


@router.get("/samples/{sample_id}", response_model=SampleView, response_model_exclude_unset=True)
async def show_sample(sample_id: str, request: Request, who: Reader) -> SampleView:
    return await run_in_threadpool(_provenance(request).sample, sample_id, by=who)


@router.post(
    "/samples/{sample_id}/reveal",
    status_code=201,
    response_model=AuditView,
    response_model_exclude_unset=True,
)
async def reveal_sample(
    sample_id: str,
    body: Annotated[RecordsRevealed, json_types(RecordsRevealed)],
    request: Request,
    who: Filer,
) -> AuditView:
    """Reveal the sampled records with their salts and proofs; answered with the findings, or
    refused (nothing filed) when a proof fails or the records are not those drawn."""
    if body.sample_id != sample_id:
        raise InvalidInput(
            f"the body answers sample {body.sample_id!r}, the address names sample {sample_id!r}"
        )
    return await run_in_threadpool(_provenance(request).reveal, body, by=who)


@router.get("/samples/{sample_id}/records", response_model=RevealView)
async def sample_records(sample_id: str, request: Request, who: Reader) -> RevealView:
    """The records revealed: to the provider, the sample's auditor and supervisors only."""
    return await run_in_threadpool(_provenance(request).records, sample_id, by=who)


# --- training runs and compute statements -----------------------------------------------------


@router.get("/runs", response_model=list[RunView], response_model_exclude_unset=True)
async def list_runs(request: Request, who: Reader, model: ModelFilter = None) -> list[RunView]:
    """Training-run declarations; their figures and plausibility to the provider and supervisors."""
    return await run_in_threadpool(_provenance(request).runs, by=who, model_id=model)


@router.post("/runs", status_code=201, response_model=RunView, response_model_exclude_unset=True)
async def declare_run(
    body: Annotated[RunDeclared, json_types(RunDeclared)], request: Request, who: Filer
) -> RunView:
    """Declare a training run: chips, chip-hours, dates, precision, utilisation."""
    return await run_in_threadpool(_provenance(request).declare_run, body, by=who)


@router.get("/statements", response_model=list[StatementView], response_model_exclude_unset=True)
async def list_statements(request: Request, who: Filer) -> list[StatementView]:
    """Statements of compute sold: a vendor its own, supervisors all with their figures."""
    return await run_in_threadpool(_provenance(request).statements, by=who)


@router.post("/statements", status_code=201, response_model=StatementView, response_model_exclude_unset=True)
async def state_compute_sold(
    body: Annotated[ComputeSold, json_types(ComputeSold)], request: Request, who: Filer
) -> StatementView:
    """State the chip-hours sold to a developer in a period; the figure is for supervisors only."""
    return await run_in_threadpool(_provenance(request).sell, body, by=who)


@router.get("/reconciliations", response_model=list[ReconciliationView], response_model_exclude_unset=True)
async def list_reconciliations(request: Request, who: Filer) -> list[ReconciliationView]:
    """Reconciliations: each party sees whether its figures agree, supervisors the figures."""
    return await run_in_threadpool(_provenance(request).reconciliations, by=who)


@router.post(
    "/reconciliations", status_code=201, response_model=ReconciliationView, response_model_exclude_unset=True
)
async def reconcile(
    body: Annotated[ReconcileRequest, json_types(ReconcileRequest)], request: Request, who: Manager
) -> ReconciliationView:
    """Reconcile a developer's declared chip-hours on a vendor with the vendor's statements."""
    return await run_in_threadpool(_provenance(request).reconcile, body, by=who)


# --- private aggregates ---------------------------------------------------------------------


@router.get("/budget", response_model=BudgetView, response_model_exclude_unset=True)
async def show_budget(request: Request, _: Reader) -> BudgetView:
    """The privacy budget, what releases spent and what is left."""
    return await run_in_threadpool(_provenance(request).budget)


@router.post("/budget", status_code=201, response_model=BudgetView, response_model_exclude_unset=True)
async def set_budget(
    body: Annotated[BudgetSet, json_types(BudgetSet)], request: Request, who: Manager
) -> BudgetView:
    """Set the privacy budget releases spend from (never below what they spent)."""
    return await run_in_threadpool(_provenance(request).set_budget, body, by=who)


@router.get("/releases", response_model=list[ReleaseView])
async def list_releases(request: Request, _: Reader) -> list[ReleaseView]:
    """Every differentially private release, newest first, with its noise and budget."""
    return await run_in_threadpool(_provenance(request).releases)


@router.post("/releases", status_code=201, response_model=ReleaseView)
async def publish(
    body: Annotated[PublishRequest, json_types(PublishRequest)], request: Request, who: Manager
) -> ReleaseView:
    """Publish a statistic with differential privacy, spending from the budget."""
    return await run_in_threadpool(_provenance(request).publish, body, by=who)


@router.get("/models/{model_id}", response_model=ModelProvenanceView, response_model_exclude_unset=True)
async def model_provenance(model_id: str, request: Request, who: Reader) -> ModelProvenanceView:
    """A model's commitments, samples, audits and training runs, for its passport page."""
    return await run_in_threadpool(_provenance(request).model, model_id, by=who)
