"""The technical documentation of a general-purpose model (EU AI Act Art. 53(1)(a), Annex XI), as
a filing: what discharges the duty to draw it up, where a passport (an Epoch row, a model card)
does not.

The documentation itself is the provider's, kept "for the purpose of providing it, upon request,
to the AI Office and the national competent authorities"; the filing commits to it by digest and
summarises each element Annex XI asks for, so a supervisor sees that every element is there and
can check the document later handed over against the log. Section 2 is for models with systemic
risk. Every field is for the provider and the supervisors only (``owner`` visibility).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from custos.filings import OWNER_FIELD, FilingKind

#: One element's summary: where in the document it is, and what it says, in a few lines.
Element = Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class GeneralDescription(_Section):
    """Annex XI, Section 1, point 1: a general description of the model."""

    tasks: Element = Field(
        description="(a) Intended tasks; the AI systems it can be integrated in.",
    )
    acceptable_use_policies: Element = Field(description="(b) The acceptable use policies.")
    release_and_distribution: Element = Field(description="(c) Date of release and methods of distribution.")
    architecture_and_parameters: Element = Field(description="(d) Architecture and number of parameters.")
    modalities: Element = Field(description="(e) Modality and format of inputs and outputs.")
    licence: Element = Field(description="(f) The licence.")


class Development(_Section):
    """Annex XI, Section 1, point 2: the elements of the model and of its development."""

    integration_means: Element = Field(description="(a) Technical means to integrate it.")
    design_and_training: Element = Field(description="(b) Design specifications and training process.")
    data: Element = Field(
        description="(c) Data for training, testing and validation, with provenance and curation.",
    )
    computational_resources: Element = Field(description="(d) Compute (FLOP), training time.")
    energy: Element = Field(description="(e) Known or estimated energy consumption.")


class SystemicRisk(_Section):
    """Annex XI, Section 2: for models with systemic risk."""

    evaluation: Element = Field(description="1. Evaluation strategies and results.")
    adversarial_testing: Element = Field(description="2. Adversarial testing and model adaptations.")
    system_architecture: Element = Field(description="3. System architecture.")


class TechnicalDocumentation(_Section):
    """A model's technical documentation under Annex XI, committed to by digest."""

    document_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        json_schema_extra=OWNER_FIELD,
        description="SHA-256 of the documentation as kept by the provider (hex).",
    )
    general_description: GeneralDescription = Field(json_schema_extra=OWNER_FIELD)
    development: Development = Field(json_schema_extra=OWNER_FIELD)
    systemic_risk: SystemicRisk | None = Field(None, json_schema_extra=OWNER_FIELD)


TECHNICAL_DOCUMENTATION_FILED = FilingKind(
    "technical_documentation.filed",
    TechnicalDocumentation,
    "A provider files the technical documentation of a general-purpose model (EU AI Act Annex XI).",
)
