"""What taking over a peer's pack version or accreditations answers (``federation.standards``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from custos.assurance.views import AccreditationView
from custos.policy.model import RecognisedFrom


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class PackImport(_Read):
    """A pack version taken over from a peer and loaded here."""

    pack: str
    version: str
    filing_id: str = Field(description="The filing that loaded it here.")
    recognised_from: RecognisedFrom
    filed: dict[str, int] = Field(description="The obligation filings loading it caused, by kind.")


class OrganisationTaken(_Read):
    """The auditor's organisation here: found by the peer's name for it, or registered now."""

    peer_organisation_id: str
    id: str
    name: str
    registered: bool = Field(description="Registered now; false when one of that name already was.")


class AccreditationsImport(_Read):
    """Accreditations taken over from a peer, and those it had taken over before."""

    organisations: list[OrganisationTaken]
    accredited: list[AccreditationView]
    already: list[str] = Field(description="The peer's filings recognised here before, left as they are.")
