"""The catalogue of audit scopes, shipped as data (``data/scopes.yaml``).

An accreditation names scopes from it, an engagement is for one of them, and an attestation
must state the scope's standard: so "attested to ISO/IEC 42001" means the same thing in every
filing, and a scope outside an auditor's accreditation is refused by name.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from custos.core.errors import InvalidInput

CATALOGUE = Path(__file__).resolve().parent / "data" / "scopes.yaml"

#: The scope in which an independent party retests a red-team finding's mitigation.
RETEST_SCOPE = "custos-red-team-retest"


class AuditScope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    standard: str
    subjects: tuple[Literal["model", "deployment"], ...] = Field(min_length=1)
    url: str | None = None


@cache
def scopes() -> dict[str, AuditScope]:
    """Every scope of the catalogue, by id."""
    data = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {name: AuditScope(id=name, **entry) for name, entry in data.items()}


def scope(name: str) -> AuditScope:
    """The scope named, or InvalidInput listing the catalogue."""
    found = scopes().get(name)
    if found is None:
        raise InvalidInput(f"unknown audit scope {name!r}; the catalogue has {', '.join(sorted(scopes()))}")
    return found


def known_scope(name: str) -> str:
    """A payload validator: the name, when the catalogue has it (a ValueError naming the
    catalogue otherwise, so the field is named in the refusal)."""
    if name not in scopes():
        raise ValueError(f"unknown audit scope {name!r}; the catalogue has {', '.join(sorted(scopes()))}")
    return name
