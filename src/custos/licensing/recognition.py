"""Reciprocity: one jurisdiction recognising another's licences, as filings.

An agreement says that jurisdiction A recognises licences valid in jurisdiction B, for some
sectors and capability classes, with extra conditions. A licence valid in B then counts in A
while the agreement stands; it lapses with B's licence, since every decision reads B's licence
as it is now.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from custos.core.jurisdictions import jurisdiction_code
from custos.filings import PUBLIC_FIELD, FilingKind
from custos.licensing.model import Condition
from custos.registry.model import Sector


class RecognitionAgreed(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recognising: str = Field(
        json_schema_extra=PUBLIC_FIELD, description="The jurisdiction that recognises (A)."
    )
    recognised: str = Field(
        json_schema_extra=PUBLIC_FIELD, description="The jurisdiction whose licences count (B)."
    )
    sectors: tuple[Sector, ...] = Field(
        (), json_schema_extra=PUBLIC_FIELD, description="Empty: every sector."
    )
    capability_classes: tuple[str, ...] = Field((), json_schema_extra=PUBLIC_FIELD)
    extra_conditions: tuple[Condition, ...] = Field((), json_schema_extra=PUBLIC_FIELD)

    @field_validator("recognising", "recognised")
    @classmethod
    def _code(cls, value: str) -> str:
        return jurisdiction_code(value)


class RecognitionEnded(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(min_length=1, json_schema_extra=PUBLIC_FIELD)


RECOGNITION_AGREED = FilingKind(
    "recognition.agreed", RecognitionAgreed, "A jurisdiction recognises another's licences."
)
RECOGNITION_ENDED = FilingKind("recognition.ended", RecognitionEnded, "A recognition agreement ends.")
