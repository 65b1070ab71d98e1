"""Incidents as the incident service returns them and the API answers a report, a confirmation or
a closing."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from custos.oversight.model import Severity


class IncidentView(BaseModel):
    """An incident after a step: a report answers with what was reported; a confirmation or a
    closing with the reason given. Fields a step does not carry are absent, not null."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    status: Literal["open", "confirmed", "closed"]
    model_id: str | None = None
    severity: Severity | None = None
    occurred_at: AwareDatetime | None = None
    discovered_at: AwareDatetime | None = None
    imminent_risk: bool | None = None
    deployment_id: str | None = None
    death: bool | None = None
    widespread_or_critical_infrastructure: bool | None = None
    summary: str | None = None
    reason: str | None = Field(None, description="Why it was confirmed or closed.")
    disclosed_to: str | None = Field(None, description="The authority it was disclosed to.")
    disclosed_at: AwareDatetime | None = None
