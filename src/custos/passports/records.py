"""What importers produce: records ready to file, and problems found on the way.

Every format parses into the same :class:`ImportItem` (organisations, model, passport), so one
registry routine files them all; every problem names the record and the field by path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from custos.filings import Visibility


@dataclass(frozen=True)
class OrganisationRef:
    """An organisation named by a source, with what the source says of it."""

    name: str
    country: str | None = None
    jurisdictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportItem:
    """One model and its passport, from one record of a source."""

    label: str
    organisations: tuple[OrganisationRef, ...]
    """The developers; the first is the provider."""
    model: dict[str, Any]
    """``model.registered`` content without the organisation and base-model ids."""
    passport: dict[str, Any]
    base_model_name: str | None = None
    visibility: dict[str, Visibility] | None = None


@dataclass(frozen=True)
class Problem:
    label: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}: {self.path}: {self.reason}"


@dataclass
class Parsed:
    items: list[ImportItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def problems_of(label: str, error: ValidationError, prefix: str = "") -> list[Problem]:
    """One problem per offending field of a pydantic error, with its dotted path."""
    return [
        Problem(label, ".".join(p for p in [prefix, *(str(x) for x in e["loc"])] if p) or "(root)", e["msg"])
        for e in error.errors()
    ]
