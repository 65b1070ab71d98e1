"""Documents a provider files: the technical documentation of a general-purpose model (EU AI Act
Art. 53(1)(a), Annex XI), and a large frontier developer's frontier AI framework. The first as
a filing: what discharges the duty to draw it up, where a passport (an Epoch row, a model card)
does not.

The documentation itself is the provider's, kept "for the purpose of providing it, upon request,
to the AI Office and the national competent authorities"; the filing commits to it by digest and
summarises each element Annex XI asks for, so a supervisor sees that every element is there and
can check the document later handed over against the log. Section 2 is for models with systemic
risk. Every field is for the provider and the supervisors only (``owner`` visibility).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from custos.filings import OWNER_FIELD, PUBLIC_FIELD, FilingKind

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


class FrameworkPublished(_Section):
    """A large frontier developer's publication of its frontier AI framework (Bus. & Prof. Code
    § 22757.12(a); Gen. Bus. Law § 1421(1)): where it is published and its digest, and, when it
    publishes a material modification, the day the modification was made and why (§ 22757.12(b)(2),
    § 1421(2): within 30 days). It answers the framework's yearly review and the republication
    the modification starts."""

    url: str = Field(min_length=1, max_length=2000, json_schema_extra=PUBLIC_FIELD)
    document_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", json_schema_extra=PUBLIC_FIELD)
    material_modification: bool = Field(False, json_schema_extra=PUBLIC_FIELD)
    modified_on: date | None = Field(
        None, json_schema_extra=PUBLIC_FIELD, description="The day the material modification was made."
    )
    justification: Element | None = Field(None, json_schema_extra=PUBLIC_FIELD)

    @model_validator(mode="after")
    def _a_modification_says_when_and_why(self) -> FrameworkPublished:
        if self.material_modification and (self.modified_on is None or not self.justification):
            raise ValueError(
                "a material modification gives the day it was made (modified_on) and a justification"
            )
        return self


FRAMEWORK_PUBLISHED = FilingKind(
    "framework.published",
    FrameworkPublished,
    "A large frontier developer publishes its frontier AI framework, or a material modification of it.",
)
