"""Registry records as a reader receives them: the fields the reader may see, and the names of the
rest in ``withheld``.

These are what the registry service's reads return, the API's response models, and what the
Python client parses answers into. Any field of a record's content may be withheld from some
reader (a provider may file even a model's name for supervisors only), so every content field is
optional, and a withheld field is absent from the answer, never null: the API serialises these
with ``exclude_unset``. Unknown keys are kept
(``extra="allow"``), so a reader built on these models keeps what a newer server sends.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from custos.core.clock import stored_utc
from custos.passports.model import (
    Compute,
    DataQualityNote,
    Dataset,
    Energy,
    Evaluation,
    Money,
    Provenance,
)
from custos.registry.documentation import Development, GeneralDescription, SystemicRisk
from custos.registry.model import Accessibility, AnnexIIIUse, Lineage, OrganisationKind, Sector

#: A moment as the services render it (``isoformat()``): parsed as a datetime and written back the
#: same way (``+00:00``, not pydantic's ``Z``), so an answer reads the same through a response
#: model. A time without its zone is one SQLite gave back, stored in UTC: it is given its zone.
Moment = Annotated[
    datetime,
    AfterValidator(stored_utc),
    PlainSerializer(lambda moment: moment.isoformat(), return_type=str),
]

WITHHELD = "Fields of the record the reader may not see: their values are never sent."


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class OrganisationView(_Read):
    """An organisation as the reader may see it."""

    id: str
    name: str | None = None
    jurisdiction: str | None = Field(None, description="Where it is established")
    kinds: tuple[OrganisationKind, ...] | None = None
    country: str | None = Field(None, description="ISO 3166-1 alpha-2")
    jurisdictions: tuple[str, ...] | None = None
    annual_revenue: Money | None = None
    withheld: tuple[str, ...] = Field(description=WITHHELD)
    filing_id: str = Field(description="The filing that registered it.")


class ModelView(_Read):
    """A model as the reader may see it."""

    id: str
    name: str | None = None
    version: str | None = None
    provider_id: str | None = None
    developer_ids: tuple[str, ...] | None = None
    base_model_id: str | None = None
    base_model_name: str | None = None
    lineage: Lineage | None = None
    accessibility: Accessibility | None = None
    public_interest: bool | None = None
    public_interest_grounds: str | None = None
    release_date: date | None = None
    domain: str | None = None
    task: str | None = None
    countries: tuple[str, ...] | None = Field(None, description="Developers' countries")
    withheld: tuple[str, ...] = Field(description=WITHHELD)
    filing_id: str = Field(description="The filing that registered it.")


class ModelSummary(ModelView):
    """A model in a list, with its passport's completeness and, where the reader may see it, its
    training compute (absent, not null, when withheld)."""

    completeness: float | None = Field(None, description="Share of the required passport fields present.")
    training_flop: float | None = Field(None, description="Training compute, FLOP; absent when withheld.")


class PassportView(_Read):
    """A passport's content as the reader may see it: each section whole, or withheld."""

    description: str | None = None
    provenance: Provenance | None = None
    licence: str | None = None
    datasets: tuple[Dataset, ...] | None = None
    compute: Compute | None = None
    energy: Energy | None = None
    known_limitations: tuple[str, ...] | None = None
    intended_uses: tuple[str, ...] | None = None
    out_of_scope_uses: tuple[str, ...] | None = None
    evaluations: tuple[Evaluation, ...] | None = None
    data_quality: tuple[DataQualityNote, ...] | None = None


class PassportVersion(_Read):
    """One version of a model's passport, with what the registry assessed of it."""

    filing_id: str
    model_id: str
    version: int = Field(description="1 for the first passport filed for the model.")
    current: bool = Field(description="Whether this is the model's current passport.")
    filed_at: Moment
    completeness: float = Field(description="Share of the required fields present (withheld counts).")
    missing: tuple[str, ...] = Field(description="Required fields the passport lacks.")
    flagged: tuple[str, ...] = Field(
        description="Fields an import repaired or questioned, from the data-quality notes the reader sees."
    )
    passport: PassportView
    withheld: tuple[str, ...] = Field(description=WITHHELD)


class NotificationView(_Read):
    """A notification a provider made about a model, as the reader may see it."""

    filing_id: str
    model_id: str
    filed_at: Moment
    regards: str | None = None
    authority: str | None = None
    training_flop: float | None = Field(None, description="FLOP, to two significant figures.")
    planned: bool | None = None
    estimation_method: str | None = None
    arguments: str | None = None
    withheld: tuple[str, ...] = Field(description=WITHHELD)


class DocumentationView(_Read):
    """A model's technical documentation (Annex XI) as filed, as the reader may see it."""

    filing_id: str
    model_id: str
    filed_at: Moment
    document_sha256: str | None = None
    general_description: GeneralDescription | None = None
    development: Development | None = None
    systemic_risk: SystemicRisk | None = None
    withheld: tuple[str, ...] = Field(description=WITHHELD)


class FrameworkView(_Read):
    """A frontier AI framework's publication as filed."""

    filing_id: str
    organisation_id: str
    filed_at: Moment
    url: str | None = None
    document_sha256: str | None = None
    material_modification: bool | None = None
    modified_on: date | None = None
    justification: str | None = None
    withheld: tuple[str, ...] = Field(description=WITHHELD)


class ModelDetail(ModelView):
    """A model with its current passport (null when none was filed) and how many deployments use it."""

    passport: PassportVersion | None
    deployments: int = Field(description="How many deployments of the model are registered.")


class DeploymentView(_Read):
    """A deployment as the reader may see it."""

    id: str
    name: str | None = None
    deployer_id: str | None = None
    model_id: str | None = None
    jurisdictions: tuple[str, ...] | None = None
    sector: Sector | None = None
    decision_critical: bool | None = None
    economic_exposure: Money | None = None
    user_population: int | None = None
    start_date: date | None = None
    fallback_model_ids: tuple[str, ...] | None = None
    hosting_provider_id: str | None = None
    fallback_hosting_provider_ids: tuple[str, ...] | None = None
    annex_iii_uses: tuple[AnnexIIIUse, ...] | None = None
    withheld: tuple[str, ...] = Field(description=WITHHELD)
    filing_id: str = Field(description="The filing that registered it.")


Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """A page of a list and the cursor of the next one; follow ``next`` until it is null.

    Here rather than in the API, so the service hands the API and the CLI the very page they send."""

    model_config = ConfigDict(frozen=True)

    items: list[Item]
    next: str | None = Field(description="Cursor of the next page; null on the last one.")
    total: int = Field(description="How many match the filters, counting only values the caller may see.")


class OrganisationPage(Page[OrganisationView]):
    """A page of organisations."""


class ModelPage(Page[ModelSummary]):
    """A page of models."""


class DeploymentPage(Page[DeploymentView]):
    """A page of deployments."""


class ImportSummary(_Read):
    """What an import filed, what it skipped and why, and what it flagged on the passports."""

    source: str
    records: int = Field(description="Records read from the document.")
    imported_models: int
    organisations_created: int
    flagged: dict[str, int] = Field(description="Data-quality notes filed, by problem.")
    data_quality: list[dict[str, Any]] = Field(description="Each note, with its record, model id and name.")
    skipped: list[dict[str, str]] = Field(description="Records left out (skip_invalid), with the reason.")
    notes: list[str]
    models: list[dict[str, str]] = Field(description="Each model filed or updated, and what was done.")
